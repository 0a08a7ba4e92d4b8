#include "ops/query.h"

#include "ops/sink.h"

#include <algorithm>
#include <cctype>
#include <functional>

#include "core/number.h"
#include "ops/sink.h"

namespace fanout::ops {

namespace {

struct OpName {
  std::string_view text;
  CmpOp op;
};
constexpr OpName kOps[] = {{"=", CmpOp::kEq}, {"==", CmpOp::kEq}, {"!=", CmpOp::kNe}, {"<", CmpOp::kLt},
                           {"<=", CmpOp::kLe}, {">", CmpOp::kGt},  {">=", CmpOp::kGe}};
// The characters operators are made of: a run of them is one operator.
constexpr std::string_view kOpChars = "=!<>";
constexpr const char* kOpList = "= != < <= > >=";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// Whether a comparison that came out as c (<0, 0, >0) satisfies op.
bool Holds(int c, CmpOp op) {
  switch (op) {
    case CmpOp::kEq: return c == 0;
    case CmpOp::kNe: return c != 0;
    case CmpOp::kLt: return c < 0;
    case CmpOp::kLe: return c <= 0;
    case CmpOp::kGt: return c > 0;
    case CmpOp::kGe: return c >= 0;
  }
  return false;
}

const char* KindName(AggKind k) {
  switch (k) {
    case AggKind::kSum: return "sum";
    case AggKind::kMean: return "mean";
    case AggKind::kMin: return "min";
    case AggKind::kMax: return "max";
    case AggKind::kStddev: return "stddev";
    case AggKind::kSquares: return "sumsq";
    case AggKind::kCountDistinct: return "count_distinct";
    case AggKind::kPercentile: return "p";
  }
  return "?";
}

}  // namespace

namespace {

// The places of `word` (upper case, between spaces or at the ends) in `text`,
// outside quotes, case-insensitively.
std::vector<size_t> FindWord(std::string_view text, std::string_view word) {
  std::vector<size_t> at;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      continue;
    }
    if (i + word.size() > text.size() || (i > 0 && text[i - 1] != ' ')) continue;
    if (i + word.size() < text.size() && text[i + word.size()] != ' ' && text[i + word.size()] != '(') continue;
    bool same = true;
    for (size_t k = 0; k < word.size() && same; ++k) same = std::toupper(static_cast<unsigned char>(text[i + k])) == word[k];
    if (same) at.push_back(i);
  }
  return at;
}

// A VALUE of a comparison or a list: quoted text, or a number.
struct Value {
  bool numeric = false;
  Decimal number;
  std::string text;
};

// `where` says what the value is for ("after the operator"); `quoted` is how the
// value would read quoted, for the hint when it is not a number.
Result<Value> ParseValue(std::string_view value, const std::function<Status(const std::string&)>& bad,
                         const std::string& where, const std::function<std::string(std::string_view)>& quoted) {
  Value v;
  value = Trim(value);
  if (value.empty()) return bad("no value" + where + " (write '' for the empty text)");
  if (value.front() == '\'' || value.front() == '"') {
    if (value.size() < 2 || value.back() != value.front()) return bad("a quote that does not close");
    v.text = std::string(value.substr(1, value.size() - 2));
    return v;
  }
  if (!ParseDecimal(value, &v.number)) {
    return bad("'" + std::string(value) + "' is not a number; quote it to compare text: " + quoted(value));
  }
  v.numeric = true;
  return v;
}

}  // namespace

namespace {

// Parses one --where text into conditions (appended to *filters) and tree nodes
// (appended to *tree), by recursive descent:
//   or      := and ('OR' and)*
//   and     := not ('AND' not)*
//   not     := 'NOT' not | '(' or ')' | condition
// A condition runs to the next AND, OR or unmatched ')' outside quotes and
// parentheses (an AND after its BETWEEN is its own).
class WhereParser {
 public:
  WhereParser(std::string_view text, std::vector<Filter>* filters, WhereTree* tree)
      : text_(text), filters_(filters), tree_(tree) {}

  Result<uint32_t> Parse() {
    ASSIGN_OR_RETURN(uint32_t root, ParseOr());
    SkipSpaces();
    if (pos_ < text_.size()) {
      if (text_[pos_] == ')') return Bad("a ')' that closes nothing", pos_);
      return Bad("unexpected '" + std::string(text_.substr(pos_)) + "'", pos_);
    }
    return root;
  }

 private:
  using Kind = WhereTree::Node::Kind;

  Status Bad(const std::string& why, size_t at) const {
    return Status::InvalidArgument("invalid --where '" + std::string(text_) + "': " + why + " at position " +
                                   std::to_string(at + 1));
  }

  void SkipSpaces() {
    while (pos_ < text_.size() && text_[pos_] == ' ') ++pos_;
  }

  // Whether the keyword `word` (upper case) is at `at`, as a word.
  bool WordAt(size_t at, std::string_view word) const {
    if (at + word.size() > text_.size()) return false;
    if (at > 0 && text_[at - 1] != ' ' && text_[at - 1] != ')') return false;
    size_t end = at + word.size();
    if (end < text_.size() && text_[end] != ' ' && text_[end] != '(') return false;
    for (size_t k = 0; k < word.size(); ++k) {
      if (std::toupper(static_cast<unsigned char>(text_[at + k])) != word[k]) return false;
    }
    return true;
  }

  uint32_t Add(Kind kind, std::vector<uint32_t> children, uint32_t atom = 0) {
    WhereTree::Node node;
    node.kind = kind;
    node.atom = atom;
    node.children = std::move(children);
    tree_->nodes.push_back(std::move(node));
    return static_cast<uint32_t>(tree_->nodes.size() - 1);
  }

  // The operands of `word` (AND, OR), each parsed by `operand`, as one node.
  template <class Operand>
  Result<uint32_t> ParseJoined(std::string_view word, Kind kind, Operand operand) {
    std::vector<uint32_t> children;
    ASSIGN_OR_RETURN(uint32_t first, operand());
    children.push_back(first);
    for (;;) {
      SkipSpaces();
      if (!WordAt(pos_, word)) break;
      pos_ += word.size();
      ASSIGN_OR_RETURN(uint32_t next, operand());
      children.push_back(next);
    }
    if (children.size() == 1) return children[0];
    return Add(kind, std::move(children));
  }

  Result<uint32_t> ParseOr() {
    return ParseJoined("OR", Kind::kOr, [this] { return ParseAnd(); });
  }
  Result<uint32_t> ParseAnd() {
    return ParseJoined("AND", Kind::kAnd, [this] { return ParseNot(); });
  }

  Result<uint32_t> ParseNot() {
    SkipSpaces();
    if (pos_ >= text_.size() || text_[pos_] == ')') return Bad("expected a condition", pos_);
    if (WordAt(pos_, "NOT")) {
      pos_ += 3;
      ASSIGN_OR_RETURN(uint32_t child, ParseNot());
      return Add(Kind::kNot, {child});
    }
    if (text_[pos_] == '(') {
      size_t open = pos_++;
      ASSIGN_OR_RETURN(uint32_t inner, ParseOr());
      SkipSpaces();
      if (pos_ >= text_.size() || text_[pos_] != ')') return Bad("a '(' that does not close", open);
      ++pos_;
      return inner;
    }
    return ParseCondition();
  }

  Result<uint32_t> ParseCondition() {
    size_t start = pos_, depth = 0, open = 0;
    char quote = 0;
    bool between = false;  // a BETWEEN whose AND is still to come
    size_t i = pos_;
    for (; i < text_.size(); ++i) {
      char c = text_[i];
      if (quote != 0) {
        if (c == quote) quote = 0;
        continue;
      }
      if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '(') {
        if (depth++ == 0) open = i;
      } else if (c == ')') {
        if (depth == 0) break;
        --depth;
      } else if (depth == 0 && WordAt(i, "BETWEEN")) {
        between = true;
      } else if (depth == 0 && WordAt(i, "AND")) {
        if (!between) break;
        between = false;
      } else if (depth == 0 && WordAt(i, "OR")) {
        break;
      }
    }
    if (quote != 0) return Bad("a quote that does not close", text_.find_last_of(quote));
    if (depth > 0) return Bad("a '(' that does not close", open);
    pos_ = i;
    std::string_view cond = Trim(text_.substr(start, i - start));
    if (cond.empty()) return Bad("expected a condition", start);
    std::vector<Filter> parsed;
    ASSIGN_OR_RETURN(parsed, ParseConditionText(cond));
    std::vector<uint32_t> atoms;
    for (Filter& f : parsed) {
      filters_->push_back(std::move(f));
      atoms.push_back(Add(Kind::kAtom, {}, static_cast<uint32_t>(filters_->size() - 1)));
    }
    if (atoms.size() == 1) return atoms[0];
    return Add(Kind::kAnd, std::move(atoms));
  }

  // One condition: Filter::Parse's, or 'COL BETWEEN LOW AND HIGH' as two.
  Result<std::vector<Filter>> ParseConditionText(std::string_view part) {
    std::vector<size_t> b = FindWord(part, "BETWEEN");
    if (b.empty()) {
      ASSIGN_OR_RETURN(Filter f, Filter::Parse(part));
      return std::vector<Filter>{std::move(f)};
    }
    auto bad = [&] {
      return Status::InvalidArgument("invalid --where '" + std::string(text_) + "': expected 'COL BETWEEN LOW AND HIGH'");
    };
    std::vector<size_t> and_at = FindWord(part, "AND");
    if (b.size() != 1 || and_at.size() != 1 || and_at[0] < b[0]) return bad();
    std::string col(Trim(part.substr(0, b[0])));
    std::string lo(Trim(part.substr(b[0] + 7, and_at[0] - b[0] - 7))), hi(Trim(part.substr(and_at[0] + 3)));
    if (col.empty() || lo.empty() || hi.empty()) return bad();
    std::vector<Filter> two;
    ASSIGN_OR_RETURN(Filter low, Filter::Parse(col + " >= " + lo));
    ASSIGN_OR_RETURN(Filter high, Filter::Parse(col + " <= " + hi));
    two.push_back(std::move(low));
    two.push_back(std::move(high));
    return two;
  }

  std::string_view text_;
  std::vector<Filter>* filters_;
  WhereTree* tree_;
  size_t pos_ = 0;
};

}  // namespace

Result<Where> ParseWhere(const std::vector<std::string>& texts) {
  Where w;
  std::vector<uint32_t> roots;
  for (const std::string& t : texts) {
    ASSIGN_OR_RETURN(uint32_t root, WhereParser(t, &w.filters, &w.tree).Parse());
    roots.push_back(root);
  }
  // Conditions joined by AND alone need no tree: they are tested in order.
  bool conjunction = std::all_of(w.tree.nodes.begin(), w.tree.nodes.end(), [](const WhereTree::Node& n) {
    return n.kind == WhereTree::Node::Kind::kAtom || n.kind == WhereTree::Node::Kind::kAnd;
  });
  if (conjunction) {
    w.tree = WhereTree();
  } else if (roots.size() == 1) {
    w.tree.root = roots[0];
  } else {
    WhereTree::Node all;
    all.kind = WhereTree::Node::Kind::kAnd;
    all.children = roots;
    w.tree.nodes.push_back(std::move(all));
    w.tree.root = static_cast<uint32_t>(w.tree.nodes.size() - 1);
  }
  return w;
}

Status SetWhere(const std::vector<std::string>& texts, Query* q) {
  ASSIGN_OR_RETURN(Where w, ParseWhere(texts));
  q->filters = std::move(w.filters);
  q->where = std::move(w.tree);
  return Status::OK();
}

Result<Filter> Filter::Parse(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("invalid --where '" + std::string(text) + "': " + why +
                                   " (expected 'COL OP VALUE' with OP one of " + kOpList +
                                   ", 'COL [NOT] IN (V, ...)', 'COL IS [NOT] NULL' or 'COL BETWEEN LOW AND HIGH')");
  };
  Filter f;
  auto column = [&](std::string_view col) -> Status {
    col = Trim(col);
    if (col.empty()) return bad("no column");
    if (col.find('(') != std::string_view::npos) {  // a function of the column
      Result<std::vector<KeyExpr>> e = ParseKeyList(col);
      if (!e.ok()) return bad(e.status().message().substr(e.status().message().find(": ") + 2));
      if (e->size() != 1) return bad("one column, or one function of a column, before the operator");
      f.column = std::move((*e)[0].column);
      f.fn = (*e)[0].fn;
      return Status::OK();
    }
    auto spec = csv::ColumnSpec::Parse(col);
    if (!spec.ok()) return bad(spec.status().message());
    f.column = std::move(spec).value();
    return Status::OK();
  };
  // COL IS [NOT] NULL
  if (std::vector<size_t> is = FindWord(text, "IS"); !is.empty()) {
    std::string rest(Trim(text.substr(is.back() + 2)));
    for (char& c : rest) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    while (rest.find("  ") != std::string::npos) rest.erase(rest.find("  "), 1);
    if (rest != "NULL" && rest != "NOT NULL") return bad("expected NULL or NOT NULL after IS");
    RETURN_IF_ERROR(column(text.substr(0, is.back())));
    f.kind = rest == "NULL" ? Kind::kIsNull : Kind::kIsNotNull;
    return f;
  }
  // COL [NOT] IN (V, ...)
  if (std::vector<size_t> in = FindWord(text, "IN"); !in.empty()) {
    size_t at = in.back();
    std::vector<size_t> not_at = FindWord(text.substr(0, at), "NOT");
    bool negated = !not_at.empty() && Trim(text.substr(not_at.back() + 3, at - not_at.back() - 3)).empty();
    RETURN_IF_ERROR(column(text.substr(0, negated ? not_at.back() : at)));
    std::string_view list = Trim(text.substr(at + 2));
    if (list.size() < 2 || list.front() != '(' || list.back() != ')') return bad("expected a list in parentheses after IN");
    list = list.substr(1, list.size() - 2);
    f.kind = negated ? Kind::kNotIn : Kind::kIn;
    // Split on commas outside quotes.
    std::vector<std::string_view> items;
    char quote = 0;
    size_t from = 0;
    for (size_t i = 0; i <= list.size(); ++i) {
      char c = i < list.size() ? list[i] : ',';
      if (quote != 0) {
        if (c == quote) quote = 0;
        continue;
      }
      if (c == '\'' || c == '"') quote = c;
      if (c == ',' && quote == 0) {
        items.push_back(list.substr(from, i - from));
        from = i + 1;
      }
    }
    if (quote != 0) return bad("a quote that does not close");
    bool any_number = false, any_text = false;
    for (std::string_view item : items) {
      ASSIGN_OR_RETURN(Value v, ParseValue(item, bad, "", [](std::string_view x) { return "'" + std::string(x) + "'"; }));
      if (v.numeric) {
        any_number = true;
        f.numbers.push_back(std::move(v.number));
      } else {
        any_text = true;
        f.texts.push_back(std::move(v.text));
      }
    }
    if (any_number && any_text) return bad("an IN list of numbers and texts at once (quote them all, or none)");
    f.numeric = any_number;
    return f;
  }
  size_t at = text.find_first_of(kOpChars);
  if (at == std::string_view::npos) return bad("no comparison operator");
  size_t after = std::min(text.find_first_not_of(kOpChars, at), text.size());
  std::string_view op = text.substr(at, after - at);
  const OpName* found = nullptr;
  for (const OpName& o : kOps) {
    if (o.text == op) found = &o;
  }
  if (found == nullptr) return bad("unknown operator '" + std::string(op) + "'");
  f.op = found->op;
  std::string_view col = Trim(text.substr(0, at));
  if (col.empty()) return bad("no column before the operator");
  RETURN_IF_ERROR(column(col));
  if (f.column.label.empty()) return bad("no column before the operator");
  ASSIGN_OR_RETURN(Value v, ParseValue(text.substr(after), bad, " after the operator", [&](std::string_view x) {
                     return std::string(col) + " " + std::string(op) + " '" + std::string(x) + "'";
                   }));
  if (!v.numeric) {
    f.text = std::move(v.text);
    return f;
  }
  f.numeric = true;
  f.number = std::move(v.number);
  f.number_plain = DecimalToScaled(f.number, &f.number_scaled);
  return f;
}

std::string Filter::SkipReason() const {
  return fn.none() ? "non-numeric " + column.label : fn.SkipReason(column.label);
}

FilterResult Filter::Test(std::string_view field, Decimal* scratch) const {
  if (!fn.none() && !field.empty()) {  // (a function of NULL is NULL)
    thread_local std::string mapped;
    if (!fn.Apply(field, &mapped)) return FilterResult::kNotANumber;
    field = mapped;
  }
  switch (kind) {
    case Kind::kIsNull: return field.empty() ? FilterResult::kYes : FilterResult::kNo;
    case Kind::kIsNotNull: return field.empty() ? FilterResult::kNo : FilterResult::kYes;
    case Kind::kIn:
    case Kind::kNotIn: {
      bool in = false;
      if (numeric) {
        __int128 scaled;
        bool plain;
        if (!ParseNumber(field, &scaled, &plain, scratch)) return FilterResult::kNotANumber;
        if (plain) *scratch = DecimalFromScaled(scaled);
        for (const Decimal& n : numbers) in = in || CompareDecimal(*scratch, n) == 0;
      } else {
        for (const std::string& t : texts) in = in || field == t;
      }
      return in == (kind == Kind::kIn) ? FilterResult::kYes : FilterResult::kNo;
    }
    case Kind::kCompare: break;
  }
  int c;
  if (!numeric) {
    c = field.compare(text);
  } else {
    __int128 scaled;
    bool plain;
    if (!ParseNumber(field, &scaled, &plain, scratch)) return FilterResult::kNotANumber;
    if (plain && number_plain) {
      c = (scaled > number_scaled) - (scaled < number_scaled);
    } else {
      if (plain) *scratch = DecimalFromScaled(scaled);
      c = CompareDecimal(*scratch, number);
    }
  }
  return Holds(c, op) ? FilterResult::kYes : FilterResult::kNo;
}

std::string AggSpec::Label() const {
  if (kind == AggKind::kPercentile) return "p" + std::to_string(percent) + "_" + column.label;
  return std::string(KindName(kind)) + "_" + column.label;
}

std::string Query::Fingerprint() const {
  std::string fp = "keys";
  for (const auto& k : keys) fp += ":" + k.label;
  fp += "|aggs";
  for (const auto& a : aggs) fp += ":" + a.Label();
  return fp;
}

Result<ResolvedQuery> Resolve(const Query& q, const csv::HeaderInfo& header,
                              const std::string& object_name) {
  ResolvedQuery r;
  if (header.empty) {
    // No rows will come: there is nothing to resolve, and nothing to complain about.
    r.keys.assign(q.keys.size(), 0);
    r.filters.assign(q.filters.size(), 0);
    r.aggs.assign(q.aggs.size(), 0);
    r.min_fields = 1;
    return r;
  }
  auto resolve_all = [&](auto& specs, auto get, std::vector<int>* out) -> Status {
    for (const auto& s : specs) {
      ASSIGN_OR_RETURN(int idx, csv::ResolveColumn(get(s), header, object_name));
      out->push_back(idx);
      r.min_fields = std::max(r.min_fields, static_cast<size_t>(idx) + 1);
    }
    return Status::OK();
  };
  RETURN_IF_ERROR(resolve_all(q.keys, [](const csv::ColumnSpec& s) -> const csv::ColumnSpec& { return s; }, &r.keys));
  RETURN_IF_ERROR(resolve_all(q.filters, [](const Filter& f) -> const csv::ColumnSpec& { return f.column; }, &r.filters));
  RETURN_IF_ERROR(resolve_all(q.aggs, [](const AggSpec& a) -> const csv::ColumnSpec& { return a.column; }, &r.aggs));
  return r;
}

void SetKeys(std::vector<KeyExpr> keys, Query* q) {
  bool fns = std::any_of(keys.begin(), keys.end(), [](const KeyExpr& k) { return !k.fn.none(); });
  q->keys.clear();
  q->key_fns.clear();
  for (KeyExpr& k : keys) {
    q->keys.push_back(std::move(k.column));
    if (fns) q->key_fns.push_back(k.fn);
  }
}

namespace {

// Whether no value in [min, max] (and, with nulls, the empty value for a text
// filter) can satisfy `f`, by testing the ends with the comparison turned
// around: values only lie between them. False when an end is not comparable.
bool NoValueCanPass(const Filter& f, const FieldSummary& s) {
  Decimal scratch;
  auto test = [&](CmpOp op, const std::string& v) {
    Filter g = f;
    g.op = op;
    return g.Test(v, &scratch);
  };
  const std::string& lo = s.min;
  const std::string& hi = s.max;
  FilterResult a, b;
  switch (f.op) {
    case CmpOp::kGt:
    case CmpOp::kGe:
      a = test(f.op, hi);
      return a == FilterResult::kNo;
    case CmpOp::kLt:
    case CmpOp::kLe:
      a = test(f.op, lo);
      return a == FilterResult::kNo;
    case CmpOp::kEq:
      a = test(CmpOp::kGe, hi);  // kNo: hi < v
      b = test(CmpOp::kLe, lo);  // kNo: lo > v
      if (a == FilterResult::kNotANumber || b == FilterResult::kNotANumber) return false;
      return a == FilterResult::kNo || b == FilterResult::kNo;
    case CmpOp::kNe:
      a = test(CmpOp::kEq, lo);
      b = test(CmpOp::kEq, hi);
      return a == FilterResult::kYes && b == FilterResult::kYes;
  }
  return false;
}

}  // namespace

int ExcludingFilter(const std::vector<Filter>& filters, const std::vector<size_t>& slots,
                    const std::vector<FieldSummary>& fields, bool nan_ok, uint64_t* null_skips) {
  *null_skips = 0;
  for (size_t i = 0; i < filters.size(); ++i) {
    const Filter& f = filters[i];
    // Only comparisons of a column's own values are judged from statistics.
    if (f.kind != Filter::Kind::kCompare || !f.fn.none()) return -1;
    if (slots[i] >= fields.size()) return -1;
    const FieldSummary& s = fields[slots[i]];
    if (!s.known) return -1;
    // A numeric filter over text, or a text one over numbers: the summary's
    // order is not the filter's.
    if (f.numeric != s.numeric) return -1;
    const bool nan = s.may_hold_nan && !nan_ok;
    if (f.numeric && nan) return -1;
    // A text filter compares NULL as the empty value: it is one of the values.
    FieldSummary with_null = s;
    if (!f.numeric && s.nulls > 0) with_null.min = "";
    if (NoValueCanPass(f, with_null)) {
      if (f.numeric && s.nulls > 0) {
        if (i > 0) return -1;  // which NULL rows an earlier filter drops first is not known
        *null_skips = s.nulls;
      }
      return static_cast<int>(i);
    }
    if (f.numeric && s.nulls > 0) return -1;  // its NULL rows are skipped, so later filters decide nothing
  }
  return -1;
}

}  // namespace fanout::ops

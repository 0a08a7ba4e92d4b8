#include "ops/key_expr.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/number.h"

namespace fanout::ops {

namespace {

constexpr __int128 kUnit = 1000000000;  // 1 in 1e-9 units

struct Timestamp {
  int year = 0, month = 0, day = 0, hour = 0;
};

bool Digits(std::string_view v, size_t at, size_t n, int* out) {
  if (at + n > v.size()) return false;
  int x = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (v[i] < '0' || v[i] > '9') return false;
    x = x * 10 + (v[i] - '0');
  }
  *out = x;
  return true;
}

int DaysIn(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// "YYYY-MM-DD", optionally followed by ' ' or 'T' and "HH:MM", ":SS" and a
// fraction: the forms of the taxi files' eras and of Parquet timestamps as
// fanout prints them. Fields are checked (month 1-12, the month's days, ...).
bool ParseTimestamp(std::string_view v, Timestamp* t) {
  if (v.size() < 10 || v[4] != '-' || v[7] != '-') return false;
  if (!Digits(v, 0, 4, &t->year) || !Digits(v, 5, 2, &t->month) || !Digits(v, 8, 2, &t->day)) return false;
  if (t->month < 1 || t->month > 12 || t->day < 1 || t->day > DaysIn(t->year, t->month)) return false;
  t->hour = 0;
  if (v.size() == 10) return true;
  int minute = 0, second = 0;
  if ((v[10] != ' ' && v[10] != 'T') || v.size() < 16 || v[13] != ':') return false;
  if (!Digits(v, 11, 2, &t->hour) || !Digits(v, 14, 2, &minute) || t->hour > 23 || minute > 59) return false;
  if (v.size() == 16) return true;
  if (v[16] != ':' || !Digits(v, 17, 2, &second) || second > 60) return false;
  if (v.size() == 19) return true;
  if (v[19] != '.' || v.size() == 20) return false;
  for (size_t i = 20; i < v.size(); ++i) {
    if (v[i] < '0' || v[i] > '9') return false;
  }
  return true;
}

// ISO day of the week: 1 Monday .. 7 Sunday.
int IsoWeekday(int y, int m, int d) {
  static constexpr int kT[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
  if (m < 3) y -= 1;
  int dow = (y + y / 4 - y / 100 + y / 400 + kT[m - 1] + d) % 7;  // 0 Sunday
  return dow == 0 ? 7 : dow;
}

void Pad(int x, int width, std::string* out) {
  if (width <= 2 && x >= 0 && x < 100) {  // months, days, hours, weekdays: no to_chars
    char two[2] = {static_cast<char>('0' + x / 10), static_cast<char>('0' + x % 10)};
    bool one = x < 10 && width <= 1;
    out->assign(two + one, 2 - one);
    return;
  }
  char buf[32];
  char* p = buf + 16;
  char* end = std::to_chars(p, buf + sizeof buf, x).ptr;
  while (end - p < width && p > buf) *--p = '0';
  out->assign(p, end);
}

__int128 FloorDiv(__int128 a, __int128 b) {  // b > 0
  __int128 q = a / b;
  return q * b > a ? q - 1 : q;
}

// A UTF-8 character's first byte (not a continuation byte).
bool Starts(char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }

const char* Name(KeyFn::Kind k) {
  switch (k) {
    case KeyFn::Kind::kNone: return "";
    case KeyFn::Kind::kYear: return "year";
    case KeyFn::Kind::kMonth: return "month";
    case KeyFn::Kind::kDay: return "day";
    case KeyFn::Kind::kHour: return "hour";
    case KeyFn::Kind::kDate: return "date";
    case KeyFn::Kind::kYearMonth: return "yearmonth";
    case KeyFn::Kind::kWeekday: return "weekday";
    case KeyFn::Kind::kSubstr: return "substr";
    case KeyFn::Kind::kLower: return "lower";
    case KeyFn::Kind::kUpper: return "upper";
    case KeyFn::Kind::kFloor: return "floor";
    case KeyFn::Kind::kRound: return "round";
    case KeyFn::Kind::kBucket: return "bucket";
  }
  return "";
}

constexpr KeyFn::Kind kAll[] = {
    KeyFn::Kind::kYear,   KeyFn::Kind::kMonth, KeyFn::Kind::kDay,   KeyFn::Kind::kHour,  KeyFn::Kind::kDate,
    KeyFn::Kind::kYearMonth, KeyFn::Kind::kWeekday, KeyFn::Kind::kSubstr, KeyFn::Kind::kLower, KeyFn::Kind::kUpper,
    KeyFn::Kind::kFloor,  KeyFn::Kind::kRound, KeyFn::Kind::kBucket,
};

bool TakesTimestamp(KeyFn::Kind k) { return k >= KeyFn::Kind::kYear && k <= KeyFn::Kind::kWeekday; }
bool TakesNumber(KeyFn::Kind k) { return k >= KeyFn::Kind::kFloor; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

Status At(size_t pos, const std::string& what, std::string_view text, std::string_view flag) {
  return Status::InvalidArgument(std::string(flag) + ": at " + std::to_string(pos + 1) + ": " + what + " in '" + std::string(text) +
                                 "'");
}

// Whole number argument.
bool WholeArg(std::string_view s, int64_t* out) {
  s = Trim(s);
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

// One item: a column, or NAME(column[, args]). `base` is its offset in `text`.
Result<KeyExpr> ParseItem(std::string_view item, size_t base, std::string_view text, std::string_view flag) {
  size_t open = item.find('(');
  KeyExpr e;
  if (open == std::string_view::npos) {
    if (item.find(')') != std::string_view::npos) return At(base + item.find(')'), "a ')' without its '('", text, flag);
    ASSIGN_OR_RETURN(e.column, csv::ColumnSpec::Parse(item));
    return e;
  }
  std::string name(Trim(item.substr(0, open)));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool known = false;
  std::string names;
  for (KeyFn::Kind k : kAll) {
    names += (names.empty() ? "" : ", ") + std::string(Name(k));
    if (name == Name(k)) {
      e.fn.kind = k;
      known = true;
    }
  }
  if (!known) return At(base, "'" + name + "' is not a function (" + names + ")", text, flag);
  size_t close = item.rfind(')');
  if (close == std::string_view::npos || close < open) return At(base + item.size(), "expected ')'", text, flag);
  std::string_view after = item.substr(close + 1);
  if (!Trim(after).empty()) {
    return At(base + close + 1 + after.find_first_not_of(' '), "text after ')'", text, flag);
  }
  std::string_view inner = item.substr(open + 1, close - open - 1);
  if (inner.find('(') != std::string_view::npos) {
    return At(base + open + 1 + inner.find('('), "a function of a function (one function of a column)", text, flag);
  }
  std::vector<std::string_view> args;
  std::vector<size_t> at;
  for (size_t from = 0;;) {
    size_t comma = inner.find(',', from);
    args.push_back(inner.substr(from, comma == std::string_view::npos ? std::string_view::npos : comma - from));
    at.push_back(base + open + 1 + from);
    if (comma == std::string_view::npos) break;
    from = comma + 1;
  }
  if (Trim(args[0]).empty()) return At(at[0], "expected a column", text, flag);
  ASSIGN_OR_RETURN(e.column, csv::ColumnSpec::Parse(Trim(args[0])));
  const size_t extra = args.size() - 1;
  auto want = [&](size_t lo, size_t hi, const char* what) -> Status {
    if (extra < lo || extra > hi) return At(base + close, name + "() takes " + what, text, flag);
    return Status::OK();
  };
  switch (e.fn.kind) {
    case KeyFn::Kind::kSubstr:
      RETURN_IF_ERROR(want(2, 2, "a column, a start (from 1) and a length"));
      if (!WholeArg(args[1], &e.fn.start) || e.fn.start < 1) return At(at[1], "expected a start of 1 or more", text, flag);
      if (!WholeArg(args[2], &e.fn.length) || e.fn.length < 0) return At(at[2], "expected a length of 0 or more", text, flag);
      break;
    case KeyFn::Kind::kRound: {
      RETURN_IF_ERROR(want(0, 1, "a column and, maybe, digits after the point (0 to 9)"));
      int64_t d = 0;
      if (extra == 1 && (!WholeArg(args[1], &d) || d < 0 || d > 9)) {
        return At(at[1], "expected digits after the point, 0 to 9", text, flag);
      }
      e.fn.digits = static_cast<int>(d);
      break;
    }
    case KeyFn::Kind::kBucket:
      RETURN_IF_ERROR(want(1, 1, "a column and a width"));
      if (!ParseScaledDecimal(Trim(args[1]), &e.fn.width) || e.fn.width <= 0) {
        return At(at[1], "expected a width above 0 (a plain decimal)", text, flag);
      }
      break;
    default:
      RETURN_IF_ERROR(want(0, 0, "one column"));
  }
  e.column.label = name + "(" + e.column.label + ")";
  return e;
}

}  // namespace

bool KeyFn::Apply(std::string_view v, std::string* out) const {
  out->clear();
  if (TakesTimestamp(kind)) {
    Timestamp t;
    if (!ParseTimestamp(v, &t)) return false;
    switch (kind) {
      case Kind::kYear:
        if (v[0] != '0') {
          out->assign(v.substr(0, 4));  // its digits as they are
        } else {
          Pad(t.year, 1, out);
        }
        break;
      case Kind::kMonth: Pad(t.month, 1, out); break;
      case Kind::kDay: Pad(t.day, 1, out); break;
      case Kind::kHour: Pad(t.hour, 1, out); break;
      case Kind::kDate: out->assign(v.substr(0, 10)); break;
      case Kind::kYearMonth: out->assign(v.substr(0, 7)); break;
      case Kind::kWeekday: Pad(IsoWeekday(t.year, t.month, t.day), 1, out); break;
      default: break;
    }
    return true;
  }
  if (TakesNumber(kind)) {
    __int128 s;
    bool plain;
    Decimal wide;
    if (!ParseNumber(v, &s, &plain, &wide) || !plain) return false;
    __int128 step = kind == Kind::kBucket ? width : kUnit;
    if (kind == Kind::kRound) {
      step = 1;
      for (int i = digits; i < 9; ++i) step *= 10;
      // Half away from zero, as SQL rounds decimals.
      __int128 q = (s < 0 ? -s : s) / step, r = (s < 0 ? -s : s) % step;
      if (2 * r >= step) ++q;
      s = (s < 0 ? -q : q) * step;
    } else {
      s = FloorDiv(s, step) * step;
    }
    *out = FormatScaledDecimal(s);
    return true;
  }
  switch (kind) {
    case Kind::kLower:
    case Kind::kUpper:
      out->assign(v);
      for (char& c : *out) {
        c = static_cast<char>(kind == Kind::kLower ? std::tolower(static_cast<unsigned char>(c))
                                                   : std::toupper(static_cast<unsigned char>(c)));
      }
      return true;
    case Kind::kSubstr: {
      // Characters (UTF-8 code points) start .. start + length - 1.
      size_t i = 0;
      for (int64_t skip = start - 1; i < v.size() && skip > 0;) {
        ++i;
        while (i < v.size() && !Starts(v[i])) ++i;
        --skip;
      }
      size_t from = i;
      for (int64_t n = length; i < v.size() && n > 0;) {
        ++i;
        while (i < v.size() && !Starts(v[i])) ++i;
        --n;
      }
      out->assign(v.substr(from, i - from));
      return true;
    }
    default:
      out->assign(v);
      return true;
  }
}

std::string KeyFn::SkipReason(const std::string& label) const {
  return std::string(TakesTimestamp(kind) ? "not a timestamp in " : "not a plain number in ") + label;
}

namespace {

bool AllDigits(std::string_view s) {
  return !s.empty() && s.size() <= 9 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// --cols' 'EXPR AS NAME': the NAME after an expression's ')' (else empty), and
// *expr the rest. Only an expression is renamed: a column keeps its own name.
Result<std::string> SplitAs(std::string_view item, size_t base, std::string_view text, std::string_view* expr) {
  *expr = item;
  size_t close = item.rfind(')');
  if (close == std::string_view::npos) return std::string();
  std::string_view after = item.substr(close + 1);
  size_t lead = after.find_first_not_of(' ');
  if (lead == std::string_view::npos) return std::string();
  std::string_view rest = after.substr(lead);
  bool as = lead > 0 && rest.size() > 2 && (rest[0] == 'a' || rest[0] == 'A') && (rest[1] == 's' || rest[1] == 'S') &&
            rest[2] == ' ';
  if (!as) return At(base + close + 1 + lead, "text after ')' (name an expression with 'AS NAME')", text, "--cols");
  std::string_view name = Trim(rest.substr(2));
  size_t name_at = base + close + 1 + lead + 2 + (rest.substr(2).size() - Trim(rest.substr(2)).size());
  bool ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (!ok || AllDigits(name)) return At(name_at, "expected a NAME of letters, digits and _ after AS", text, "--cols");
  *expr = item.substr(0, close + 1);
  return std::string(name);
}

// The lists of --by and (with `cols`) of --cols.
Result<std::vector<KeyExpr>> ParseList(std::string_view text, bool cols) {
  const std::string_view flag = cols ? "--cols" : "--by";
  std::vector<KeyExpr> out;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    char c = i < text.size() ? text[i] : ',';
    if (c == '(') ++depth;
    if (c == ')' && --depth < 0) return At(i, "a ')' without its '('", text, flag);
    if (c != ',' || depth > 0) continue;
    if (i == text.size() && depth > 0) break;
    std::string_view item = text.substr(start, i - start);
    if (Trim(item).empty()) return At(start, "expected a column or a function of one", text, flag);
    std::string name;
    if (cols) {
      ASSIGN_OR_RETURN(bool was_range, ExpandColumnRange(item, &out));
      if (was_range) {
        start = i + 1;
        continue;
      }
      ASSIGN_OR_RETURN(name, SplitAs(item, start, text, &item));
    }
    ASSIGN_OR_RETURN(KeyExpr e, ParseItem(item, start, text, flag));
    if (!name.empty()) e.column.label = name;
    out.push_back(std::move(e));
    start = i + 1;
  }
  if (depth > 0) return At(text.size(), "expected ')'", text, flag);
  return out;
}

}  // namespace

Result<bool> ExpandColumnRange(std::string_view item, std::vector<csv::ColumnSpec>* out) {
  constexpr int kMaxRangeColumns = 100000;
  size_t dash = item.find('-');
  if (dash == std::string_view::npos) return false;
  std::string_view a = Trim(item.substr(0, dash)), b = Trim(item.substr(dash + 1));
  if (!AllDigits(a) || !AllDigits(b)) return false;
  int lo = std::stoi(std::string(a)), hi = std::stoi(std::string(b));
  if (lo < 1 || hi < lo || hi - lo >= kMaxRangeColumns) {
    return Status::InvalidArgument("invalid column range '" + std::string(item) + "'");
  }
  for (int i = lo; i <= hi; ++i) {
    ASSIGN_OR_RETURN(csv::ColumnSpec spec, csv::ColumnSpec::Parse(std::to_string(i)));
    out->push_back(std::move(spec));
  }
  return true;
}

Result<bool> ExpandColumnRange(std::string_view item, std::vector<KeyExpr>* out) {
  std::vector<csv::ColumnSpec> specs;
  ASSIGN_OR_RETURN(bool was_range, ExpandColumnRange(item, &specs));
  for (csv::ColumnSpec& s : specs) out->push_back(KeyExpr{std::move(s), KeyFn{}});
  return was_range;
}

Result<std::vector<KeyExpr>> ParseKeyList(std::string_view text) { return ParseList(text, /*cols=*/false); }

Result<std::vector<KeyExpr>> ParseColumnExprs(std::string_view text) { return ParseList(text, /*cols=*/true); }

}  // namespace fanout::ops

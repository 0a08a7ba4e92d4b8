#include "cli/output.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <numeric>

#include "cli/result_order.h"
#include "core/bytes.h"
#include "core/number.h"
#include "core/parallel.h"
#include "core/strings.h"

namespace fanout::cli {

namespace {

constexpr char kStdoutName[] = "standard output";
// How far ahead ResultRows::Row fetches a group's count and key offset, and
// its key bytes (which need the offset).
constexpr size_t kPrefetchGroupRows = 32, kPrefetchKeyRows = 16;
// Rows formatted by one thread at a time before they are written, for CSV and JSON.
constexpr size_t kRowsPerBlock = 16384;

Cell Number(std::string text) { return Cell{std::move(text), true, false}; }

// A mean is finite for every set of numbers fanout reads (it lies between their
// extremes). One that is not — only an inconsistent partial could give it —
// prints as its first 17 digits, so that every output format still holds a number.
std::string MeanText(const ops::AggCell& c) {
  constexpr size_t kMeanDigits = 17;
  double m = c.Mean();
  if (std::isfinite(m)) return FormatDouble(m);
  return FormatDecimal(DivideToDecimal(c.Sum(), c.n, kMeanDigits));
}

// Sums, minima and maxima are exact decimals; means are doubles (docs/cli.md).
Cell AggValue(const ops::AggSpec& spec, const ops::AggCell& c) {
  // (a count of distinct values is a count: 0 when there are none)
  if (spec.kind == ops::AggKind::kCountDistinct) return Number(FormatScaledDecimal(c.exact));
  if (c.n == 0) return Cell{"", false, true};
  switch (spec.kind) {
    case ops::AggKind::kSum:
      return Number(c.wide ? FormatDecimal(c.Sum()) : FormatScaledDecimal(c.exact));
    case ops::AggKind::kMean:
      return Number(MeanText(c));
    case ops::AggKind::kMin:
      return Number(c.wide ? FormatDecimal(c.Min()) : FormatScaledDecimal(c.min));
    case ops::AggKind::kMax:
      return Number(c.wide ? FormatDecimal(c.Max()) : FormatScaledDecimal(c.max));
    case ops::AggKind::kStddev:  // (StddevCell: it needs the next cell too)
    case ops::AggKind::kSquares:
    case ops::AggKind::kCountDistinct:  // (above)
      break;
    case ops::AggKind::kPercentile:  // the one value FoldDistinct put in
      return Number(c.wide ? FormatDecimal(c.Min()) : FormatScaledDecimal(c.min));
  }
  return Cell{};
}

// A standard deviation: a double; none for fewer than two values.
Cell StddevCell(const ops::AggCell& values, const ops::AggCell& squares) {
  double s = ops::StddevOf(values, squares);
  if (!std::isfinite(s)) return Cell{"", false, true};
  return Number(FormatDouble(s));
}

// A JSON string; control bytes and DEL as \u escapes, bytes that are not valid
// UTF-8 as U+FFFD.
std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
      ++i;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else {
      size_t len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
      bool valid = len > 0 && i + len <= s.size();
      for (size_t k = 1; valid && k < len; ++k) valid = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
      if (valid && len == 3) {
        unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
        valid = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);  // overlong, surrogates
      }
      if (valid && len == 4) {
        unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
        valid = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
      }
      if (valid) {
        out.append(s, i, len);
        i += len;
      } else {
        out += "\xEF\xBF\xBD";
        ++i;
      }
    }
  }
  return out + "\"";
}

// Writes whole lines to a stream and remembers the first failure's errno.
class LineWriter {
 public:
  explicit LineWriter(std::FILE* out) : out_(out) {}
  bool Put(const std::string& line) {
    if (err_ == 0 && std::fwrite(line.data(), 1, line.size(), out_) != line.size()) err_ = errno ? errno : EIO;
    return err_ == 0;
  }
  // Flushes; the first error of all the writes, or 0.
  int Finish() {
    if (err_ == 0 && std::fflush(out_) != 0) err_ = errno ? errno : EIO;
    return err_;
  }

 private:
  std::FILE* out_;
  int err_ = 0;
};

// Rows [lo, hi) as CSV lines, appended to *out.
void CsvRows(const RowSource& rows, size_t lo, size_t hi, std::string* out) {
  std::vector<Cell> cells;
  for (size_t r = lo; r < hi; ++r) {
    rows.Row(r, &cells);
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) out->push_back(',');
      AppendCsvField(out, cells[i].text);
    }
    out->push_back('\n');
  }
}

// Rows [lo, hi) as JSON objects (each after its separator), appended to *out.
void JsonRows(const RowSource& rows, const std::vector<std::string>& labels, size_t lo, size_t hi,
              std::string* out) {
  std::vector<Cell> cells;
  for (size_t r = lo; r < hi; ++r) {
    rows.Row(r, &cells);
    *out += r ? ",\n  {" : "\n  {";
    for (size_t i = 0; i < labels.size(); ++i) {
      const Cell& c = cells[i];
      *out += (i ? ", " : "") + labels[i] + ": " + (c.null ? "null" : c.number ? c.text : JsonString(c.text));
    }
    *out += "}";
  }
}

// Formats the rows in blocks, `threads` blocks at a time (format(lo, hi, out)
// appends rows [lo, hi) to *out), and writes the blocks in order. Returns false
// at the first failed write.
template <typename FormatFn>
bool WriteBlocks(const RowSource& rows, int threads, LineWriter* w, const FormatFn& format) {
  size_t n = rows.size(), t = static_cast<size_t>(std::max(1, threads));
  std::vector<std::string> blocks(t);
  for (size_t start = 0; start < n; start += t * kRowsPerBlock) {
    size_t used = std::min(t, (n - start + kRowsPerBlock - 1) / kRowsPerBlock);
    ParallelFor(used, [&](size_t b) {
      size_t lo = start + b * kRowsPerBlock;
      blocks[b].clear();
      format(lo, std::min(n, lo + kRowsPerBlock), &blocks[b]);
    });
    for (size_t b = 0; b < used; ++b) {
      if (!w->Put(blocks[b])) return false;
    }
  }
  return true;
}

int WriteCsv(const RowSource& rows, int threads, LineWriter* w) {
  std::string line;
  for (size_t i = 0; i < rows.columns().size(); ++i) {
    if (i > 0) line += ',';
    AppendCsvField(&line, rows.columns()[i]);
  }
  if (w->Put(line + "\n")) {
    WriteBlocks(rows, threads, w, [&](size_t lo, size_t hi, std::string* out) { CsvRows(rows, lo, hi, out); });
  }
  return w->Finish();
}

int WriteJson(const RowSource& rows, int threads, LineWriter* w) {
  std::vector<std::string> labels;
  for (const std::string& c : rows.columns()) labels.push_back(JsonString(c));
  if (w->Put("[") &&
      WriteBlocks(rows, threads, w, [&](size_t lo, size_t hi, std::string* out) { JsonRows(rows, labels, lo, hi, out); })) {
    w->Put(rows.size() == 0 ? "]\n" : "\n]\n");
  }
  return w->Finish();
}

// A cell as a table shows it: counts with thousands separators, control bytes
// escaped (ForTerminal).
std::string TableText(const std::string& column, const Cell& c) {
  if (c.null) return "";
  bool digits = !c.text.empty() && c.text.find_first_not_of("0123456789") == std::string::npos;
  if (column == "count" && c.number && digits) return FormatThousands(std::stoull(c.text));
  return ForTerminal(c.text);
}

int WriteTable(const RowSource& rows, LineWriter* w) {
  size_t ncols = rows.columns().size();
  std::vector<std::string> labels;
  std::vector<size_t> width(ncols);
  for (size_t i = 0; i < ncols; ++i) {
    labels.push_back(ForTerminal(rows.columns()[i]));
    width[i] = DisplayWidth(labels[i]);
  }
  std::vector<Cell> cells;
  std::vector<bool> right(ncols, false);  // numeric columns, as the first row says
  for (size_t r = 0; r < rows.size(); ++r) {
    rows.Row(r, &cells);
    for (size_t i = 0; i < ncols; ++i) {
      width[i] = std::max(width[i], DisplayWidth(TableText(rows.columns()[i], cells[i])));
      if (r == 0) right[i] = cells[i].number;
    }
  }
  auto line = [&](auto text_of, auto right_of) {
    std::string s;
    for (size_t i = 0; i < ncols; ++i) {
      std::string text = text_of(i);
      std::string pad(width[i] - std::min(width[i], DisplayWidth(text)), ' ');
      s += (i ? "  " : "") + (right_of(i) ? pad + text : text + pad);
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return w->Put(s + "\n");
  };
  line([&](size_t i) { return labels[i]; }, [&](size_t i) { return right[i]; });
  line([&](size_t i) { return std::string(width[i], '-'); }, [&](size_t i) { return right[i]; });
  for (size_t r = 0; r < rows.size(); ++r) {
    rows.Row(r, &cells);
    if (!line([&](size_t i) { return TableText(rows.columns()[i], cells[i]); },
              [&](size_t i) { return cells[i].number; })) {
      break;
    }
  }
  return w->Finish();
}

void IgnoreSignal(int) {}

}  // namespace

Result<Format> ParseFormat(const std::string& text) {
  if (text.empty()) return ::isatty(STDOUT_FILENO) ? Format::kTable : Format::kCsv;
  if (text == "table") return Format::kTable;
  if (text == "csv") return Format::kCsv;
  if (text == "json") return Format::kJson;
  return Status::InvalidArgument("--format must be table, csv or json, not '" + text + "'");
}

ResultRows::ResultRows(const ops::Query& query, const ops::Partial& partial, int64_t top, int threads)
    : ResultRows(query, partial, top, threads, {}) {}

ResultRows::ResultRows(const ops::Query& query, const ops::Partial& partial, int64_t top, int threads,
                       const std::vector<SortKey>& sort)
    : query_(query),
      partial_(partial),
      threads_(std::max(1, threads)),
      order_(sort.empty() ? OrderGroups(partial, top, threads_) : OrderGroupsBy(partial, query, sort, top)) {
  for (const auto& k : query.keys) columns_.push_back(k.label);
  if (query.output_count) columns_.push_back("count");
  for (const auto& a : query.aggs) {
    if (a.kind != ops::AggKind::kSquares) columns_.push_back(a.Label());
  }
}

void ResultRows::Row(size_t i, std::vector<Cell>* cells) const {
  // Rows visit groups in result order, all over memory: fetch ahead, so that
  // the cache misses of many rows overlap instead of coming one by one.
  if (i + kPrefetchGroupRows < order_.size()) partial_.PrefetchGroup(order_[i + kPrefetchGroupRows]);
  if (i + kPrefetchKeyRows < order_.size()) partial_.PrefetchKey(order_[i + kPrefetchKeyRows]);
  uint32_t g = order_[i];
  cells->resize(columns_.size());
  size_t c = 0;
  std::string_view key = partial_.key(g), f;
  while (ops::NextKeyField(&key, &f)) {
    Cell& cell = (*cells)[c++];
    cell.text.assign(f);  // (reuses the cell's buffer)
    cell.number = false;
    cell.null = f.empty();
  }
  if (query_.output_count) {
    char buf[24];
    auto end = std::to_chars(buf, buf + sizeof buf, partial_.count(g)).ptr;
    (*cells)[c].text.assign(buf, end);
    (*cells)[c].number = true;
    (*cells)[c++].null = false;
  }
  for (size_t a = 0; a < query_.aggs.size(); ++a) {
    switch (query_.aggs[a].kind) {
      case ops::AggKind::kSquares: break;  // (part of the stddev before it)
      case ops::AggKind::kStddev: (*cells)[c++] = StddevCell(partial_.cell(g, a), partial_.cell(g, a + 1)); break;
      default: (*cells)[c++] = AggValue(query_.aggs[a], partial_.cell(g, a)); break;
    }
  }
}

Status WriteResult(const RowSource& rows, Format format, std::FILE* out, const std::string& out_name) {
  LineWriter w(out);
  int err = 0;
  switch (format) {
    case Format::kTable: err = WriteTable(rows, &w); break;
    case Format::kCsv: err = WriteCsv(rows, rows.threads(), &w); break;
    case Format::kJson: err = WriteJson(rows, rows.threads(), &w); break;
  }
  if (err == 0) return Status::OK();
  if (out == stdout) return StdoutFailed(err);
  return Status::IoError(out_name + ": write failed: " + std::strerror(err));
}

void CatchSigpipe() {
  struct sigaction sa = {};
  sa.sa_handler = IgnoreSignal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGPIPE, &sa, nullptr);
}

Status StdoutFailed(int err) {
  if (err == EPIPE) {
    std::fflush(stderr);
    ::_exit(0);
  }
  return Status::IoError(std::string(kStdoutName) + ": write failed: " + std::strerror(err));
}

Status CloseStdout() {
  errno = 0;
  int err = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) err = errno ? errno : EIO;
  if (std::fclose(stdout) != 0 && err == 0) err = errno ? errno : EIO;
  return err == 0 ? Status::OK() : StdoutFailed(err);
}

}  // namespace fanout::cli

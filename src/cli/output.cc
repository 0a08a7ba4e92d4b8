#include "cli/output.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/bytes.h"
#include "core/number.h"

namespace fanout::cli {

namespace {

// Key fields order numbers first (by value), then other text (by bytes): a
// total order, whatever the data holds.
bool FieldLess(std::string_view a, std::string_view b) {
  double x, y;
  bool na = ParseDouble(a, &x), nb = ParseDouble(b, &y);
  if (na != nb) return na;
  if (na && x != y) return x < y;
  return a < b;
}

bool KeyLess(std::string_view a, std::string_view b) {
  std::vector<std::string_view> fa = ops::DecodeKey(a), fb = ops::DecodeKey(b);
  for (size_t i = 0; i < fa.size() && i < fb.size(); ++i) {
    if (FieldLess(fa[i], fb[i])) return true;
    if (FieldLess(fb[i], fa[i])) return false;
  }
  return fa.size() < fb.size();
}

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
  }
  return Cell{};
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

// A JSON string; bytes that are not valid UTF-8 become U+FFFD.
std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x20) {
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

void WriteCsv(const ResultTable& t, std::FILE* out) {
  for (size_t i = 0; i < t.columns.size(); ++i) std::fprintf(out, "%s%s", i ? "," : "", CsvField(t.columns[i]).c_str());
  std::fputc('\n', out);
  for (const auto& row : t.rows) {
    for (size_t i = 0; i < row.size(); ++i) std::fprintf(out, "%s%s", i ? "," : "", CsvField(row[i].text).c_str());
    std::fputc('\n', out);
  }
}

void WriteJson(const ResultTable& t, std::FILE* out) {
  std::fputs("[", out);
  for (size_t r = 0; r < t.rows.size(); ++r) {
    std::fputs(r ? ",\n  {" : "\n  {", out);
    for (size_t i = 0; i < t.columns.size(); ++i) {
      const Cell& c = t.rows[r][i];
      std::string v = c.null ? "null" : c.number ? c.text : JsonString(c.text);
      std::fprintf(out, "%s%s: %s", i ? ", " : "", JsonString(t.columns[i]).c_str(), v.c_str());
    }
    std::fputs("}", out);
  }
  std::fputs(t.rows.empty() ? "]\n" : "\n]\n", out);
}

// Counts get thousands separators in tables; other numbers print as they are.
std::string TableText(const std::string& column, const Cell& c) {
  if (column == "count" && c.number) return FormatThousands(std::stoull(c.text));
  return c.text;
}

void WriteTable(const ResultTable& t, std::FILE* out) {
  std::vector<size_t> width(t.columns.size());
  for (size_t i = 0; i < t.columns.size(); ++i) width[i] = t.columns[i].size();
  for (const auto& row : t.rows) {
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], TableText(t.columns[i], row[i]).size());
  }
  auto line = [&](auto cell_text, auto right) {
    std::string s;
    for (size_t i = 0; i < t.columns.size(); ++i) {
      std::string text = cell_text(i);
      std::string pad(width[i] - std::min(width[i], text.size()), ' ');
      s += (i ? "  " : "") + (right(i) ? pad + text : text + pad);
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    std::fprintf(out, "%s\n", s.c_str());
  };
  auto numeric_column = [&](size_t i) { return !t.rows.empty() && t.rows[0][i].number; };
  line([&](size_t i) { return t.columns[i]; }, numeric_column);
  line([&](size_t i) { return std::string(width[i], '-'); }, numeric_column);
  for (const auto& row : t.rows) {
    line([&](size_t i) { return row[i].null ? std::string() : TableText(t.columns[i], row[i]); },
         [&](size_t i) { return row[i].number; });
  }
}

}  // namespace

Result<Format> ParseFormat(const std::string& text) {
  if (text.empty()) return ::isatty(STDOUT_FILENO) ? Format::kTable : Format::kCsv;
  if (text == "table") return Format::kTable;
  if (text == "csv") return Format::kCsv;
  if (text == "json") return Format::kJson;
  return Status::InvalidArgument("--format must be table, csv or json, not '" + text + "'");
}

ResultTable BuildResult(const ops::Query& query, const ops::Partial& partial, int64_t top) {
  ResultTable t;
  for (const auto& k : query.keys) t.columns.push_back(k.label);
  if (query.output_count) t.columns.push_back("count");
  for (const auto& a : query.aggs) t.columns.push_back(a.Label());

  std::vector<uint32_t> order(partial.num_groups());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    if (partial.count(a) != partial.count(b)) return partial.count(a) > partial.count(b);
    return KeyLess(partial.key(a), partial.key(b));
  });
  if (top >= 0 && order.size() > static_cast<size_t>(top)) order.resize(static_cast<size_t>(top));
  for (uint32_t g : order) {
    std::vector<Cell> row;
    for (std::string_view f : ops::DecodeKey(partial.key(g))) row.push_back(Cell{std::string(f), false, f.empty()});
    if (query.output_count) row.push_back(Number(std::to_string(partial.count(g))));
    for (size_t a = 0; a < query.aggs.size(); ++a) row.push_back(AggValue(query.aggs[a], partial.cell(g, a)));
    t.rows.push_back(std::move(row));
  }
  return t;
}

void WriteResult(const ResultTable& table, Format format, std::FILE* out) {
  switch (format) {
    case Format::kTable: return WriteTable(table, out);
    case Format::kCsv: return WriteCsv(table, out);
    case Format::kJson: return WriteJson(table, out);
  }
}

}  // namespace fanout::cli

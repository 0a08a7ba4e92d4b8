#include "csv/header.h"

#include <algorithm>
#include <cctype>

#include "core/number.h"
#include "csv/reader.h"

namespace fanout::csv {

namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr size_t kHeaderBufferBytes = 64 << 10;


// Captures the first row the reader delivers, then stops it.
class FirstRowSink final : public RowSink {
 public:
  Status OnRow(const Row& row) override {
    found = true;
    offset = row.offset;
    std::string scratch;
    RowFields fields;
    fields.Split(row, RowFields::kAll);
    for (size_t i = 0; i < fields.size(); ++i) {
      std::string_view raw = fields[i];
      if (i == 0 && raw.substr(0, kUtf8Bom.size()) == kUtf8Bom) raw.remove_prefix(kUtf8Bom.size());
      raws.emplace_back(raw);
      values.emplace_back(Unquote(raw, &scratch));
    }
    stop = true;
    return Status::OK();
  }
  // The only row cannot be read: there is no header, and no row to resolve against.
  Status OnUnterminatedRow(uint64_t, const std::string&) override {
    stop = true;
    return Status::OK();
  }
  bool found = false;
  uint64_t offset = 0;
  std::vector<std::string> raws, values;
};

bool LooksLikeHeader(const std::vector<std::string>& values) {
  double unused;
  return std::all_of(values.begin(), values.end(), [&](const std::string& v) {
    return !v.empty() && !ParseDouble(v, &unused);
  });
}

}  // namespace

std::string NormalizeColumnName(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Result<HeaderMode> ParseHeaderMode(std::string_view text) {
  if (text == "auto") return HeaderMode::kAuto;
  if (text == "yes") return HeaderMode::kYes;
  if (text == "no") return HeaderMode::kNo;
  return Status::InvalidArgument("--header must be auto, yes or no, not '" + std::string(text) + "'");
}

Result<HeaderInfo> ReadHeader(io::ByteStream* stream, const std::string& name, char delim,
                              HeaderMode mode) {
  HeaderInfo info;
  if (mode == HeaderMode::kNo) return info;
  ReadOptions opt;
  opt.delim = delim;
  opt.buffer_bytes = kHeaderBufferBytes;
  RowReader reader(stream, name, opt);
  FirstRowSink sink;
  RETURN_IF_ERROR(reader.Run(&sink));
  if (!sink.found) {
    info.empty = true;
    return info;
  }
  if (mode == HeaderMode::kAuto && !LooksLikeHeader(sink.values)) return info;
  info.present = true;
  info.offset = sink.offset;
  info.raw = std::move(sink.raws);
  for (const std::string& v : sink.values) info.names.push_back(NormalizeColumnName(v));
  return info;
}

Result<ColumnSpec> ColumnSpec::Parse(std::string_view text) {
  ColumnSpec spec;
  std::string t = NormalizeColumnName(text);
  if (t.empty()) return Status::InvalidArgument("empty column name");
  if (std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (t.size() > 9 || std::stoi(t) < 1) {
      return Status::InvalidArgument("column index '" + t + "' must be between 1 and 999999999");
    }
    spec.index = std::stoi(t) - 1;
    spec.label = "col" + t;
    return spec;
  }
  std::string_view rest = text;
  for (;;) {
    size_t bar = rest.find('|');
    std::string alt = NormalizeColumnName(rest.substr(0, bar));
    if (alt.empty()) return Status::InvalidArgument("empty alternative in column '" + std::string(text) + "'");
    spec.names.push_back(alt);
    if (spec.label.empty()) {
      std::string_view first = rest.substr(0, bar);
      while (!first.empty() && first.front() == ' ') first.remove_prefix(1);
      while (!first.empty() && first.back() == ' ') first.remove_suffix(1);
      spec.label = std::string(first);
    }
    if (bar == std::string_view::npos) break;
    rest.remove_prefix(bar + 1);
  }
  return spec;
}

Result<int> ResolveColumn(const ColumnSpec& spec, const HeaderInfo& header,
                          const std::string& object_name) {
  if (spec.index >= 0) return spec.index;
  if (!header.present) {
    return Status::NotFound(object_name + ": column '" + spec.label +
                            "' is given by name but the object has no header (use a 1-based index, or --header yes)");
  }
  for (const std::string& alt : spec.names) {
    auto it = std::find(header.names.begin(), header.names.end(), alt);
    if (it != header.names.end()) return static_cast<int>(it - header.names.begin());
  }
  std::string names;
  for (const std::string& n : header.names) names += (names.empty() ? "" : ",") + n;
  constexpr size_t kMaxShown = 300;
  if (names.size() > kMaxShown) names = names.substr(0, kMaxShown) + "...";
  return Status::NotFound(object_name + ": no column '" + spec.label + "' in the header (" + names + ")");
}

}  // namespace fanout::csv

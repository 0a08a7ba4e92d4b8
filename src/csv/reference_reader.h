// Test support: a deliberately simple CSV reader that the real one is compared
// with, and helpers that run the real one over in-memory data in ranges. Used by
// reader_test.cc and the scanner fuzzer; not part of the engine.
#pragma once

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "csv/reader.h"

namespace fanout::csv::testing_support {

// Serves a string from an offset, at most `chunk` bytes per Read (short reads).
class MemoryStream final : public io::ByteStream {
 public:
  // With `mapped`, the stream also offers its bytes in place, as a mapped file does.
  MemoryStream(const std::string& data, size_t offset, size_t chunk, bool mapped = false)
      : data_(data), pos_(offset), chunk_(chunk), mapped_(mapped) {}
  std::string_view Mapped() const override {
    return mapped_ ? std::string_view(data_).substr(std::min(pos_, data_.size())) : std::string_view();
  }
  Result<size_t> Read(char* buf, size_t n) override {
    size_t k = std::min({n, chunk_, data_.size() - std::min(pos_, data_.size())});
    std::copy_n(data_.data() + pos_, k, buf);
    pos_ += k;
    return k;
  }

 private:
  const std::string& data_;
  size_t pos_, chunk_;
  bool mapped_;
};

struct SimpleRow {
  uint64_t offset;
  std::vector<std::string> fields;
  bool operator==(const SimpleRow&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const SimpleRow& r) {
  os << "@" << r.offset << "[";
  for (const auto& f : r.fields) os << "<" << f << ">";
  return os << "]";
}

// The deliberately simple reference: one pass, one byte at a time, over the whole text.
inline std::vector<SimpleRow> ReferenceRows(const std::string& s, char delim) {
  std::vector<SimpleRow> rows;
  bool q = false;
  size_t row_start = 0, field_start = 0;
  std::vector<std::string> fields;
  auto end_row = [&](size_t end) {
    std::string last = s.substr(field_start, end - field_start);
    if (!last.empty() && last.back() == '\r') last.pop_back();
    fields.push_back(last);
    if (!(fields.size() == 1 && fields[0].empty())) rows.push_back({row_start, fields});
    fields.clear();
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '"') {
      q = !q;
    } else if (!q && s[i] == delim) {
      fields.push_back(s.substr(field_start, i - field_start));
      field_start = i + 1;
    } else if (!q && s[i] == '\n') {
      end_row(i);
      row_start = field_start = i + 1;
    }
  }
  if (row_start < s.size()) end_row(s.size());
  return rows;
}

inline bool QuoteParity(const std::string& s, size_t upto) {
  return std::count(s.begin(), s.begin() + upto, '"') % 2 == 1;
}

class Collect final : public RowSink {
 public:
  Status OnRow(const Row& row) override {
    SimpleRow r{row.offset, {}};
    RowFields f;
    f.Split(row, RowFields::kAll);
    for (size_t i = 0; i < f.size(); ++i) r.fields.emplace_back(f[i]);
    rows.push_back(std::move(r));
    return Status::OK();
  }
  std::vector<SimpleRow> rows;
};

// Reads `s` as ranges of `range` bytes with buffers of `buffer` bytes, giving each
// range the true start state, and checks rows and reported end states.
inline std::vector<SimpleRow> ReadInRanges(const std::string& s, size_t range, size_t buffer, size_t chunk,
                                           bool mapped, std::string* problem) {
  std::vector<SimpleRow> all;
  for (size_t b = 0; b < s.size() || b == 0; b += range) {
    size_t e = std::min(s.size(), b + range);
    MemoryStream stream(s, b == 0 ? 0 : b - 1, chunk, mapped);
    ReadOptions opt;
    opt.buffer_bytes = buffer;
    opt.begin = b;
    opt.end = e;
    opt.start_in_quote = QuoteParity(s, b);
    RowReader reader(&stream, "mem", opt);
    Collect sink;
    Status st = reader.Run(&sink);
    if (!st.ok()) *problem = "range " + std::to_string(b) + ": " + st.message();
    if (reader.end_in_quote() != QuoteParity(s, e)) *problem = "wrong end state for range " + std::to_string(b);
    all.insert(all.end(), sink.rows.begin(), sink.rows.end());
    if (s.empty()) break;
  }
  return all;
}

}  // namespace fanout::csv::testing_support

// Test support: a deliberately simple CSV reader that the real one is compared
// with, and helpers that run the real one over in-memory data in ranges, the way
// the executors do. Used by reader_test.cc and the scanner fuzzer; not part of
// the engine.
#pragma once

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "csv/chain.h"
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

// A row as the reference sees it: fields as stored (raw) and their values.
struct SimpleRow {
  uint64_t offset;
  std::vector<std::string> fields;
  std::vector<std::string> values;
  bool operator==(const SimpleRow&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const SimpleRow& r) {
  os << "@" << r.offset << "[";
  for (const auto& f : r.fields) os << "<" << f << ">";
  os << "=";
  for (const auto& v : r.values) os << "<" << v << ">";
  return os << "]";
}

// What reading a whole text gives: its rows, and the offset of the row that
// the text ends inside a quoted field of (or -1).
struct Reading {
  std::vector<SimpleRow> rows;
  int64_t unterminated = -1;
  bool operator==(const Reading&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const Reading& r) {
  for (const SimpleRow& row : r.rows) os << row << " ";
  return os << "unterminated@" << r.unterminated;
}

// The line end of a whole text: '\n' if it has one, else '\r' if it has one.
inline char ReferenceNewline(const std::string& s) {
  return s.find('\n') != std::string::npos || s.find('\r') == std::string::npos ? '\n' : '\r';
}

// The deliberately simple reference: one pass, one byte at a time, over the
// whole text, with the states of Python's csv module (default dialect, strict
// off): a quote opens a quoted field only at a field's start; in a quoted field
// "" is a quote and a lone quote ends it; whatever follows the end is appended.
// With '\n' line ends a '\r' just before one is dropped. A UTF-8 byte order mark
// at the start belongs to no field. Also reports the state before byte `at`.
class Reference {
 public:
  enum State { kStartField, kInField, kInQuoted, kQuoteInQuoted };

  Reference(const std::string& s, char delim) : s_(s), delim_(delim), nl_(ReferenceNewline(s)) {}

  Reading Read(std::vector<State>* states = nullptr) {
    Reading out;
    size_t i = s_.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
    field_start_ = i;
    State st = kStartField;
    if (states != nullptr) states->assign(s_.size() + 1, kStartField);
    for (; i < s_.size(); ++i) {
      if (states != nullptr) (*states)[i] = st;
      char c = s_[i];
      switch (st) {
        case kStartField:
        case kInField:
          if (st == kStartField && c == '"') {
            st = kInQuoted;
          } else if (c == delim_) {
            EndField(i), st = kStartField;
          } else if (c == nl_) {
            EndRow(i, &out), st = kStartField;
          } else {
            value_ += c, st = kInField;
          }
          break;
        case kInQuoted:
          if (c == '"') {
            st = kQuoteInQuoted;
          } else {
            value_ += c;
          }
          break;
        case kQuoteInQuoted:
          if (c == '"') {
            value_ += c, st = kInQuoted;
          } else if (c == delim_) {
            EndField(i), st = kStartField;
          } else if (c == nl_) {
            EndRow(i, &out), st = kStartField;
          } else {
            value_ += c, st = kInField;
          }
          break;
      }
    }
    if (states != nullptr) (*states)[s_.size()] = st;
    if (st == kInQuoted) {
      out.unterminated = static_cast<int64_t>(row_start_);
    } else if (row_start_ < s_.size()) {
      EndRow(s_.size(), &out);
    }
    return out;
  }

 private:
  void EndField(size_t end) {
    fields_.push_back(s_.substr(field_start_, end - field_start_));
    values_.push_back(value_);
    value_.clear();
    field_start_ = end + 1;
  }
  void EndRow(size_t end, Reading* out) {
    if (nl_ == '\n' && end > field_start_ && s_[end - 1] == '\r') {
      --end;
      value_.pop_back();
    }
    EndField(end);
    if (!(fields_.size() == 1 && fields_[0].empty())) out->rows.push_back({row_start_, fields_, values_});
    fields_.clear();
    values_.clear();
    row_start_ = field_start_ = end + (s_[end] == '\r' && nl_ == '\n' ? 2 : 1);
  }

  const std::string& s_;
  char delim_, nl_;
  size_t row_start_ = 0, field_start_ = 0;
  std::string value_;
  std::vector<std::string> fields_, values_;
};

inline Reading ReferenceRead(const std::string& s, char delim) { return Reference(s, delim).Read(); }

// The reference's state before each byte (and after the last), as the reader names them.
inline std::vector<QuoteState> ReferenceStates(const std::string& s, char delim) {
  std::vector<Reference::State> states;
  Reference(s, delim).Read(&states);
  std::vector<QuoteState> out;
  for (Reference::State st : states) {
    out.push_back(st == Reference::kInQuoted ? QuoteState::kQuoted
                  : st == Reference::kInField ? QuoteState::kUnquoted
                                              : QuoteState::kFieldStart);
  }
  return out;
}

class Collect final : public RowSink {
 public:
  Status OnRow(const Row& row) override {
    SimpleRow r{row.offset, {}, {}};
    RowFields f;
    f.Split(row, RowFields::kAll);
    std::string scratch;
    for (size_t i = 0; i < f.size(); ++i) {
      r.fields.emplace_back(f[i]);
      r.values.emplace_back(Unquote(f[i], &scratch));
    }
    reading.rows.push_back(std::move(r));
    return Status::OK();
  }
  Status OnUnterminatedRow(uint64_t offset, const std::string&) override {
    reading.unterminated = static_cast<int64_t>(offset);
    return Status::OK();
  }
  Reading reading;
};

// Whether reading `s` in ranges with line ends guessed from its first
// `sniff` bytes must fail: the guess differs from the whole text's line end.
inline bool ChainMustFail(const std::string& s, size_t sniff) {
  LineEnd guess = GuessLineEnd(s.data(), std::min(s.size(), sniff));
  return guess != (ReferenceNewline(s) == '\r' ? LineEnd::kCr : LineEnd::kLf);
}

// Reads `s` as ranges of `range` bytes with buffers of `buffer` bytes (and
// line ends guessed from that many first bytes), as an executor does: every range first assumes the default start, then CheckChain
// decides which run again. Checks every accepted range's reported end against the
// reference. Stores what went wrong in *problem; a chain error (the first range
// guessed the line end wrong) goes to *chain_error.
inline Reading ReadInRanges(const std::string& s, size_t range, size_t buffer, size_t chunk, bool mapped,
                            std::string* problem, std::string* chain_error = nullptr) {
  size_t n = s.empty() ? 1 : (s.size() + range - 1) / range;
  std::vector<Reading> parts(n);
  std::vector<RangeEnd> ends(n);
  auto run = [&](size_t k, RangeStart start) {
    size_t b = k * range, e = std::min(s.size(), b + range);
    MemoryStream stream(s, StreamStart(b), chunk, mapped);
    ReadOptions opt;
    opt.buffer_bytes = buffer;
    opt.begin = b;
    opt.end = e;
    opt.start = start;
    opt.sniff_bytes = buffer;
    RowReader reader(&stream, "mem", opt);
    Collect sink;
    Status st = reader.Run(&sink);
    if (!st.ok()) *problem = "range " + std::to_string(b) + ": " + st.message();
    parts[k] = sink.reading;
    ends[k] = reader.range_end();
  };
  for (size_t k = 0; k < n; ++k) run(k, RangeStart{});
  for (size_t reruns = 0;; ++reruns) {
    Result<ChainVerdict> v = CheckChain(ends, "mem");
    if (!v.ok()) {
      if (chain_error != nullptr) *chain_error = v.status().message();
      return {};
    }
    if (v->rerun == n) break;
    if (reruns > n) {
      *problem = "the chain did not settle";
      return {};
    }
    run(v->rerun, v->start);
  }
  std::vector<QuoteState> states = ReferenceStates(s, ',');
  Reading all;
  for (size_t k = 0; k < n; ++k) {
    size_t e = std::min(s.size(), (k + 1) * range);
    if (ends[k].quote != states[e]) *problem = "wrong end state for range " + std::to_string(k * range);
    all.rows.insert(all.rows.end(), parts[k].rows.begin(), parts[k].rows.end());
    if (parts[k].unterminated >= 0) all.unterminated = parts[k].unterminated;
  }
  return all;
}

}  // namespace fanout::csv::testing_support

// RowReader: turns a byte stream into rows and fields, for one task's range.
//
// A range [begin, end) owns exactly the rows that start inside it: the reader
// skips the partial row at `begin` (unless a row starts there) and reads past
// `end` to finish its last row. It reports the quote state at `end` so that the
// executor can check the state it assumed at the next range's start.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "csv/kernel.h"
#include "io/object_store.h"

namespace fanout::csv {

constexpr size_t kDefaultBufferBytes = 1 << 20;
constexpr size_t kMinBufferBytes = 1;
constexpr size_t kDefaultMaxRowBytes = 64 << 20;
// A range task's buffer need not be much larger than its range.
constexpr size_t kRangeSlackBytes = 4096;

// One row, valid only during the RowSink::OnRow call that receives it.
struct Row {
  const char* data = nullptr;  // the reader's buffer
  uint32_t begin = 0;          // row bytes are data[begin, end): no line end, no '\r'
  uint32_t end = 0;
  const uint32_t* seps = nullptr;  // positions of the delimiters in data, ascending
  uint32_t nseps = 0;
  uint64_t offset = 0;  // offset of the row's first byte in the object's content

  size_t num_fields() const { return nseps + 1; }
  // Field i's bytes as stored (quotes included); i < num_fields().
  std::string_view raw_field(size_t i) const {
    uint32_t b = i == 0 ? begin : seps[i - 1] + 1;
    uint32_t e = i == nseps ? end : seps[i];
    return {data + b, e - b};
  }
};

// Returns the value of a raw field: a field starting with '"' loses its quotes and
// "" becomes ". Other fields are returned as they are. Uses *scratch when it must copy.
std::string_view Unquote(std::string_view raw, std::string* scratch);

class RowSink {
 public:
  virtual ~RowSink() = default;
  bool stop = false;  // set by OnRow to end the read early (Run then returns OK)
  // Called for every non-blank row the range owns, in order. A non-OK status stops
  // the reader, which returns it.
  virtual Status OnRow(const Row& row) = 0;
};

struct ReadOptions {
  char delim = ',';
  size_t buffer_bytes = kDefaultBufferBytes;
  size_t max_row_bytes = kDefaultMaxRowBytes;
  uint64_t begin = 0;                                    // the range's first byte
  uint64_t end = std::numeric_limits<uint64_t>::max();   // one past its last byte
  bool start_in_quote = false;                           // quote state at `begin`
  std::atomic<uint64_t>* progress = nullptr;  // if set, gets bytes consumed inside the range
  const std::atomic<bool>* cancel = nullptr;  // if set and true, Run stops with an error
};

// A heap array that grows without zero-filling and keeps a prefix when resized.
template <typename T>
class RawBuffer {
 public:
  T* data() { return p_.get(); }
  const T* data() const { return p_.get(); }
  size_t size() const { return n_; }
  T& operator[](size_t i) { return p_[i]; }
  const T& operator[](size_t i) const { return p_[i]; }
  // Resizes to n elements, keeping the first `keep` (<= n) of the old ones.
  void Resize(size_t n, size_t keep) {
    std::unique_ptr<T[]> q(new T[n]);
    std::copy_n(p_.get(), std::min(keep, n_), q.get());
    p_ = std::move(q);
    n_ = n;
  }

 private:
  std::unique_ptr<T[]> p_;
  size_t n_ = 0;
};

class RowReader {
 public:
  // `stream` must start at content offset begin-1 (begin > 0) or 0, and outlive the reader.
  RowReader(io::ByteStream* stream, std::string name, const ReadOptions& options);

  // Reads the range and calls sink->OnRow for each row it owns.
  Status Run(RowSink* sink);

  // The quote state at `end` (valid once Run returned OK and `end` <= content size).
  bool end_in_quote() const { return end_in_quote_; }

 private:
  Status Fill(bool* eof);
  void Scan(size_t upto);
  void ScanPart(size_t from, size_t to);
  void ReportProgress();
  Status Compact();
  Status EmitRows(RowSink* sink, bool eof, bool* done);
  Status Emit(RowSink* sink, uint32_t line_end, size_t sep_end, bool* done);

  io::ByteStream* stream_;
  std::string name_;
  ReadOptions opt_;
  ScanFn kernel_;

  RawBuffer<char> buf_;
  size_t len_ = 0;        // bytes of buf_ holding data
  size_t scanned_ = 0;    // bytes of buf_ the kernel has seen
  uint64_t base_ = 0;     // content offset of buf_[0]
  size_t row_start_ = 0;  // buf_ offset where the current row starts
  RawBuffer<uint32_t> idx_;  // structural positions in buf_ at or after row_start_
  size_t idx_len_ = 0;
  size_t idx_pos_ = 0;    // first structural of the current row
  size_t idx_walk_ = 0;   // next structural to look at
  bool in_quote_ = false;
  bool end_in_quote_ = false;
  bool end_state_known_ = false;
  bool skip_first_ = false;  // the first row started before `begin`: not ours
  uint64_t reported_ = 0;    // bytes already added to progress
};

}  // namespace fanout::csv

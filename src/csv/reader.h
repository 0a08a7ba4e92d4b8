// RowReader: turns a byte stream into rows and fields, for one task's range.
//
// A range [begin, end) owns exactly the rows that start inside it: the reader
// skips the partial row at `begin` (unless a row starts there) and reads past
// `end` to finish its last row. It starts from an assumed quote state and line
// end and reports what it found (chain.h), so that the executor can check the
// assumptions of an object's ranges against each other.
//
// The kernel turns each 64-byte block into bitmasks (kernel.h); rows are found by
// walking line-end bits, and a row's fields are split only as far as a sink asks.
// A UTF-8 byte order mark at the content's start is not part of any row.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "csv/chain.h"
#include "csv/kernel.h"
#include "io/object_store.h"

namespace fanout::csv {

constexpr size_t kDefaultBufferBytes = 1 << 20;
constexpr size_t kDefaultMaxRowBytes = 64 << 20;
// A range task's buffer need not be much larger than its range.
constexpr size_t kRangeSlackBytes = 4096;

// One row, valid only during the RowSink::OnRow call that receives it.
struct Row {
  const char* data = nullptr;         // the reader's window
  uint32_t begin = 0;                 // row bytes are data[begin, end): no line end, no '\r'
  uint32_t end = 0;
  const uint64_t* delim_bits = nullptr;  // delimiter bits of the window (kernel.h)
  uint64_t offset = 0;                // offset of the row's first byte in the object's content

  // Stores the positions (in data) of the row's first delimiters, at most `max`
  // (> 0), in seps; returns how many there are.
  size_t FindSeps(size_t max, uint32_t* seps) const {
    size_t k = 0;
    size_t b = begin / kBlockBytes;
    uint64_t w = delim_bits[b] & (~uint64_t{0} << (begin % kBlockBytes));
    for (;;) {
      while (w != 0) {
        uint32_t pos = static_cast<uint32_t>(b * kBlockBytes + __builtin_ctzll(w));
        if (pos >= end) return k;
        seps[k++] = pos;
        if (k == max) return k;
        w &= w - 1;
      }
      if (++b * kBlockBytes >= end) return k;
      w = delim_bits[b];
    }
  }
};

// The first fields of a row, split on demand.
class RowFields {
 public:
  static constexpr size_t kAll = std::numeric_limits<uint32_t>::max();
  // Splits off the first `want` fields (all of them with kAll). Afterwards size()
  // is `want` when the row has at least that many fields, else the row's count.
  void Split(const Row& row, size_t want) {
    row_ = &row;
    size_t room = std::min<size_t>(want, static_cast<size_t>(row.end - row.begin) + 1);
    if (seps_.size() < room) seps_.resize(room);
    nseps_ = row.begin < row.end ? row.FindSeps(room, seps_.data()) : 0;
    n_ = nseps_ == want ? want : nseps_ + 1;
  }
  size_t size() const { return n_; }
  // Field i's bytes as stored (quotes included); i < size().
  std::string_view operator[](size_t i) const {
    uint32_t b = i == 0 ? row_->begin : seps_[i - 1] + 1;
    uint32_t e = i < nseps_ ? seps_[i] : row_->end;
    return {row_->data + b, e - b};
  }

 private:
  const Row* row_ = nullptr;
  std::vector<uint32_t> seps_;
  size_t nseps_ = 0, n_ = 0;
};

// Returns the value of a raw field. A field starting with '"' is quoted: up to
// its closing quote, "" stands for one '"'; the quotes go, and whatever follows
// the closing quote is kept as it is (as Python's csv module does). Other fields
// are returned as they are. Uses *scratch when it must copy.
std::string_view UnquoteSlow(std::string_view raw, std::string* scratch);
inline std::string_view Unquote(std::string_view raw, std::string* scratch) {
  if (raw.empty() || raw[0] != '"') return raw;
  return UnquoteSlow(raw, scratch);
}

class RowSink {
 public:
  virtual ~RowSink() = default;
  // Called for every non-blank row the range owns, in order. A non-OK status stops
  // the reader, which returns it.
  virtual Status OnRow(const Row& row) = 0;
  // Called instead of OnRow for the range's last row when the content ends inside
  // a quoted field that row opened (it starts at content offset `offset`). By
  // default that is an error; sinks that count skipped rows may skip it.
  virtual Status OnUnterminatedRow(uint64_t offset, const std::string& object);
  bool stop = false;  // set by OnRow to end the read early (Run then returns OK)
};

struct ReadOptions {
  char delim = ',';
  size_t buffer_bytes = kDefaultBufferBytes;   // rounded up to whole 64-byte blocks
  size_t max_row_bytes = kDefaultMaxRowBytes;
  uint64_t begin = 0;                                    // the range's first byte
  uint64_t end = std::numeric_limits<uint64_t>::max();   // one past its last byte
  RangeStart start;                                      // assumed at `begin`
  // The range's first bytes that decide a guessed line end, read before any row.
  // Tests shrink it to reach the reader's small-window paths with small inputs.
  size_t sniff_bytes = kLineEndSniffBytes;
  std::atomic<uint64_t>* progress = nullptr;  // if set, gets bytes consumed inside the range
  const std::atomic<bool>* cancel = nullptr;  // if set and true, Run stops with an error
  // Classify with the exact scalar kernel alone (the reference reader of
  // --verify), whatever ActiveKernel() is.
  bool exact_kernel = false;
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

// A UTF-8 byte order mark: at the content's start, it belongs to no field.
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Where the stream for a range that begins at `begin` must start: the byte before
// it, or the content's start for a range that may begin inside a byte order mark.
inline uint64_t StreamStart(uint64_t begin) { return begin <= kUtf8Bom.size() ? 0 : begin - 1; }

class RowReader {
 public:
  // `stream` must start at content offset StreamStart(begin) and outlive the
  // reader. A stream whose Mapped() is non-empty is read in place, without copies.
  RowReader(io::ByteStream* stream, std::string name, const ReadOptions& options);

  // Reads the range and calls sink->OnRow for each row it owns.
  Status Run(RowSink* sink);

  // What the range found (valid once Run returned OK and read the range whole:
  // not for a sink that stopped early).
  const RangeEnd& range_end() const { return end_; }

 private:
  Status Start(bool* eof, bool* done);
  Status Prefill(bool* eof);
  void ScanBlocks(const char* src, size_t first, size_t n, QuoteState* state);
  Status Fill(bool* eof);
  Status FillMapped(bool* eof);
  Status FillOwned(bool* eof);
  void Shift(size_t bytes);
  void EnsureMaskCapacity(size_t bytes);
  void Scan();
  void NoteLineEnds();
  void NoteEndState();
  QuoteState StateAt(size_t pos) const;  // the state before window byte pos
  Status EmitRows(RowSink* sink, bool eof, bool* done);
  Status Emit(RowSink* sink, uint32_t line_end, bool* done);
  Status Deliver(RowSink* sink, Row* row, uint32_t begin, uint32_t line_end, uint64_t offset, bool* done);
  Status EmitLast(RowSink* sink, bool* done);
  void ReportProgress();
  Status RowTooLong(uint64_t offset) const;  // the error for a row at that content offset

  io::ByteStream* stream_;
  std::string name_;
  ReadOptions opt_;
  ScanFn kernel_;
  Dialect dialect_;                // the line end decided once the range's first bytes are in

  // The window: data_[0, len_) holds content offsets [base_, base_ + len_).
  RawBuffer<char> own_;            // the buffer, when the stream is not mapped
  std::string_view mapped_;        // the stream's bytes, when it is
  const char* data_ = nullptr;
  size_t len_ = 0;
  uint64_t base_ = 0;

  // Kernel output for the window's blocks.
  RawBuffer<uint64_t> nl_, dl_;
  RawBuffer<QuoteState> st_;       // the state before each block
  size_t bom_left_ = 0;            // bytes of a byte order mark at the window's start, while base_ == begin
  size_t full_blocks_ = 0;         // whole blocks scanned; carry_ is the state after them
  QuoteState carry_ = QuoteState::kFieldStart;

  size_t row_start_ = 0;           // window offset where the current row starts
  size_t cursor_ = 0;              // where to look for the next line end
  size_t noted_ = 0;               // window offset up to which line-end bytes are noted in end_
  RangeEnd end_;
  bool end_state_known_ = false;
  bool skip_first_ = false;        // the first row started before `begin`: not ours
  uint64_t reported_ = 0;          // bytes already added to progress
};

// The reason a row is skipped when its object ends inside a quoted field it opened.
extern const char* const kUnterminatedQuote;

}  // namespace fanout::csv

#include "csv/reader.h"

#include <algorithm>
#include <cstring>

namespace fanout::csv {

namespace {

constexpr size_t RoundUpToBlock(size_t n) { return (n + kBlockBytes - 1) / kBlockBytes * kBlockBytes; }

bool Bit(uint64_t word, size_t i) { return (word >> i) & 1; }

}  // namespace

std::string_view UnquoteSlow(std::string_view raw, std::string* scratch) {
  // Every '"' toggles quoting; inside quotes, "" stands for one '"'.
  scratch->clear();
  bool q = false;
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c != '"') {
      scratch->push_back(c);
    } else if (q && i + 1 < raw.size() && raw[i + 1] == '"') {
      scratch->push_back('"');
      ++i;
    } else {
      q = !q;
    }
  }
  return *scratch;
}

RowReader::RowReader(io::ByteStream* stream, std::string name, const ReadOptions& options)
    : stream_(stream), name_(std::move(name)), opt_(options), kernel_(ActiveKernel().scan) {
  opt_.max_row_bytes = std::max<size_t>(opt_.max_row_bytes, 1);
  size_t want = std::clamp<size_t>(opt_.buffer_bytes, 1, opt_.max_row_bytes);
  if (opt_.end > opt_.begin && opt_.end - opt_.begin < want) {
    want = std::min<uint64_t>(want, opt_.end - opt_.begin + kRangeSlackBytes);
  }
  opt_.buffer_bytes = RoundUpToBlock(want);
}

Status RowReader::Run(RowSink* sink) {
  base_ = opt_.begin;
  start_state_ = data_state_ = opt_.start_in_quote;
  carry_ = opt_.start_in_quote ? ~uint64_t{0} : 0;
  if (opt_.begin > 0) {
    // A row starts at `begin` only if the byte before it is a line end outside quotes.
    char prev = 0;
    ASSIGN_OR_RETURN(size_t got, stream_->Read(&prev, 1));
    if (got == 0) {
      end_in_quote_ = opt_.start_in_quote;
      return Status::OK();
    }
    skip_first_ = !(prev == '\n' && !opt_.start_in_quote);
  }
  mapped_ = stream_->Mapped();
  if (mapped_.empty()) {
    own_.Resize(opt_.buffer_bytes, 0);
    data_ = own_.data();
  } else {
    data_ = mapped_.data();
  }
  EnsureMaskCapacity(opt_.buffer_bytes);
  bool eof = false, done = false;
  while (!done && !eof) {
    if (opt_.cancel != nullptr && opt_.cancel->load(std::memory_order_relaxed)) {
      return Status::Internal("cancelled");
    }
    RETURN_IF_ERROR(Fill(&eof));
    Scan();
    NoteEndState();
    RETURN_IF_ERROR(EmitRows(sink, eof, &done));
    ReportProgress();
    // Still inside the row that started before `begin`, and already past `end`:
    // any row found from here on starts after `end`, so none is ours.
    if (skip_first_ && end_state_known_) done = true;
  }
  if (!end_state_known_) end_in_quote_ = data_state_;  // the content ended before `end`
  return Status::OK();
}

void RowReader::EnsureMaskCapacity(size_t bytes) {
  size_t words = bytes / kBlockBytes + 1;
  if (nl_.size() >= words) return;
  size_t keep = full_blocks_ + 1;
  nl_.Resize(words, keep);
  dl_.Resize(words, keep);
  in_.Resize(words, keep);
}

// Moves the window forward by `bytes` (whole blocks), dropping what lies before.
void RowReader::Shift(size_t bytes) {
  size_t blocks = bytes / kBlockBytes;
  if (blocks == 0) return;
  start_state_ = Bit(in_[blocks - 1], kBlockBytes - 1);
  size_t keep_words = full_blocks_ + 1 - blocks;
  std::memmove(nl_.data(), nl_.data() + blocks, keep_words * sizeof(uint64_t));
  std::memmove(dl_.data(), dl_.data() + blocks, keep_words * sizeof(uint64_t));
  std::memmove(in_.data(), in_.data() + blocks, keep_words * sizeof(uint64_t));
  full_blocks_ -= blocks;
  if (mapped_.empty()) {
    std::memmove(own_.data(), own_.data() + bytes, len_ - bytes);
  } else {
    data_ += bytes;
    stream_->ReleaseMapped(data_);
  }
  len_ -= bytes;
  base_ += bytes;
  row_start_ = row_start_ > bytes ? row_start_ - bytes : 0;
  cursor_ = cursor_ > bytes ? cursor_ - bytes : 0;
}

Status RowReader::Fill(bool* eof) {
  // Drop whole blocks before the current row; a row that started before `begin`
  // (being skipped) need not be kept at all.
  size_t droppable = skip_first_ ? full_blocks_ * kBlockBytes : row_start_ / kBlockBytes * kBlockBytes;
  if (droppable > 0 && (!mapped_.empty() || len_ == own_.size())) {
    Shift(droppable);
    if (mapped_.empty() && own_.size() > opt_.buffer_bytes && len_ < opt_.buffer_bytes) {
      // A buffer grown for one long row returns to its configured size.
      own_.Resize(opt_.buffer_bytes, len_);
      data_ = own_.data();
    }
  }
  RETURN_IF_ERROR(mapped_.empty() ? FillOwned(eof) : FillMapped(eof));
  if (!skip_first_ && len_ - row_start_ > opt_.max_row_bytes) {
    return Status::Corrupt(name_ + ": a row starting at byte " + std::to_string(base_ + row_start_) +
                           " is longer than " + std::to_string(opt_.max_row_bytes) +
                           " bytes (an unbalanced quote?)");
  }
  return Status::OK();
}

Status RowReader::FillMapped(bool* eof) {
  size_t window_end = static_cast<size_t>(data_ - mapped_.data()) + len_;
  size_t more = std::min(opt_.buffer_bytes, mapped_.size() - window_end);
  len_ += more;
  EnsureMaskCapacity(len_);
  *eof = more == 0;
  return Status::OK();
}

Status RowReader::FillOwned(bool* eof) {
  if (len_ == own_.size()) {
    // One row fills the buffer: grow it (Fill checks the row limit).
    size_t grown = RoundUpToBlock(std::min(own_.size() * 2, opt_.max_row_bytes + kBlockBytes));
    own_.Resize(std::max(grown, own_.size() + kBlockBytes), len_);
    data_ = own_.data();
    EnsureMaskCapacity(own_.size());
  }
  ASSIGN_OR_RETURN(size_t got, stream_->Read(own_.data() + len_, own_.size() - len_));
  len_ += got;
  *eof = got == 0;
  return Status::OK();
}

void RowReader::Scan() {
  size_t whole = len_ / kBlockBytes;
  if (whole > full_blocks_) {
    BlockBits out{nl_.data() + full_blocks_, dl_.data() + full_blocks_, in_.data() + full_blocks_};
    kernel_(data_ + full_blocks_ * kBlockBytes, whole - full_blocks_, opt_.delim, &carry_, out);
    full_blocks_ = whole;
  }
  data_state_ = carry_ != 0;
  size_t tail = len_ % kBlockBytes;
  if (tail == 0) return;
  // The last partial block, through a zeroed copy (zero bytes are neither quotes
  // nor structurals); scanned again from the same carry when more data comes.
  alignas(kBlockBytes) char block[kBlockBytes] = {};
  std::memcpy(block, data_ + whole * kBlockBytes, tail);
  uint64_t carry = carry_;
  kernel_(block, 1, opt_.delim, &carry, BlockBits{nl_.data() + whole, dl_.data() + whole, in_.data() + whole});
  data_state_ = carry != 0;
}

bool RowReader::StateAfter(size_t pos) { return Bit(in_[pos / kBlockBytes], pos % kBlockBytes); }

void RowReader::NoteEndState() {
  if (end_state_known_ || opt_.end > base_ + len_) return;
  size_t e = static_cast<size_t>(opt_.end - base_);
  end_in_quote_ = e == 0 ? start_state_ : StateAfter(e - 1);
  end_state_known_ = true;
}

Status RowReader::EmitRows(RowSink* sink, bool eof, bool* done) {
  // Walk the newline bits from the cursor; each one ends a row.
  size_t last = (len_ + kBlockBytes - 1) / kBlockBytes;  // blocks holding data
  size_t b = cursor_ / kBlockBytes;
  if (b < last) {
    uint64_t w = nl_[b] & (~uint64_t{0} << (cursor_ % kBlockBytes));
    for (;;) {
      while (w != 0) {
        uint32_t p = static_cast<uint32_t>(b * kBlockBytes + __builtin_ctzll(w));
        w &= w - 1;
        RETURN_IF_ERROR(Emit(sink, p, done));
        row_start_ = cursor_ = p + 1;
        if (*done) return Status::OK();
      }
      if (++b >= last) break;
      w = nl_[b];
    }
    cursor_ = len_;
  }
  if (eof && row_start_ < len_) {  // a last row without a line end
    RETURN_IF_ERROR(Emit(sink, static_cast<uint32_t>(len_), done));
    row_start_ = cursor_ = len_;
  }
  return Status::OK();
}

inline Status RowReader::Emit(RowSink* sink, uint32_t line_end, bool* done) {
  uint64_t offset = base_ + row_start_;
  if (offset >= opt_.end) {  // this row belongs to the next range
    *done = true;
    return Status::OK();
  }
  if (skip_first_) {  // the row started before `begin`
    skip_first_ = false;
    return Status::OK();
  }
  Row row;
  row.data = data_;
  row.begin = static_cast<uint32_t>(row_start_);
  row.end = line_end;
  if (row.end > row.begin && data_[row.end - 1] == '\r') --row.end;
  row.delim_bits = dl_.data();
  row.offset = offset;
  if (row.end == row.begin) return Status::OK();  // a blank line (no bytes, so no delimiter)
  Status st = sink->OnRow(row);
  if (sink->stop) *done = true;
  return st;
}

void RowReader::ReportProgress() {
  if (opt_.progress == nullptr) return;
  uint64_t at = std::min(base_ + row_start_, opt_.end);
  if (at > opt_.begin + reported_) {
    opt_.progress->fetch_add(at - opt_.begin - reported_, std::memory_order_relaxed);
    reported_ = at - opt_.begin;
  }
}

}  // namespace fanout::csv

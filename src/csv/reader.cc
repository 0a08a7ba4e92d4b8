#include "csv/reader.h"

#include <algorithm>
#include <cstring>

namespace fanout::csv {

const char* const kUnterminatedQuote = "unterminated quoted field";

namespace {

constexpr size_t RoundUpToBlock(size_t n) { return (n + kBlockBytes - 1) / kBlockBytes * kBlockBytes; }

}  // namespace

std::string_view UnquoteSlow(std::string_view raw, std::string* scratch) {
  // The common case, "text" with no quote inside: a view, no copy.
  size_t next = raw.find('"', 1);
  if (next == raw.size() - 1) return raw.substr(1, raw.size() - 2);
  scratch->clear();
  size_t i = 1;
  for (; i < raw.size(); ++i) {
    if (raw[i] != '"') {
      scratch->push_back(raw[i]);
    } else if (i + 1 < raw.size() && raw[i + 1] == '"') {
      scratch->push_back('"');
      ++i;
    } else {
      ++i;  // the closing quote; what follows it is kept as it is
      break;
    }
  }
  if (i < raw.size()) scratch->append(raw.substr(i));
  return *scratch;
}

Status RowSink::OnUnterminatedRow(uint64_t offset, const std::string& object) {
  return Status::Corrupt(object + ": ends inside a quoted field, in the row that starts at byte " +
                         std::to_string(offset) + " (an unbalanced quote?)");
}

RowReader::RowReader(io::ByteStream* stream, std::string name, const ReadOptions& options)
    : stream_(stream), name_(std::move(name)), opt_(options), kernel_(options.exact_kernel ? ScanExact : ActiveKernel().scan) {
  opt_.max_row_bytes = std::max<size_t>(opt_.max_row_bytes, 1);
  size_t want = std::clamp<size_t>(opt_.buffer_bytes, 1, opt_.max_row_bytes);
  if (opt_.end > opt_.begin && opt_.end - opt_.begin < want) {
    want = std::min<uint64_t>(want, opt_.end - opt_.begin + kRangeSlackBytes);
  }
  opt_.buffer_bytes = RoundUpToBlock(want);
  dialect_.delim = opt_.delim;
}

Status RowReader::RowTooLong(uint64_t offset) const {
  return Status::Corrupt(name_ + ": a row starting at byte " + std::to_string(offset) + " is longer than " +
                         std::to_string(opt_.max_row_bytes) + " bytes (an unbalanced quote?)");
}

Status RowReader::Run(RowSink* sink) {
  bool eof = false, done = false;
  RETURN_IF_ERROR(Start(&eof, &done));
  while (!done) {
    if (opt_.cancel != nullptr && opt_.cancel->load(std::memory_order_relaxed)) {
      return Status::Internal("cancelled");
    }
    Scan();
    NoteLineEnds();
    NoteEndState();
    RETURN_IF_ERROR(EmitRows(sink, eof, &done));
    ReportProgress();
    // Still inside the row that started before `begin`, and already past `end`:
    // any row found from here on starts after `end`, so none is ours.
    if (skip_first_ && end_state_known_) done = true;
    if (done || eof) break;
    if (!skip_first_ && len_ - row_start_ > opt_.max_row_bytes) {
      return RowTooLong(base_ + row_start_);
    }
    RETURN_IF_ERROR(Fill(&eof));
  }
  if (!end_state_known_) end_.quote = StateAt(len_);  // the content ended before `end`
  return Status::OK();
}

// Reads the byte before the range and the range's first bytes, and decides the
// line end. Sets *done when the range starts at or after the content's end.
Status RowReader::Start(bool* eof, bool* done) {
  base_ = opt_.begin;
  carry_ = opt_.start.quote;
  end_.used = opt_.start;
  // The bytes before the range: the one before it, or all of them (a byte
  // order mark's first ones, perhaps) for a range that begins that early.
  char before[kUtf8Bom.size()] = {};
  size_t want = opt_.begin == 0 ? 0 : static_cast<size_t>(opt_.begin - StreamStart(opt_.begin));
  size_t got = 0;
  while (got < want) {
    ASSIGN_OR_RETURN(size_t n, stream_->Read(before + got, want - got));
    if (n == 0) break;
    got += n;
  }
  char prev = want > 0 ? before[want - 1] : 0;
  if (opt_.begin > 0) {
    if (got < want) {  // nothing at or after `begin`: no rows, and the state is as assumed
      if (end_.used.line_end == LineEnd::kGuess) end_.used.line_end = LineEnd::kLf;
      end_.quote = opt_.start.quote;
      end_state_known_ = true;
      *done = true;
      return Status::OK();
    }
  }
  mapped_ = stream_->Mapped();
  size_t capacity = opt_.buffer_bytes;
  if (mapped_.empty()) {
    capacity = std::max(capacity, RoundUpToBlock(opt_.sniff_bytes));
    own_.Resize(capacity, 0);
    data_ = own_.data();
  } else {
    data_ = mapped_.data();
  }
  EnsureMaskCapacity(capacity);
  RETURN_IF_ERROR(Prefill(eof));
  if (end_.used.line_end == LineEnd::kGuess) {
    // (A mapped stream's first bytes are all there, whatever the window holds.)
    std::string_view first = mapped_.empty() ? std::string_view(data_, len_) : mapped_;
    end_.used.line_end = GuessLineEnd(first.data(), std::min(first.size(), opt_.sniff_bytes));
  }
  dialect_.newline = end_.used.line_end == LineEnd::kCr ? '\r' : '\n';
  if (opt_.begin > 0) {
    // A row starts at `begin` only if the byte before it ends a row.
    skip_first_ = !(prev == dialect_.newline && opt_.start.quote == QuoteState::kFieldStart);
  }
  if (opt_.begin < kUtf8Bom.size()) {  // (`before` holds all the bytes before the range)
    std::string_view first = mapped_.empty() ? std::string_view(data_, len_) : mapped_;
    std::string lead = std::string(before, want) + std::string(first.substr(0, kUtf8Bom.size() - want));
    if (lead == kUtf8Bom) bom_left_ = kUtf8Bom.size() - want;
  }
  end_.quote_at_begin = len_ > bom_left_ && data_[bom_left_] == '"';
  return Status::OK();
}

// Fills the window with the range's first bytes: for a stream that is not
// mapped, sniff_bytes of them (or what there is), to guess the line end from.
Status RowReader::Prefill(bool* eof) {
  if (!mapped_.empty()) {
    len_ = std::min(mapped_.size(), opt_.buffer_bytes);
    *eof = len_ == mapped_.size();
  } else {
    // (At least a byte order mark's length: a range that begins inside one
    // must see all of it to know it for one.)
    while (len_ < std::max(opt_.sniff_bytes, kUtf8Bom.size())) {
      ASSIGN_OR_RETURN(size_t got, stream_->Read(own_.data() + len_, own_.size() - len_));
      if (got == 0) {
        *eof = true;
        break;
      }
      len_ += got;
    }
  }
  EnsureMaskCapacity(len_);
  return Status::OK();
}

void RowReader::EnsureMaskCapacity(size_t bytes) {
  size_t words = bytes / kBlockBytes + 1;
  if (nl_.size() >= words) return;
  size_t keep = full_blocks_ + 1;
  nl_.Resize(words, keep);
  dl_.Resize(words, keep);
  st_.Resize(words, keep);
}

// Moves the window forward by `bytes` (whole blocks), dropping what lies before.
void RowReader::Shift(size_t bytes) {
  size_t blocks = bytes / kBlockBytes;
  if (blocks == 0) return;
  size_t keep_words = full_blocks_ + 1 - blocks;
  std::memmove(nl_.data(), nl_.data() + blocks, keep_words * sizeof(uint64_t));
  std::memmove(dl_.data(), dl_.data() + blocks, keep_words * sizeof(uint64_t));
  std::memmove(st_.data(), st_.data() + blocks, keep_words * sizeof(QuoteState));
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
  noted_ = noted_ > bytes ? noted_ - bytes : 0;
}

Status RowReader::Fill(bool* eof) {
  // Drop whole blocks before the current row; a row that started before `begin`
  // (being skipped) need not be kept at all.
  size_t droppable = skip_first_ ? full_blocks_ * kBlockBytes : row_start_ / kBlockBytes * kBlockBytes;
  if (droppable > 0 && (!mapped_.empty() || len_ == own_.size())) {
    Shift(droppable);
    if (mapped_.empty() && own_.size() > opt_.buffer_bytes && len_ < opt_.buffer_bytes) {
      // A buffer grown for one long row (or the first bytes) returns to its configured size.
      own_.Resize(opt_.buffer_bytes, len_);
      data_ = own_.data();
    }
  }
  return mapped_.empty() ? FillOwned(eof) : FillMapped(eof);
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
    // One row fills the buffer: grow it (Run checks the row limit).
    size_t grown = RoundUpToBlock(std::min(own_.size() * 2, opt_.max_row_bytes + kBlockBytes));
    own_.Resize(std::max(grown, own_.size() + kBlockBytes), len_);
    data_ = own_.data();
  }
  EnsureMaskCapacity(own_.size());
  ASSIGN_OR_RETURN(size_t got, stream_->Read(own_.data() + len_, own_.size() - len_));
  len_ += got;
  *eof = got == 0;
  return Status::OK();
}

// Classifies blocks [first, first + n) of the window from the bytes at src; the
// content's first block skips its byte order mark.
void RowReader::ScanBlocks(const char* src, size_t first, size_t n, QuoteState* state) {
  BlockBits out{nl_.data() + first, dl_.data() + first, st_.data() + first};
  if (n > 0 && first == 0 && base_ == opt_.begin && bom_left_ > 0) {
    ScanExactFrom(src, bom_left_, dialect_, state, out);
    ++out.newline, ++out.delim, ++out.state;
    src += kBlockBytes;
    --n;
  }
  ScanAll(kernel_, src, n, dialect_, state, out);
}

void RowReader::Scan() {
  size_t whole = len_ / kBlockBytes;
  if (whole > full_blocks_) {
    ScanBlocks(data_ + full_blocks_ * kBlockBytes, full_blocks_, whole - full_blocks_, &carry_);
    full_blocks_ = whole;
  }
  size_t tail = len_ % kBlockBytes;
  if (tail == 0) return;
  // The last partial block, through a zeroed copy (zero bytes are neither quotes
  // nor structurals); scanned again from the same carry when more data comes.
  alignas(kBlockBytes) char block[kBlockBytes] = {};
  std::memcpy(block, data_ + whole * kBlockBytes, tail);
  QuoteState s = carry_;
  ScanBlocks(block, whole, 1, &s);
}

QuoteState RowReader::StateAt(size_t pos) const {
  size_t b = pos / kBlockBytes;
  QuoteState s = carry_;
  size_t from = full_blocks_ * kBlockBytes;
  if (b < full_blocks_) {
    s = st_[b];
    from = b * kBlockBytes;
  }
  if (from == 0 && base_ == opt_.begin) from = std::min(pos, bom_left_);
  return StateAfter(data_ + from, pos - from, dialect_.delim, dialect_.newline, s);
}

// Notes whether the range's bytes scanned so far hold a '\n' or a '\r' (chain.h).
void RowReader::NoteLineEnds() {
  size_t upto = opt_.end <= base_ ? 0 : static_cast<size_t>(std::min<uint64_t>(len_, opt_.end - base_));
  if (upto <= noted_) return;
  size_t n = upto - noted_;
  if (!end_.saw_lf) end_.saw_lf = std::memchr(data_ + noted_, '\n', n) != nullptr;
  if (!end_.saw_lf && !end_.saw_cr) end_.saw_cr = std::memchr(data_ + noted_, '\r', n) != nullptr;
  noted_ = upto;
}

void RowReader::NoteEndState() {
  if (end_state_known_ || opt_.end > base_ + len_) return;
  end_.quote = StateAt(static_cast<size_t>(opt_.end - base_));
  end_state_known_ = true;
}

// Hands the row window[begin, line_end) at content offset `offset` to the sink
// (row's data and delim_bits set): without a '\r' before its '\n', and not at
// all when blank. Sets *done when the sink stops.
[[gnu::always_inline]] inline Status RowReader::Deliver(RowSink* sink, Row* row, uint32_t begin, uint32_t line_end,
                                                        uint64_t offset, bool* done) {
  row->begin = begin;
  row->end = line_end;
  if (dialect_.newline == '\n' && row->end > row->begin && data_[row->end - 1] == '\r') --row->end;
  if (row->end == row->begin) return Status::OK();  // a blank line (no bytes, so no delimiter)
  row->offset = offset;
  Status st = sink->OnRow(*row);
  if (sink->stop) *done = true;
  return st;
}

Status RowReader::EmitRows(RowSink* sink, bool eof, bool* done) {
  // Walk the line-end bits from the cursor; each one ends a row. Most rows take
  // the fast path below; Emit handles the rest (the range's first and last rows,
  // the content's first row, a row that is too long) with every check.
  size_t last = (len_ + kBlockBytes - 1) / kBlockBytes;  // blocks holding data
  size_t b = cursor_ / kBlockBytes;
  if (b < last) {
    // Rows starting at or after this window offset belong to the next range.
    size_t next_range = opt_.end <= base_ ? 0 : static_cast<size_t>(std::min<uint64_t>(opt_.end - base_, len_ + 1));
    Row row;
    row.data = data_;
    row.delim_bits = dl_.data();
    uint64_t w = nl_[b] & (~uint64_t{0} << (cursor_ % kBlockBytes));
    for (;;) {
      while (w != 0) {
        uint32_t p = static_cast<uint32_t>(b * kBlockBytes + __builtin_ctzll(w));
        w &= w - 1;
        size_t start = row_start_;
        if (start >= next_range || skip_first_ || p - start > opt_.max_row_bytes || base_ + start == 0) {
          RETURN_IF_ERROR(Emit(sink, p, done));
          row_start_ = cursor_ = p + 1;
          if (*done) return Status::OK();
          continue;
        }
        row_start_ = p + 1;
        Status st = Deliver(sink, &row, static_cast<uint32_t>(start), p, base_ + start, done);
        if (!st.ok() || *done) {
          cursor_ = row_start_;
          return st;
        }
      }
      if (++b >= last) break;
      w = nl_[b];
    }
    cursor_ = len_;
  }
  if (eof && row_start_ < len_) {  // a last row without a line end
    RETURN_IF_ERROR(EmitLast(sink, done));
    row_start_ = cursor_ = len_;
  }
  return Status::OK();
}

Status RowReader::Emit(RowSink* sink, uint32_t line_end, bool* done) {
  uint64_t offset = base_ + row_start_;
  if (offset >= opt_.end) {  // this row belongs to the next range
    *done = true;
    return Status::OK();
  }
  if (skip_first_) {  // the row started before `begin`
    skip_first_ = false;
    return Status::OK();
  }
  if (line_end - row_start_ > opt_.max_row_bytes) {
    return RowTooLong(offset);
  }
  Row row;
  row.data = data_;
  row.delim_bits = dl_.data();
  // (A byte order mark is not the first field's.)
  uint32_t begin = static_cast<uint32_t>(offset == 0 ? bom_left_ : row_start_);
  return Deliver(sink, &row, begin, line_end, offset, done);
}


// The content's last row, which has no line end: a row, or, when the content
// ends inside a quoted field, one that cannot be read.
Status RowReader::EmitLast(RowSink* sink, bool* done) {
  if (StateAt(len_) != QuoteState::kQuoted) return Emit(sink, static_cast<uint32_t>(len_), done);
  uint64_t offset = base_ + row_start_;
  if (offset >= opt_.end) {
    *done = true;
    return Status::OK();
  }
  if (skip_first_) {
    skip_first_ = false;
    return Status::OK();
  }
  if (len_ - row_start_ > opt_.max_row_bytes) {
    return RowTooLong(offset);
  }
  RETURN_IF_ERROR(sink->OnUnterminatedRow(offset, name_));
  end_.unterminated = offset + 1;
  return Status::OK();
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

#include "csv/reader.h"

#include <algorithm>
#include <cstring>

namespace fanout::csv {

std::string_view Unquote(std::string_view raw, std::string* scratch) {
  if (raw.empty() || raw[0] != '"') return raw;
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
  opt_.buffer_bytes = std::clamp(opt_.buffer_bytes, kMinBufferBytes, opt_.max_row_bytes);
  if (opt_.end > opt_.begin && opt_.end - opt_.begin < opt_.buffer_bytes) {
    opt_.buffer_bytes = std::max<size_t>(kMinBufferBytes, std::min<uint64_t>(
        opt_.buffer_bytes, opt_.end - opt_.begin + kRangeSlackBytes));
  }
  buf_.Resize(opt_.buffer_bytes, 0);
  idx_.Resize(opt_.buffer_bytes, 0);
}

Status RowReader::Run(RowSink* sink) {
  in_quote_ = opt_.start_in_quote;
  base_ = opt_.begin;
  if (opt_.begin > 0) {
    // A row starts at `begin` only if the byte before it is a line end outside quotes.
    char prev = 0;
    ASSIGN_OR_RETURN(size_t got, stream_->Read(&prev, 1));
    if (got == 0) {
      end_in_quote_ = in_quote_;
      return Status::OK();
    }
    skip_first_ = !(prev == '\n' && !opt_.start_in_quote);
  }
  bool eof = false, done = false;
  while (!done && !eof) {
    if (opt_.cancel != nullptr && opt_.cancel->load(std::memory_order_relaxed)) {
      return Status::Internal("cancelled");
    }
    RETURN_IF_ERROR(Fill(&eof));
    Scan(len_);
    RETURN_IF_ERROR(EmitRows(sink, eof, &done));
    ReportProgress();
    // Still inside the row that started before `begin`, and already past `end`:
    // any row found from here on starts after `end`, so none is ours.
    if (skip_first_ && end_state_known_) done = true;
  }
  if (!end_state_known_) end_in_quote_ = in_quote_;  // the content ended before `end`
  return Status::OK();
}

Status RowReader::Fill(bool* eof) {
  if (len_ == buf_.size()) RETURN_IF_ERROR(Compact());
  ASSIGN_OR_RETURN(size_t got, stream_->Read(buf_.data() + len_, buf_.size() - len_));
  len_ += got;
  *eof = got == 0;
  return Status::OK();
}

Status RowReader::Compact() {
  if (row_start_ > 0) {
    size_t keep = len_ - row_start_;
    std::memmove(buf_.data(), buf_.data() + row_start_, keep);
    for (size_t i = idx_pos_; i < idx_len_; ++i) idx_[i - idx_pos_] = idx_[i] - static_cast<uint32_t>(row_start_);
    idx_len_ -= idx_pos_;
    idx_walk_ -= idx_pos_;
    idx_pos_ = 0;
    base_ += row_start_;
    scanned_ -= row_start_;
    len_ = keep;
    row_start_ = 0;
    // A buffer grown for one long row returns to its configured size, so that
    // small configured sizes keep exercising every split boundary.
    if (buf_.size() > opt_.buffer_bytes && keep < opt_.buffer_bytes) {
      buf_.Resize(opt_.buffer_bytes, keep);
      idx_.Resize(opt_.buffer_bytes, idx_len_);
    }
    return Status::OK();
  }
  if (skip_first_) {
    // The row before our range fills the buffer; nothing of it is needed.
    base_ += len_;
    len_ = scanned_ = 0;
    idx_len_ = idx_pos_ = idx_walk_ = 0;
    return Status::OK();
  }
  if (buf_.size() >= opt_.max_row_bytes) {
    return Status::Corrupt(name_ + ": a row starting at byte " + std::to_string(base_) +
                           " is longer than " + std::to_string(opt_.max_row_bytes) +
                           " bytes (an unbalanced quote?)");
  }
  size_t grown = std::min(buf_.size() * 2, opt_.max_row_bytes);
  buf_.Resize(grown, len_);
  idx_.Resize(grown, idx_len_);
  return Status::OK();
}

void RowReader::ScanPart(size_t from, size_t to) {
  idx_len_ += kernel_(buf_.data() + from, to - from, static_cast<uint32_t>(from), opt_.delim,
                      &in_quote_, idx_.data() + idx_len_);
  scanned_ = to;
}

void RowReader::Scan(size_t upto) {
  uint64_t lo = base_ + scanned_, hi = base_ + upto;
  if (!end_state_known_ && opt_.end >= lo && opt_.end <= hi) {
    // Record the quote state exactly at `end` for the executor's chain check.
    size_t mid = static_cast<size_t>(opt_.end - base_);
    ScanPart(scanned_, mid);
    end_in_quote_ = in_quote_;
    end_state_known_ = true;
  }
  ScanPart(scanned_, upto);
}

Status RowReader::EmitRows(RowSink* sink, bool eof, bool* done) {
  while (idx_walk_ < idx_len_ && !*done) {
    uint32_t p = idx_[idx_walk_];
    if (buf_[p] != '\n') {
      ++idx_walk_;
      continue;
    }
    RETURN_IF_ERROR(Emit(sink, p, idx_walk_, done));
    row_start_ = p + 1;
    idx_pos_ = ++idx_walk_;
  }
  if (eof && !*done && row_start_ < len_) {  // a last row without a line end
    RETURN_IF_ERROR(Emit(sink, static_cast<uint32_t>(len_), idx_len_, done));
    row_start_ = len_;
    idx_pos_ = idx_walk_ = idx_len_;
  }
  return Status::OK();
}

Status RowReader::Emit(RowSink* sink, uint32_t line_end, size_t sep_end, bool* done) {
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
  row.data = buf_.data();
  row.begin = static_cast<uint32_t>(row_start_);
  row.end = line_end;
  if (row.end > row.begin && buf_[row.end - 1] == '\r') --row.end;
  row.seps = idx_.data() + idx_pos_;
  row.nseps = static_cast<uint32_t>(sep_end - idx_pos_);
  row.offset = offset;
  if (row.end == row.begin && row.nseps == 0) return Status::OK();  // a blank line
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

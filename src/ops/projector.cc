#include "ops/projector.h"

namespace fanout::ops {

Projector::Projector(const Query& query, const ResolvedQuery& resolved, std::string object_name, char delim,
                     uint64_t header_offset, bool strict, RowStats* stats, FlushFn flush)
    : query_(query),
      resolved_(resolved),
      object_name_(std::move(object_name)),
      delim_(delim),
      header_offset_(header_offset),
      stats_(stats),
      skips_(stats, strict),
      flush_(std::move(flush)),
      picker_(resolved.AllFields()) {
  for (int i : resolved.keys) col_slots_.push_back(picker_.SlotOf(i));
  for (int i : resolved.filters) filter_slots_.push_back(picker_.SlotOf(i));
}

void Projector::Append() {
  for (size_t i = 0; i < col_slots_.size(); ++i) {
    if (i > 0) buffer_.push_back(delim_);
    buffer_.append(picker_.field(col_slots_[i]));
  }
  buffer_.push_back('\n');
}

Status Projector::OnUnterminatedRow(uint64_t offset, const std::string&) {
  ++stats_->rows;
  return skips_.SkipAt(offset, csv::kUnterminatedQuote);
}

Status Projector::OnRow(const csv::Row& row) {
  bool enough = picker_.Pick(row);
  if (row.offset == header_offset_) {
    if (!enough) {
      return Status::Corrupt(object_name_ + ": the header has fewer fields than the columns asked for need (" +
                             std::to_string(resolved_.min_fields) + ")");
    }
    Append();
    return Status::OK();
  }
  ++stats_->rows;
  if (!enough) return skips_.Skip(row, kTooFewFields);
  for (size_t i = 0; i < query_.filters.size(); ++i) {
    FilterResult r = query_.filters[i].Test(csv::Unquote(picker_.field(filter_slots_[i]), &scratch_), &number_);
    if (r == FilterResult::kNo) return Status::OK();
    if (r == FilterResult::kNotANumber) return skips_.Skip(row, NonNumericReason(query_.filters[i].column));
  }
  Append();
  if (buffer_.size() >= kFlushBytes) return flush_(&buffer_);
  return Status::OK();
}

Status Projector::Finish() {
  if (buffer_.empty()) return Status::OK();
  return flush_(&buffer_);
}

}  // namespace fanout::ops

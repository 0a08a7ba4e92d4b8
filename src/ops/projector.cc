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
      flush_(std::move(flush)) {}

void Projector::Append() {
  for (size_t i = 0; i < resolved_.keys.size(); ++i) {
    if (i > 0) buffer_.push_back(delim_);
    buffer_.append(fields_[resolved_.keys[i]]);
  }
  buffer_.push_back('\n');
}

Status Projector::OnRow(const csv::Row& row) {
  fields_.Split(row, resolved_.min_fields);
  if (row.offset == header_offset_) {
    if (fields_.size() < resolved_.min_fields) {
return Status::Corrupt(object_name_ + ": the header has "+ std::to_string(fields_.size()) + " fields; the columns asked for need " +
                             std::to_string(resolved_.min_fields));
    }
    Append();
    return Status::OK();
  }
  ++stats_->rows;
  if (fields_.size() < resolved_.min_fields) return skips_.Skip(row, kTooFewFields);
  for (size_t i = 0; i < query_.filters.size(); ++i) {
    if (!query_.filters[i].Matches(csv::Unquote(fields_[resolved_.filters[i]], &scratch_))) {
      return Status::OK();
    }
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

#include "ops/projector.h"

#include "core/strings.h"

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
      strict_(strict),
      flush_(std::move(flush)),
      picker_(resolved.AllFields()),
      filter_(query, resolved, picker_) {
  for (int i : resolved.keys) col_slots_.push_back(picker_.SlotOf(i));
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

Status Projector::HeaderTooShort() const {
  return Status::Corrupt(object_name_ + ": the header has fewer fields than the columns asked for need (" +
                         std::to_string(resolved_.min_fields) + ")");
}

Status Projector::OnRow(const csv::Row& row) {
  bool enough = picker_.Pick(row);
  if (row.offset == header_offset_) {
    if (!enough) return HeaderTooShort();
    Append();
    return Status::OK();
  }
  ++stats_->rows;
  if (!enough) return skips_.SkipAt(row.offset, kTooFewFields);
  bool keep;
  RETURN_IF_ERROR(filter_.Apply<true>(picker_.fields(), row.offset, &skips_, &keep));
  if (!keep) return Status::OK();
  Append();
  if (buffer_.size() >= kFlushBytes) return flush_(&buffer_);
  return Status::OK();
}

Status Projector::OnHeader(const std::vector<std::string>& names) {
  for (size_t i = 0; i < resolved_.keys.size(); ++i) {
    size_t field = static_cast<size_t>(resolved_.keys[i]);
    if (field >= names.size()) return HeaderTooShort();
    if (i > 0) buffer_.push_back(delim_);
    AppendCsvField(&buffer_, names[field], delim_);
  }
  buffer_.push_back('\n');
  return Status::OK();
}

Status Projector::OnBatch(const ColumnBatch& batch) {
  return ForEachBatchRow(batch, picker_.wanted().size(), &row_fields_, [this](const std::string_view* f, uint64_t at) {
    ++stats_->rows;
    bool keep;
    RETURN_IF_ERROR(filter_.Apply<false>(f, at, &skips_, &keep));
    if (!keep) return Status::OK();
    for (size_t i = 0; i < col_slots_.size(); ++i) {
      if (i > 0) buffer_.push_back(delim_);
      AppendCsvField(&buffer_, f[col_slots_[i]], delim_);
    }
    buffer_.push_back('\n');
    return buffer_.size() >= kFlushBytes ? flush_(&buffer_) : Status::OK();
  });
}

Status Projector::OnRowGroup(const std::vector<FieldSummary>& fields, uint64_t rows, bool* read) {
  *read = NeedRowGroup(query_, filter_.slots(), fields, rows, strict_, stats_);
  return Status::OK();
}

Status Projector::Finish() {
  if (buffer_.empty()) return Status::OK();
  return flush_(&buffer_);
}

}  // namespace fanout::ops

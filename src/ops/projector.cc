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
  for (size_t k = 0; k < query.key_fns.size(); ++k) fn_reasons_.push_back(query.key_fns[k].SkipReason(query.keys[k].label));
}

template <bool kStored>
bool Projector::Append(const std::string_view* fields, const std::string** skip) {
  const size_t mark = buffer_.size();
  for (size_t i = 0; i < col_slots_.size(); ++i) {
    if (i > 0) buffer_.push_back(delim_);
    std::string_view f = fields[col_slots_[i]];
    if (query_.key_fns.empty() || query_.key_fns[i].none()) {
      if (kStored) {
        buffer_.append(f);
      } else {
        AppendCsvField(&buffer_, f, delim_);
      }
      continue;
    }
    std::string_view v = kStored ? FieldValue<true>(f, &scratch_) : f;
    if (v.empty()) continue;  // NULL, and so is its function's
    if (!query_.key_fns[i].Apply(v, &fn_value_)) {
      buffer_.resize(mark);
      *skip = &fn_reasons_[i];
      return false;
    }
    AppendCsvField(&buffer_, fn_value_, delim_);
  }
  buffer_.push_back('\n');
  return true;
}

void Projector::AppendHeader(const std::vector<std::string_view>& names) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) buffer_.push_back(delim_);
    if (query_.key_fns.empty() || query_.key_fns[i].none()) {
      buffer_.append(names[i]);  // as stored
    } else {
      AppendCsvField(&buffer_, query_.keys[i].label, delim_);
    }
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
    std::vector<std::string_view> names;
    for (size_t slot : col_slots_) names.push_back(picker_.field(slot));
    AppendHeader(names);
    return Status::OK();
  }
  ++stats_->rows;
  if (!enough) return skips_.SkipAt(row.offset, kTooFewFields);
  bool keep;
  RETURN_IF_ERROR(filter_.Apply<true>(picker_.fields(), row.offset, &skips_, &keep));
  if (!keep) return Status::OK();
  const std::string* skip = nullptr;
  if (!Append<true>(picker_.fields(), &skip)) return skips_.SkipAt(row.offset, *skip);
  if (buffer_.size() >= kFlushBytes) return flush_(&buffer_);
  return Status::OK();
}

Status Projector::OnHeader(const std::vector<std::string>& names) {
  std::string quoted;
  std::vector<std::string> fields;
  for (int k : resolved_.keys) {
    size_t field = static_cast<size_t>(k);
    if (field >= names.size()) return HeaderTooShort();
    quoted.clear();
    AppendCsvField(&quoted, names[field], delim_);
    fields.push_back(quoted);
  }
  AppendHeader(std::vector<std::string_view>(fields.begin(), fields.end()));
  return Status::OK();
}

Status Projector::OnBatch(const ColumnBatch& batch) {
  return ForEachBatchRow(batch, picker_.wanted().size(), &row_fields_, [this](const std::string_view* f, uint64_t at) {
    ++stats_->rows;
    bool keep;
    RETURN_IF_ERROR(filter_.Apply<false>(f, at, &skips_, &keep));
    if (!keep) return Status::OK();
    const std::string* skip = nullptr;
    if (!Append<false>(f, &skip)) return skips_.SkipAt(at, *skip);
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

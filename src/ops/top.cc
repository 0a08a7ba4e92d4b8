#include "ops/top.h"

#include <algorithm>
#include <numeric>

namespace fanout::ops {

bool TopValue::Parse(std::string_view text) { return ParseNumber(text, &scaled, &plain, &wide); }

int TopValue::Compare(const TopValue& a, const TopValue& b) {
  if (a.plain && b.plain) return (a.scaled > b.scaled) - (a.scaled < b.scaled);
  if (a.plain) return CompareDecimal(DecimalFromScaled(a.scaled), b.wide);
  if (b.plain) return CompareDecimal(a.wide, DecimalFromScaled(b.scaled));
  return CompareDecimal(a.wide, b.wide);
}

bool TopRows::Better(const TopValue& av, uint32_t ao, uint64_t aat, const TopRow& b) const {
  int c = TopValue::Compare(av, b.value);
  if (c != 0) return desc_ ? c > 0 : c < 0;
  if (ao != b.object) return ao < b.object;
  return aat < b.at;
}

bool TopRows::Wants(const TopValue& v, uint32_t object, uint64_t at) const {
  if (n_ == 0) return false;
  return heap_.size() < n_ || Better(v, object, at, heap_.front());
}

void TopRows::Offer(TopRow&& row) {
  if (!Wants(row.value, row.object, row.at)) return;
  auto better = [this](const TopRow& a, const TopRow& b) { return Better(a, b); };
  if (heap_.size() == n_) {
    std::pop_heap(heap_.begin(), heap_.end(), better);
    heap_.back() = std::move(row);
  } else {
    heap_.push_back(std::move(row));
  }
  std::push_heap(heap_.begin(), heap_.end(), better);
}

void TopRows::Merge(TopRows&& other) {
  for (TopRow& r : other.heap_) Offer(std::move(r));
  other.heap_.clear();
}

std::vector<TopRow> TopRows::TakeSorted() {
  std::vector<TopRow> rows = std::move(heap_);
  heap_.clear();
  std::sort(rows.begin(), rows.end(), [this](const TopRow& a, const TopRow& b) { return Better(a, b); });
  return rows;
}

void TopRows::SetObject(uint32_t object) {
  // Every row's object changes alike: the heap's order stays.
  for (TopRow& r : heap_) r.object = object;
}

void TopBound::Offer(const TopRows& rows, uint32_t object) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const TopRow& r : rows.rows()) {
    if (!rows_.Wants(r.value, object, r.at)) continue;
    TopRow row;
    row.value = r.value;
    row.object = object;
    row.at = r.at;
    rows_.Offer(std::move(row));
  }
}

TopSink::TopSink(const Query& query, const ResolvedQuery& resolved, bool all_columns, size_t header_fields,
                 uint64_t header_offset, bool strict, RowStats* stats, TopRows* out, const TopBound* bound,
                 uint32_t object)
    : query_(query),
      header_offset_(header_offset),
      stats_(stats),
      skips_(stats, strict),
      strict_(strict),
      out_(out),
      bound_(bound),
      object_(object),
      picker_([&] {
        std::vector<int> all = resolved.AllFields();
        for (size_t i = 0; all_columns && i < header_fields; ++i) all.push_back(static_cast<int>(i));
        return all;
      }()),
      filter_(query, resolved, picker_),
      probe_best_(out->n(), out->desc()) {
  if (all_columns) {
    for (size_t i = 0; i < header_fields; ++i) col_slots_.push_back(picker_.SlotOf(static_cast<int>(i)));
  } else {
    for (int i : resolved.keys) col_slots_.push_back(picker_.SlotOf(i));
  }
  value_slot_ = picker_.SlotOf(resolved.aggs.at(0));
  value_reason_ = NonNumericReason(query.aggs.at(0).column);
  for (size_t k = 0; !all_columns && k < query.key_fns.size(); ++k) {
    fn_reasons_.push_back(query.key_fns[k].SkipReason(query.keys[k].label));
  }
  fn_values_.resize(fn_reasons_.size());
  probe_slots_ = filter_.slots();
  probe_slots_.push_back(value_slot_);
  for (size_t i = 0; i < fn_values_.size(); ++i) {
    if (!query.key_fns[i].none()) probe_slots_.push_back(col_slots_[i]);
  }
  std::sort(probe_slots_.begin(), probe_slots_.end());
  probe_slots_.erase(std::unique(probe_slots_.begin(), probe_slots_.end()), probe_slots_.end());
}

template <bool kStored>
bool TopSink::Qualifies(const std::string_view* fields, uint64_t at, Status* status) {
  bool keep;
  *status = filter_.Apply<kStored>(fields, at, &skips_, &keep);
  if (!status->ok() || !keep) return false;
  value_text_ = FieldValue<kStored>(fields[value_slot_], &scratch_);
  if (!value_.Parse(value_text_)) {
    *status = skips_.SkipAt(at, value_reason_);
    return false;
  }
  // Every row a --cols function cannot map is skipped, kept or not, so what is
  // skipped does not depend on the rows that came before it.
  for (size_t i = 0; i < fn_values_.size(); ++i) {
    if (query_.key_fns[i].none()) continue;
    std::string_view f = FieldValue<kStored>(fields[col_slots_[i]], &fn_scratch_);  // (value_text_ may be in scratch_)
    if (f.empty()) {
      fn_values_[i].clear();  // NULL, and so is its function's
    } else if (!query_.key_fns[i].Apply(f, &fn_values_[i])) {
      *status = skips_.SkipAt(at, fn_reasons_[i]);
      return false;
    }
  }
  return true;
}

template <bool kStored>
Status TopSink::Keep(const std::string_view* fields, uint64_t at) {
  // (A task's rows are all of one object: its place is set when it is committed.)
  if (!out_->Wants(value_, 0, at)) return Status::OK();
  TopRow row;
  row.value = value_;
  row.value_text = std::string(value_text_);
  row.at = at;
  row.fields.reserve(col_slots_.size());
  for (size_t i = 0; i < col_slots_.size(); ++i) {
    if (i < fn_values_.size() && !query_.key_fns[i].none()) {
      row.fields.push_back(fn_values_[i]);
    } else {
      row.fields.emplace_back(FieldValue<kStored>(fields[col_slots_[i]], &scratch_));
    }
  }
  out_->Offer(std::move(row));
  return Status::OK();
}

template <bool kStored>
Status TopSink::Accept(const std::string_view* fields, uint64_t at) {
  Status st;
  if (!Qualifies<kStored>(fields, at, &st)) return st;
  return Keep<kStored>(fields, at);
}

Status TopSink::OnRow(const csv::Row& row) {
  if (row.offset == header_offset_) return Status::OK();
  ++stats_->rows;
  if (!picker_.Pick(row)) return skips_.SkipAt(row.offset, kTooFewFields);
  return Accept<true>(picker_.fields(), row.offset);
}

Status TopSink::OnUnterminatedRow(uint64_t offset, const std::string&) {
  ++stats_->rows;
  return skips_.SkipAt(offset, csv::kUnterminatedQuote);
}

Status TopSink::OnBatch(const ColumnBatch& batch) {
  return ForEachBatchRow(batch, picker_.wanted().size(), &row_fields_, [this](const std::string_view* f, uint64_t at) {
    ++stats_->rows;
    return Accept<false>(f, at);
  });
}

Status TopSink::OnProbe(const ColumnBatch& batch, std::vector<uint32_t>* wanted) {
  if (batch.columns.size() != picker_.wanted().size()) return Status::Internal("a probe batch of the wrong width");
  row_fields_.assign(batch.columns.size(), std::string_view());
  probe_best_ = TopRows(out_->n(), out_->desc());
  for (size_t r = 0; r < batch.rows; ++r) {
    ++stats_->rows;
    for (size_t k : probe_slots_) row_fields_[k] = batch.columns[k][r];
    const uint64_t at = batch.first_row + r;
    Status st;
    if (!Qualifies<false>(row_fields_.data(), at, &st)) {
      RETURN_IF_ERROR(st);
      continue;
    }
    if (!out_->Wants(value_, 0, at) || !probe_best_.Wants(value_, 0, at)) continue;
    if (bound_ != nullptr && !bound_->Wants(value_, object_, at)) continue;  // beaten elsewhere already
    TopRow row;
    row.value = value_;
    row.at = at;
    probe_best_.Offer(std::move(row));
  }
  for (const TopRow& row : probe_best_.rows()) wanted->push_back(static_cast<uint32_t>(row.at - batch.first_row));
  std::sort(wanted->begin(), wanted->end());
  return Status::OK();
}

Status TopSink::OnWanted(const ColumnBatch& batch, const std::vector<uint32_t>& wanted) {
  if (batch.columns.size() != picker_.wanted().size()) return Status::Internal("a batch of the wrong width");
  row_fields_.resize(batch.columns.size());
  for (uint32_t r : wanted) {
    for (size_t k = 0; k < row_fields_.size(); ++k) row_fields_[k] = batch.columns[k][r];
    const uint64_t at = batch.first_row + r;
    Status st;
    // (It qualified in OnProbe, so it does again, skipping nothing.)
    if (!Qualifies<false>(row_fields_.data(), at, &st)) return Status::Internal("a wanted row that does not qualify");
    RETURN_IF_ERROR(Keep<false>(row_fields_.data(), at));
  }
  return Status::OK();
}

Status TopSink::OnRowGroup(const std::vector<FieldSummary>& fields, uint64_t rows, bool* read) {
  *read = NeedRowGroup(query_, filter_.slots(), fields, rows, strict_, stats_);
  if (!*read || !query_.filters.empty() || value_slot_ >= fields.size()) return Status::OK();
  // No row of a stretch whose best value cannot beat the worst row kept can be
  // kept (its rows come after the kept ones, so a tie loses too). Only when the
  // stretch holds numbers alone: then reading it would skip nothing either.
  const FieldSummary& s = fields[value_slot_];
  if (!s.known || !s.numeric || s.nulls > 0 || s.may_hold_nan) return Status::OK();
  TopValue best;
  if (!best.Parse(out_->desc() ? s.max : s.min)) return Status::OK();
  if (out_->size() < out_->n() || out_->Wants(best, 0, UINT64_MAX)) return Status::OK();
  *read = false;
  ++stats_->row_groups_skipped;
  stats_->rows += rows;
  return Status::OK();
}

}  // namespace fanout::ops

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

TopSink::TopSink(const Query& query, const ResolvedQuery& resolved, bool all_columns, size_t header_fields,
                 uint64_t header_offset, bool strict, RowStats* stats, TopRows* out)
    : query_(query),
      header_offset_(header_offset),
      stats_(stats),
      skips_(stats, strict),
      strict_(strict),
      out_(out),
      picker_([&] {
        std::vector<int> all = resolved.AllFields();
        for (size_t i = 0; all_columns && i < header_fields; ++i) all.push_back(static_cast<int>(i));
        return all;
      }()),
      filter_(query, resolved, picker_) {
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
}

template <bool kStored>
Status TopSink::Accept(const std::string_view* fields, uint64_t at) {
  bool keep;
  RETURN_IF_ERROR(filter_.Apply<kStored>(fields, at, &skips_, &keep));
  if (!keep) return Status::OK();
  std::string_view v = FieldValue<kStored>(fields[value_slot_], &scratch_);
  if (!value_.Parse(v)) return skips_.SkipAt(at, value_reason_);
  // Every row a --cols function cannot map is skipped, kept or not, so what is
  // skipped does not depend on the rows that came before it.
  for (size_t i = 0; i < fn_values_.size(); ++i) {
    if (query_.key_fns[i].none()) continue;
    std::string_view f = FieldValue<kStored>(fields[col_slots_[i]], &fn_scratch_);  // v may be in scratch_
    if (f.empty()) {
      fn_values_[i].clear();  // NULL, and so is its function's
    } else if (!query_.key_fns[i].Apply(f, &fn_values_[i])) {
      return skips_.SkipAt(at, fn_reasons_[i]);
    }
  }
  // (A task's rows are all of one object: its place is set when it is committed.)
  if (!out_->Wants(value_, 0, at)) return Status::OK();
  TopRow row;
  row.value = value_;
  row.value_text = std::string(v);
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

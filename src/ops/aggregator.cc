#include "ops/aggregator.h"

#include "core/number.h"

namespace fanout::ops {

const char* const kTooFewFields = "too few fields";

Aggregator::Aggregator(const Query& query, const ResolvedQuery& resolved, Partial* out,
                       uint64_t header_offset, bool strict)
    : query_(query),
      resolved_(resolved),
      out_(out),
      header_offset_(header_offset),
      skips_(&out->stats(), strict),
      picker_(resolved.AllFields()),
      values_(query.aggs.size()) {
  for (int i : resolved.keys) key_slots_.push_back(picker_.SlotOf(i));
  for (int i : resolved.filters) filter_slots_.push_back(picker_.SlotOf(i));
  for (int i : resolved.aggs) agg_slots_.push_back(picker_.SlotOf(i));
  for (const AggSpec& a : query.aggs) non_numeric_reasons_.push_back(NonNumericReason(a.column));
  for (const Filter& f : query.filters) non_numeric_filter_reasons_.push_back(NonNumericReason(f.column));
}

std::string NonNumericReason(const csv::ColumnSpec& column) { return "non-numeric " + column.label; }

Status SkipTracker::SkipAt(uint64_t offset, const std::string& reason) {
  ++stats_->skipped[reason];
  if (!has_first_) {
    has_first_ = true;
    first_ = {offset, reason};
  }
  if (strict_) return Status::Corrupt(reason);
  return Status::OK();
}

template <bool kStored>
[[gnu::always_inline]] inline uint32_t Aggregator::GroupOf(const std::string_view* fields) {
  uint64_t packed = 0;
  bool small = resolved_.keys.size() == 1;
  if (small) {
    std::string_view f = fields[key_slots_[0]];
    // (A stored field that starts with a quote is not its value.)
    small = f.size() <= SmallKeyMap::kMaxKeyBytes && (!kStored || f.empty() || f[0] != '"');
    if (small) {
      packed = SmallKeyMap::Pack(f);
      uint32_t g = small_keys_.Find(packed);
      if (g != SmallKeyMap::kMissing) return g;
    }
  }
  key_.clear();
  for (size_t slot : key_slots_) AppendKeyField(&key_, FieldValue<kStored>(fields[slot], &scratch_));
  uint32_t g = out_->TryGroup(key_, GroupTable::Hash(key_));
  if (small && g != Partial::kNoGroup) small_keys_.Insert(packed, g);
  return g;
}

Status Aggregator::OnUnterminatedRow(uint64_t offset, const std::string&) {
  ++out_->stats().rows;
  return skips_.SkipAt(offset, csv::kUnterminatedQuote);
}

template <bool kStored>
[[gnu::always_inline]] inline Status Aggregator::Accept(const std::string_view* fields, uint64_t at) {
  for (size_t i = 0; i < query_.filters.size(); ++i) {
    std::string_view v = FieldValue<kStored>(fields[filter_slots_[i]], &scratch_);
    FilterResult r = query_.filters[i].Test(v, &filter_scratch_);
    if (r == FilterResult::kNo) return Status::OK();
    if (r == FilterResult::kNotANumber) return skips_.SkipAt(at, non_numeric_filter_reasons_[i]);
  }
  for (size_t a = 0; a < query_.aggs.size(); ++a) {
    std::string_view v = FieldValue<kStored>(fields[agg_slots_[a]], &scratch_);
    Value& x = values_[a];
    if (!ParseNumber(v, &x.scaled, &x.plain, &x.wide)) return skips_.SkipAt(at, non_numeric_reasons_[a]);
  }
  uint32_t g = GroupOf<kStored>(fields);
  if (g == Partial::kNoGroup) return GroupMemoryError();
  ++out_->count(g);
  for (size_t a = 0; a < query_.aggs.size(); ++a) {
    const Value& x = values_[a];
    if (x.plain) {
      out_->cell(g, a).AddPlain(x.scaled);
    } else {
      out_->cell(g, a).AddWide(x.wide);
    }
  }
  return Status::OK();
}

Status Aggregator::OnRow(const csv::Row& row) {
  if (row.offset == header_offset_) return Status::OK();
  ++out_->stats().rows;
  if (!picker_.Pick(row)) return skips_.SkipAt(row.offset, kTooFewFields);
  return Accept<true>(picker_.fields(), row.offset);
}

Status Aggregator::OnBatch(const ColumnBatch& batch) {
  return ForEachBatchRow(batch, picker_.wanted().size(), &row_fields_, [this](const std::string_view* f, uint64_t at) {
    ++out_->stats().rows;
    return Accept<false>(f, at);
  });
}

}  // namespace fanout::ops

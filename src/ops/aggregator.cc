#include "ops/aggregator.h"

#include <algorithm>
#include <limits>

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
      strict_(strict),
      picker_(resolved.AllFields()),
      filter_(query, resolved, picker_),
      values_(query.aggs.size()) {
  for (int i : resolved.keys) key_slots_.push_back(picker_.SlotOf(i));
  for (int i : resolved.aggs) agg_slots_.push_back(picker_.SlotOf(i));
  for (size_t a = 0; a < agg_slots_.size(); ++a) {
    pair_owner_.push_back(static_cast<size_t>(std::find(agg_slots_.begin(), agg_slots_.end(), agg_slots_[a]) -
                                              agg_slots_.begin()));
    one_column_ = one_column_ && pair_owner_[a] == 0;
  }
  for (const AggSpec& a : query.aggs) {
    non_numeric_reasons_.push_back(a.kind == AggKind::kSquares ? "out of range for stddev_" + a.column.label
                                                               : NonNumericReason(a.column));
    has_squares_ = has_squares_ || a.kind == AggKind::kSquares;
  }
  for (size_t k = 0; k < query.key_fns.size(); ++k) {
    key_fn_reasons_.push_back(query.key_fns[k].SkipReason(query.keys[k].label));
  }
}

std::string NonNumericReason(const csv::ColumnSpec& column) { return "non-numeric " + column.label; }

bool SquareValue(__int128* scaled, bool* plain, Decimal* wide) {
  if (*plain) {
    // |u| below 1.3e19 units squares within 128 bits; the square is plain when
    // it has at most 9 fraction digits (the value at most 4: 2.25^2 = 5.0625).
    const __int128 u = *scaled;
    __int128 sq;
    if (!__builtin_mul_overflow(u, u, &sq) && sq % kDecimalScale == 0) {
      *scaled = sq / kDecimalScale;
      return true;
    }
    *wide = DecimalFromScaled(u);
    *plain = false;
  }
  // Squares must stay within what an exact sum holds (core/exact_sum.h).
  if (!wide->zero() && (wide->top() >= kMaxSquaredPower || wide->exponent < -kMaxSquaredPower)) return false;
  *wide = MultiplyDecimal(*wide, *wide);
  return true;
}

bool NeedRowGroup(const Query& query, const std::vector<size_t>& slots, const std::vector<FieldSummary>& fields,
                  uint64_t rows, bool strict, RowStats* stats) {
  ++stats->row_groups;
  if (!query.where.empty()) return true;
  const std::vector<Filter>& filters = query.filters;
  uint64_t null_skips = 0;
  // (--strict reads what could hide a NaN or holds a NULL, so that either is the
  // error it would be.)
  int f = ExcludingFilter(filters, slots, fields, !strict, &null_skips);
  if (f < 0 || (null_skips > 0 && strict)) return true;
  ++stats->row_groups_skipped;
  stats->rows += rows;
  if (null_skips > 0) stats->skipped[NonNumericReason(filters[f].column)] += null_skips;
  return false;
}

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
  bool keep;
  RETURN_IF_ERROR(filter_.Apply<kStored>(fields, at, &skips_, &keep));
  if (!keep) return Status::OK();
  for (size_t a = 0; a < query_.aggs.size(); ++a) {
    std::string_view v = FieldValue<kStored>(fields[agg_slots_[a]], &scratch_);
    Value& x = values_[a];
    if (!ParseNumber(v, &x.scaled, &x.plain, &x.wide)) return skips_.SkipAt(at, non_numeric_reasons_[a]);
  }
  if (has_squares_) [[unlikely]] {
    for (size_t a = 0; a < query_.aggs.size(); ++a) {
      if (query_.aggs[a].kind == AggKind::kSquares && !SquareValue(&values_[a].scaled, &values_[a].plain, &values_[a].wide)) {
        return skips_.SkipAt(at, non_numeric_reasons_[a]);
      }
    }
  }
  uint32_t g;
  if (!query_.key_fns.empty()) {  // key expressions: each field mapped before it is a key's
    key_.clear();
    for (size_t k = 0; k < key_slots_.size(); ++k) {
      std::string_view v = FieldValue<kStored>(fields[key_slots_[k]], &scratch_);
      const KeyFn& fn = query_.key_fns[k];
      if (fn.none() || v.empty()) {  // (an empty value is NULL, and so is its function's)
        AppendKeyField(&key_, v);
      } else if (fn.Apply(v, &key_value_)) {
        AppendKeyField(&key_, key_value_);
      } else {
        return skips_.SkipAt(at, key_fn_reasons_[k]);
      }
    }
    if (last_group_ != Partial::kNoGroup && key_ == last_key_) {
      g = last_group_;
    } else {
      g = out_->TryGroup(key_, GroupTable::Hash(key_));
      if (g != Partial::kNoGroup) {
        last_key_ = key_;
        last_group_ = g;
      }
    }
  } else {
    g = GroupOf<kStored>(fields);
  }
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

bool Aggregator::CanUseCodes(const ColumnBatch& batch) const {
  if (!query_.filters.empty() || key_slots_.size() > 1 || !query_.key_fns.empty() || has_squares_) return false;
  if (batch.columns.size() != picker_.wanted().size()) return false;
  for (size_t slot : key_slots_) {
    if (!batch.columns[slot].coded()) return false;
  }
  for (size_t slot : agg_slots_) {
    if (!batch.columns[slot].coded()) return false;
  }
  return true;
}

Status Aggregator::OnCodedBatch(const ColumnBatch& batch) {
  row_fields_.resize(batch.columns.size());
  const BatchColumn* key = key_slots_.empty() ? nullptr : &batch.columns[key_slots_[0]];
  if (key != nullptr && key_dictionary_ != key->dictionary_id) {
    key_dictionary_ = key->dictionary_id;
    code_groups_.assign(key->dictionary_size, Partial::kNoGroup);
  }
  code_values_.resize(agg_slots_.size());
  for (size_t a = 0; a < agg_slots_.size(); ++a) {
    const BatchColumn& c = batch.columns[agg_slots_[a]];
    CodedValues& v = code_values_[a];
    if (v.dictionary != c.dictionary_id) {  // a new dictionary: every entry parsed once
      v.dictionary = c.dictionary_id;
      v.state.assign(c.dictionary_size, kNotANumber);
      v.scaled.assign(c.dictionary_size, 0);
      v.wide.clear();
      Value x;
      for (size_t code = 0; code < c.dictionary_size; ++code) {
        if (!ParseNumber(c.dictionary[code], &x.scaled, &x.plain, &x.wide)) continue;
        if (x.plain) {
          v.state[code] = kPlain;
          v.scaled[code] = x.scaled;
        } else {
          v.state[code] = kWide;
          if (v.wide.empty()) v.wide.resize(c.dictionary_size);
          v.wide[code] = std::move(x.wide);
        }
      }
    }
  }
  // The group of key code `code` (of the one group when there is no key).
  uint32_t no_key_group = Partial::kNoGroup;
  auto group_of = [&](uint32_t code) -> uint32_t {
    uint32_t& g = key != nullptr ? code_groups_[code] : no_key_group;
    if (g == Partial::kNoGroup) {
      if (key != nullptr) row_fields_[key_slots_[0]] = key->dictionary[code];
      g = GroupOf<false>(row_fields_.data());
    }
    return g;
  };
  out_->stats().rows += batch.rows;
  if (agg_slots_.empty()) {  // a count: rows per code, then each code's group once
    if (key == nullptr) {
      uint32_t g = group_of(0);
      if (g == Partial::kNoGroup) return GroupMemoryError();
      out_->count(g) += batch.rows;
      return Status::OK();
    }
    const size_t n = key->dictionary_size;
    if (n <= 256) {  // four interleaved counters per code: no store-to-load stall on runs of one value
      code_counts_.assign(4 * n, 0);
      uint64_t* c = code_counts_.data();
      const uint32_t* codes = key->codes;
      size_t r = 0;
      for (; r + 4 <= batch.rows; r += 4) {
        ++c[4 * codes[r]];
        ++c[4 * codes[r + 1] + 1];
        ++c[4 * codes[r + 2] + 2];
        ++c[4 * codes[r + 3] + 3];
      }
      for (; r < batch.rows; ++r) ++c[4 * codes[r]];
      for (size_t code = 0; code < n; ++code) c[code] = c[4 * code] + c[4 * code + 1] + c[4 * code + 2] + c[4 * code + 3];
      code_counts_.resize(n);
    } else {
      code_counts_.assign(n, 0);
      for (size_t r = 0; r < batch.rows; ++r) ++code_counts_[key->codes[r]];
    }
    for (uint32_t code = 0; code < code_counts_.size(); ++code) {
      if (code_counts_[code] == 0) continue;
      uint32_t g = group_of(code);
      if (g == Partial::kNoGroup) return GroupMemoryError();
      out_->count(g) += code_counts_[code];
    }
    return Status::OK();
  }
  // Rows of plain values are counted per (key code, value code) pair of each
  // input column, and each pair added once, times its rows, when the pairs are
  // few enough to count in place; other rows are added one by one.
  const size_t keys = key != nullptr ? key->dictionary_size : 1;
  bool pairs = batch.rows <= std::numeric_limits<uint32_t>::max();
  for (size_t slot : agg_slots_) pairs = pairs && keys * batch.columns[slot].dictionary_size <= kMaxPairs;
  if (pairs) {
    pair_counts_.resize(agg_slots_.size());
    touched_pairs_.resize(agg_slots_.size());
    for (size_t a = 0; a < agg_slots_.size(); ++a) {
      if (pair_owner_[a] != a) continue;
      size_t n = keys * batch.columns[agg_slots_[a]].dictionary_size;
      if (pair_counts_[a].size() != n) {
        pair_counts_[a].assign(n, 0);
      } else {
        for (uint32_t at : touched_pairs_[a]) pair_counts_[a][at] = 0;  // (after a batch that stopped early)
      }
      touched_pairs_[a].clear();
    }
  }
  // A row added alone: a value that is not plain, or pairs not counted.
  auto one_row = [&](size_t r) -> Status {
    const uint32_t kc = key != nullptr ? key->codes[r] : 0;
    for (size_t a = 0; a < agg_slots_.size(); ++a) {
      if (code_values_[a].state[batch.columns[agg_slots_[a]].codes[r]] == kNotANumber) {
        return skips_.SkipAt(batch.first_row + r, non_numeric_reasons_[a]);
      }
    }
    uint32_t g = group_of(kc);
    if (g == Partial::kNoGroup) return GroupMemoryError();
    ++out_->count(g);
    for (size_t a = 0; a < agg_slots_.size(); ++a) {
      const CodedValues& v = code_values_[a];
      const uint32_t code = batch.columns[agg_slots_[a]].codes[r];
      if (v.state[code] == kPlain) {
        out_->cell(g, a).AddPlain(v.scaled[code]);
      } else {
        out_->cell(g, a).AddWide(v.wide[code]);
      }
    }
    return Status::OK();
  };
  if (pairs && one_column_) {  // the common case, in a loop of its own
    const BatchColumn& c = batch.columns[agg_slots_[0]];
    const uint32_t* key_codes = key != nullptr ? key->codes : nullptr;
    const uint32_t* value_codes = c.codes;
    const uint8_t* state = code_values_[0].state.data();
    const size_t values = c.dictionary_size;
    uint32_t* counts = pair_counts_[0].data();
    std::vector<uint32_t>& touched = touched_pairs_[0];
    for (size_t r = 0; r < batch.rows; ++r) {
      const uint32_t vc = value_codes[r];
      if (state[vc] != kPlain) [[unlikely]] {  // (every aggregate's column, parsed alike)
        RETURN_IF_ERROR(one_row(r));
        continue;
      }
      const size_t at = (key_codes != nullptr ? key_codes[r] : 0) * values + vc;
      if (counts[at]++ == 0) touched.push_back(static_cast<uint32_t>(at));
    }
  } else {
    for (size_t r = 0; r < batch.rows; ++r) {
      const uint32_t kc = key != nullptr ? key->codes[r] : 0;
      bool plain = pairs;
      for (size_t a = 0; a < agg_slots_.size(); ++a) {
        plain = plain && code_values_[a].state[batch.columns[agg_slots_[a]].codes[r]] == kPlain;
      }
      if (!plain) {
        RETURN_IF_ERROR(one_row(r));
        continue;
      }
      for (size_t a = 0; a < agg_slots_.size(); ++a) {
        if (pair_owner_[a] != a) continue;
        const BatchColumn& c = batch.columns[agg_slots_[a]];
        size_t at = kc * c.dictionary_size + c.codes[r];
        if (pair_counts_[a][at]++ == 0) touched_pairs_[a].push_back(static_cast<uint32_t>(at));
      }
    }
  }
  if (!pairs) return Status::OK();
  // (Counters are zeroed when the next batch starts, which also covers a batch
  // that stopped early.)
  for (size_t o = 0; o < agg_slots_.size(); ++o) {
    if (pair_owner_[o] != o) continue;
    const size_t values = batch.columns[agg_slots_[o]].dictionary_size;
    std::vector<uint32_t>& counts = pair_counts_[o];
    for (uint32_t at : touched_pairs_[o]) {
      const uint32_t kc = static_cast<uint32_t>(at / values), vc = static_cast<uint32_t>(at % values);
      const uint64_t rows = counts[at];
      uint32_t g = group_of(kc);
      if (g == Partial::kNoGroup) return GroupMemoryError();
      if (o == 0) out_->count(g) += rows;  // (aggregate 0's column counts each row once)
      for (size_t a = o; a < agg_slots_.size(); ++a) {
        if (pair_owner_[a] == o) out_->cell(g, a).AddPlainTimes(code_values_[a].scaled[vc], rows);
      }
    }
  }
  return Status::OK();
}

Status Aggregator::OnRowGroup(const std::vector<FieldSummary>& fields, uint64_t rows, bool* read) {
  *read = NeedRowGroup(query_, filter_.slots(), fields, rows, strict_, &out_->stats());
  return Status::OK();
}

Status Aggregator::OnBatch(const ColumnBatch& batch) {
  if (CanUseCodes(batch)) return OnCodedBatch(batch);
  return ForEachBatchRow(batch, picker_.wanted().size(), &row_fields_, [this](const std::string_view* f, uint64_t at) {
    ++out_->stats().rows;
    return Accept<false>(f, at);
  });
}

}  // namespace fanout::ops

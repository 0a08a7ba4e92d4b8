// libFuzzer target: what the coordinator does with a worker's result —
// Partial::Deserialize, Partial::Check against the query, Merge into the total —
// on arbitrary bytes, and on valid partials with one byte changed. Nothing may
// crash, and a result that passes the check must merge into a partial that
// passes it too, survive the encoding unchanged, and print. Built with
// -DFANOUT_FUZZ=ON (clang); run by `scripts/dev.sh fuzz`.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/number.h"
#include "ops/partial.h"
#include "ops/query.h"

namespace {

using fanout::Decimal;
using fanout::ops::AggCell;
using fanout::ops::Partial;
using fanout::ops::Query;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz: %s\n", what);
    std::abort();
  }
}

Query ShapeQuery(size_t keys, size_t aggs) {
  Query q;
  for (size_t i = 0; i < keys; ++i) q.keys.push_back(*fanout::csv::ColumnSpec::Parse(std::to_string(i + 1)));
  for (size_t i = 0; i < aggs; ++i) q.aggs.push_back({fanout::ops::AggKind::kSum, *fanout::csv::ColumnSpec::Parse("9")});
  return q;
}

// Reads the input a piece at a time; runs dry into zeros.
class Input {
 public:
  Input(const uint8_t* data, size_t size) : in_(reinterpret_cast<const char*>(data), size) {}
  uint8_t Byte() {
    if (in_.empty()) return 0;
    uint8_t b = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return b;
  }
  std::string_view Text(size_t max) {
    size_t n = std::min<size_t>(Byte() % (max + 1), in_.size());
    std::string_view t = in_.substr(0, n);
    in_.remove_prefix(n);
    return t;
  }
  std::string_view rest() const { return in_; }
  bool empty() const { return in_.empty(); }

 private:
  std::string_view in_;
};

// A valid partial of the query's shape, built from the input through the
// aggregator's own calls: numbers parsed from input text, a group per key.
Partial Build(Input* in, const Query& q) {
  Partial p(q.aggs.size());
  int rows = in->Byte() % 16;
  for (int r = 0; r < rows; ++r) {
    ++p.stats().rows;
    if (in->Byte() % 5 == 0) {
      ++p.stats().skipped[in->Byte() % 2 ? "too few fields" : "non-numeric x"];
      continue;
    }
    std::string key;
    for (size_t k = 0; k < q.keys.size(); ++k) fanout::ops::AppendKeyField(&key, in->Text(3));
    uint32_t g = p.Group(key);
    ++p.count(g);
    for (size_t a = 0; a < q.aggs.size(); ++a) {
      __int128 scaled;
      bool plain;
      Decimal wide;
      if (!fanout::ParseNumber(in->Text(24), &scaled, &plain, &wide)) {
        plain = true;
        scaled = 0;
      }
      if (plain) {
        p.cell(g, a).AddPlain(scaled);
      } else {
        p.cell(g, a).AddWide(wide);
      }
    }
  }
  return p;
}

void Print(const AggCell& c) {
  if (c.n == 0) return;
  (void)fanout::FormatDecimal(c.Sum());
  (void)fanout::FormatDouble(c.Mean());
  for (const Decimal& d : {c.Min(), c.Max()}) {
    Decimal back;
    Check(fanout::ParseDecimal(fanout::FormatDecimal(d), &back) && back == d, "an extreme does not read back");
  }
}

// What the coordinator does with a result that arrives.
void Accept(std::string_view bytes, const Query& q, Partial* total) {
  fanout::Result<Partial> p = Partial::Deserialize(bytes);
  if (!p.ok() || !p->Check(q).ok()) return;
  uint64_t rows;
  if (__builtin_add_overflow(total->stats().rows, p->stats().rows, &rows)) return;  // the coordinator refuses it too
  total->Merge(*p);
  Check(total->Check(q).ok(), "merging a checked result broke the total");
  fanout::Result<Partial> again = Partial::Deserialize(total->Serialize());
  Check(again.ok() && again->Serialize() == total->Serialize(), "the merged total does not survive its encoding");
  for (uint32_t g = 0; g < total->num_groups(); ++g) {
    for (size_t a = 0; a < total->num_aggs(); ++a) Print(total->cell(g, a));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  uint8_t shape = in.Byte();
  Query q = ShapeQuery(1 + shape % 3, (shape / 3) % 4);
  uint8_t mode = in.Byte();
  Partial total = Build(&in, q);
  Check(total.Check(q).ok(), "a partial built by the aggregator's calls fails the check");
  if (mode % 2 == 0) {
    Accept(in.rest(), q, &total);  // arbitrary bytes
    return 0;
  }
  // A valid result with one byte changed (or none).
  std::string bytes = Build(&in, q).Serialize();
  size_t at = (static_cast<size_t>(in.Byte()) << 8 | in.Byte()) % (bytes.size() + 1);
  if (at < bytes.size()) bytes[at] = static_cast<char>(bytes[at] ^ in.Byte());
  Accept(bytes, q, &total);
  return 0;
}

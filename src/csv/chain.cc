#include "csv/chain.h"

#include <cstring>

namespace fanout::csv {

namespace {
constexpr unsigned kQuoteBits = 3;
constexpr unsigned kMaxLineEnd = static_cast<unsigned>(LineEnd::kCr);
constexpr unsigned kMaxQuote = static_cast<unsigned>(QuoteState::kUnquoted);
}  // namespace

LineEnd GuessLineEnd(const char* data, size_t n) {
  if (std::memchr(data, '\n', n) != nullptr) return LineEnd::kLf;
  if (std::memchr(data, '\r', n) != nullptr) return LineEnd::kCr;
  return LineEnd::kLf;
}

bool RangeStart::FromCode(uint8_t code, RangeStart* out) {
  unsigned q = code & kQuoteBits, l = code >> 2;
  if (q > kMaxQuote || l > kMaxLineEnd) return false;
  out->quote = static_cast<QuoteState>(q);
  out->line_end = static_cast<LineEnd>(l);
  return true;
}

bool ReadAlike(const RangeEnd& range, RangeStart truth) {
  const RangeStart& used = range.used;
  if (used.line_end != truth.line_end) return false;
  if (used.quote == truth.quote) return true;
  bool outside = used.quote != QuoteState::kQuoted && truth.quote != QuoteState::kQuoted;
  return outside && !range.quote_at_begin;
}

Result<ChainVerdict> CheckChain(const std::vector<RangeEnd>& ranges, const std::string& object) {
  bool lf = false, cr = false;
  for (const RangeEnd& r : ranges) {
    lf = lf || r.saw_lf;
    cr = cr || r.saw_cr;
  }
  LineEnd truth = lf || !cr ? LineEnd::kLf : LineEnd::kCr;
  if (!ranges.empty() && ranges[0].used.line_end != truth) {
    return Status::Corrupt(
        object + (truth == LineEnd::kLf
                      ? ": its first 64 KiB end lines with a lone '\\r' but a '\\n' follows later; mixed line ends "
                        "cannot be read exactly (convert the object to one kind)"
                      : ": no line end in its first 64 KiB, and lines end with a lone '\\r' after that; this cannot "
                        "be read exactly (convert its line ends to '\\n')"));
  }
  ChainVerdict v;
  v.start = RangeStart{QuoteState::kFieldStart, truth};
  for (; v.rerun < ranges.size(); ++v.rerun) {
    if (!ReadAlike(ranges[v.rerun], v.start)) return v;
    v.start.quote = ranges[v.rerun].quote;
  }
  return v;
}

}  // namespace fanout::csv

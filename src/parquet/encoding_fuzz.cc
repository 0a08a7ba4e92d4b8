// libFuzzer target: the Parquet value decoders and page codecs on arbitrary bytes.
// The first byte chooses the decoder, the next ones its parameters (bit width, value
// count, width, codec, uncompressed size); the rest is its input. Nothing may crash,
// read out of bounds or overflow; where two paths read the same bytes (RleDecoder's
// Get and NextRun, DecompressPage and DecompressPageView, CompressPage and
// DecompressPage) they must agree. Built with -DFANOUT_FUZZ=ON (clang); run by
// `scripts/dev.sh fuzz`.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "parquet/compression.h"
#include "parquet/encoding.h"

namespace {

using namespace fanout::parquet;

// Values asked of one decoder: enough to cross blocks, few enough to stay fast.
constexpr size_t kMaxValues = 1 << 14;
// Uncompressed sizes asked of the codecs.
constexpr size_t kMaxFuzzPageBytes = 1 << 20;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz: %s\n", what);
    std::abort();
  }
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
  size_t Count(size_t max) {
    size_t v = Byte();
    v = v << 8 | Byte();
    return v % (max + 1);
  }
  std::string_view rest() const { return in_; }

 private:
  std::string_view in_;
};

void FuzzRle(Input& in) {
  int width = in.Byte() % 34;  // 33 must be refused
  size_t n = in.Count(kMaxValues);
  std::string data(in.rest());  // an exact-size copy, so reads past the end are caught
  std::vector<uint32_t> got(n);
  RleDecoder whole(data, width);
  bool ok = whole.Get(got.data(), n).ok();
  Check(whole.consumed() <= data.size(), "RLE consumed past the end");
  // The same values through NextRun, in slices.
  RleDecoder runs(data, width);
  std::vector<uint32_t> literals(64), seen;
  bool runs_ok = true;
  while (seen.size() < n) {
    RleDecoder::Run run;
    if (!runs.NextRun(std::min<size_t>(n - seen.size(), 1 + seen.size() % 64), &run, literals.data()).ok()) {
      runs_ok = false;
      break;
    }
    if (run.count == 0) break;
    Check(run.count <= 64, "NextRun gave more than asked");
    if (run.repeated) {
      seen.insert(seen.end(), run.count, run.value);
    } else {
      seen.insert(seen.end(), literals.begin(), literals.begin() + run.count);
    }
  }
  if (ok) {
    Check(runs_ok && seen == got, "Get and NextRun disagree");
    if (width > 0 && width < 32) {
      for (uint32_t v : got) Check(v >> width == 0, "RLE value wider than its bit width");
    }
  } else if (n > 0) {  // Get refuses a bad bit width even for no values
    Check(!runs_ok || seen.size() < n, "NextRun read values Get could not");
  }
}

void FuzzDelta(Input& in, bool wide) {
  size_t n = in.Count(kMaxValues);
  std::string data(in.rest());
  size_t consumed = 0;
  if (wide) {
    std::vector<int64_t> out(n);
    if (DecodeDeltaBinaryPacked(data, n, out.data(), &consumed).ok()) Check(consumed <= data.size(), "delta consumed");
  } else {
    std::vector<int32_t> out(n);
    if (DecodeDeltaBinaryPacked32(data, n, out.data(), &consumed).ok()) Check(consumed <= data.size(), "delta consumed");
  }
}

void CheckViews(const std::vector<std::string_view>& views, std::string_view within) {
  for (std::string_view v : views) {
    Check(v.empty() || (v.data() >= within.data() && v.data() + v.size() <= within.data() + within.size()),
          "a value views bytes outside its buffer");
  }
}

void FuzzByteArrays(Input& in, int which) {
  size_t n = in.Count(kMaxValues);
  std::string data(in.rest());
  std::vector<std::string_view> out(n);
  size_t consumed = 0;
  if (which == 0) {
    if (DecodeDeltaLengthByteArray(data, n, out.data()).ok()) CheckViews(out, data);
  } else if (which == 1) {
    std::string arena;
    if (DecodeDeltaByteArray(data, n, &arena, out.data()).ok()) CheckViews(out, arena);
  } else if (DecodePlainByteArray(data, n, out.data(), &consumed).ok()) {
    Check(consumed <= data.size(), "plain consumed");
    CheckViews(out, data);
  }
}

void FuzzFixed(Input& in, int which) {
  size_t width = in.Byte() % 20;
  size_t n = in.Count(kMaxValues);
  int bit_width = in.Byte() % 34;
  std::string data(in.rest());
  std::vector<char> out(n * std::max<size_t>(width, 4));
  std::vector<uint8_t> booleans(n);
  std::vector<uint32_t> levels(n);
  size_t consumed = 0;
  switch (which) {
    case 0: (void)DecodeByteStreamSplit(data, n, width, out.data()); break;
    case 1:
      if (DecodePlainFixed(data, n, width, out.data(), &consumed).ok()) Check(consumed <= data.size(), "fixed");
      break;
    case 2:
      if (DecodePlainBoolean(data, n, booleans.data(), &consumed).ok()) {
        Check(consumed <= data.size(), "boolean consumed");
        for (uint8_t b : booleans) Check(b <= 1, "boolean not 0 or 1");
      }
      break;
    default:
      if (DecodeBitPacked(data, bit_width, n, levels.data(), &consumed).ok()) Check(consumed <= data.size(), "bp");
      break;
  }
}

void FuzzCodec(Input& in) {
  auto codec = static_cast<Codec>(in.Byte() % 9);  // 8 is no codec
  size_t size = in.Count(0xffff) * 16 % (kMaxFuzzPageBytes + 1);
  bool round_trip = in.Byte() % 4 == 0;
  std::string data(in.rest());
  std::string out;
  fanout::Status s = DecompressPage(codec, data, size, &out);
  if (s.ok()) Check(out.size() == size, "DecompressPage gave another size");
  std::string buffer;
  std::string_view view;
  fanout::Status v = DecompressPageView(codec, data, size, &buffer, &view);
  Check(v.ok() == s.ok() && (!s.ok() || view == out), "DecompressPageView disagrees with DecompressPage");
  if (round_trip) {
    std::string compressed, back;
    if (CompressPage(codec, data, &compressed, 1).ok()) {
      Check(DecompressPage(codec, compressed, data.size(), &back).ok() && back == data, "round trip");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  switch (in.Byte() % 12) {
    case 0: FuzzRle(in); break;
    case 1: FuzzDelta(in, true); break;
    case 2: FuzzDelta(in, false); break;
    case 3: FuzzByteArrays(in, 0); break;
    case 4: FuzzByteArrays(in, 1); break;
    case 5: FuzzByteArrays(in, 2); break;
    case 6: FuzzFixed(in, 0); break;
    case 7: FuzzFixed(in, 1); break;
    case 8: FuzzFixed(in, 2); break;
    case 9: FuzzFixed(in, 3); break;
    default: FuzzCodec(in); break;
  }
  return 0;
}

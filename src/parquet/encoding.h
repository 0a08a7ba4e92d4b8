// The value encodings of Parquet pages (Encodings.md in apache/parquet-format):
// PLAIN, the RLE / bit-packed hybrid, the deprecated BIT_PACKED, DELTA_BINARY_PACKED,
// DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and BYTE_STREAM_SPLIT.
//
// Every input comes from a file, so every length, count, bit width and run is
// checked against the bytes that are there: a decoder never reads past `data`,
// never allocates more than its output (DELTA_BYTE_ARRAY's arena, bounded by
// kMaxDeltaByteArrayBytes) and never loops for longer than the values asked for
// or the bytes given; bad data is Corrupt. `n` (how many values the caller wants)
// is the caller's, and the caller's output arrays hold n values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace fanout::parquet {

// The widest value the RLE / bit-packed hybrid and BIT_PACKED carry.
inline constexpr int kMaxRleBitWidth = 32;
// DELTA_BYTE_ARRAY rebuilds each value from its predecessor's prefix, so a few bytes
// can claim any amount of output: the arena is limited to this.
inline constexpr size_t kMaxDeltaByteArrayBytes = size_t{1} << 30;

// The RLE / bit-packed hybrid (definition and repetition levels, dictionary indices,
// RLE booleans), over exactly `data` (no length prefix: callers strip the 4-byte
// length of v1 levels themselves). A bit-packed run whose bytes are cut short by the
// end of data holds the values whose bits are all there. With bit width 0 every
// value is 0 and the values never run out (the runs there are read, for consumed(),
// and past them zeros follow). A bit width outside 0..32 makes every call Corrupt.
class RleDecoder {
 public:
  RleDecoder(std::string_view data, int bit_width);

  // The next n values; Corrupt when the data ends before n values.
  [[nodiscard]] Status Get(uint32_t* out, size_t n);

  // Runs, for counting without materialising values: the next run of at most
  // max_values values — a repeated run (repeated=true, value, count) or a slice of a
  // bit-packed run whose values are written to `literals` (count of them, at most
  // max_values). Corrupt on bad data; count 0 at the end of data.
  struct Run {
    bool repeated = false;
    uint32_t value = 0;
    size_t count = 0;
  };
  [[nodiscard]] Status NextRun(size_t max_values, Run* run, uint32_t* literals);

  // Bytes of data consumed so far (whole runs: a run counts once its header is read).
  size_t consumed() const { return pos_; }

 private:
  [[nodiscard]] Status NextHeader();  // starts the next run; Corrupt at the end of data
  void TakeLiterals(uint32_t* out, size_t n);  // n <= literal_left_
  void RefillGroup();

  std::string_view data_;
  int bit_width_;
  bool bad_width_;
  size_t pos_ = 0;             // where the next run header is
  size_t repeat_left_ = 0;     // values left in the current repeated run
  uint32_t repeat_value_ = 0;
  size_t literal_left_ = 0;    // values left in the current bit-packed run (buffered ones included)
  size_t literal_pos_ = 0;     // the next unread group of the bit-packed run
  size_t literal_end_ = 0;     // the end of the run's bytes (within data_)
  uint32_t group_[8] = {};     // one unpacked group, for requests that split a group
  size_t group_pos_ = 8;       // next value in group_ (8: none buffered)
};

// The deprecated BIT_PACKED level encoding: n values of bit_width (0..32) bits, most
// significant bit first; *consumed = ceil(n*bit_width/8).
[[nodiscard]] Status DecodeBitPacked(std::string_view data, int bit_width, size_t n, uint32_t* out,
                                     size_t* consumed);

// DELTA_BINARY_PACKED: the first n values of the encoded block (Corrupt if it holds
// fewer). Arithmetic wraps, as the spec says, in the column's width: for int32
// columns the first value and every minimum delta must fit int32 and miniblocks are
// at most 32 bits wide (64 for int64). *consumed = the bytes of the whole encoded
// block (all its values, not only the n asked for), so DELTA_LENGTH_BYTE_ARRAY and
// DELTA_BYTE_ARRAY can find what follows.
[[nodiscard]] Status DecodeDeltaBinaryPacked(std::string_view data, size_t n, int64_t* out, size_t* consumed);
[[nodiscard]] Status DecodeDeltaBinaryPacked32(std::string_view data, size_t n, int32_t* out, size_t* consumed);

// DELTA_LENGTH_BYTE_ARRAY: n values as views into data.
[[nodiscard]] Status DecodeDeltaLengthByteArray(std::string_view data, size_t n, std::string_view* out);

// DELTA_BYTE_ARRAY: n values; they are rebuilt into *arena (cleared first, sized once
// so views stay valid; at most kMaxDeltaByteArrayBytes) and viewed by out.
[[nodiscard]] Status DecodeDeltaByteArray(std::string_view data, size_t n, std::string* arena, std::string_view* out);

// BYTE_STREAM_SPLIT: the first n values of `width` bytes (4, 8, or a
// FIXED_LEN_BYTE_ARRAY length) back into their little-endian byte order at out
// (n*width bytes). `data` is the page's whole stream: its size, a multiple of width,
// fixes the length of each byte stream, and it must hold at least n values.
[[nodiscard]] Status DecodeByteStreamSplit(std::string_view data, size_t n, size_t width, char* out);

// PLAIN BYTE_ARRAY values (u32 little-endian length + bytes) as views; *consumed bytes used.
[[nodiscard]] Status DecodePlainByteArray(std::string_view data, size_t n, std::string_view* out, size_t* consumed);

// PLAIN booleans: n values (0 or 1), bit-packed LSB first; *consumed = ceil(n/8).
[[nodiscard]] Status DecodePlainBoolean(std::string_view data, size_t n, uint8_t* out, size_t* consumed);

// PLAIN fixed-width values (INT32, INT64, INT96, FLOAT, DOUBLE, FIXED_LEN_BYTE_ARRAY):
// n values of `width` bytes copied as stored (little-endian) to out; *consumed = n*width.
[[nodiscard]] Status DecodePlainFixed(std::string_view data, size_t n, size_t width, char* out, size_t* consumed);

}  // namespace fanout::parquet

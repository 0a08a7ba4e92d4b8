// Byte sizes: parsing "64MiB" / "2GB" from flags and printing them for people.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace fanout {

// Parses a byte size: a plain number of bytes, or a number with a unit
// (B, K/KB, M/MB, G/GB, T/TB are powers of 1000; KiB, MiB, GiB, TiB powers of 1024).
// Case-insensitive; fractions allowed ("1.5GB"). Returns InvalidArgument naming the text.
Result<uint64_t> ParseByteSize(std::string_view text);

// "1.23 GB", "512 B": decimal units, three significant digits.
std::string FormatBytes(uint64_t bytes);

// "1,234,567".
std::string FormatThousands(uint64_t n);

// "1 row", "1,234 rows": n with thousands separators and its noun, singular for
// 1 and `many` (default: `one` + "s") otherwise.
std::string CountOf(uint64_t n, std::string_view one, std::string_view many = {});

// "0.52 s", "1m 03s".
std::string FormatSeconds(double seconds);

}  // namespace fanout

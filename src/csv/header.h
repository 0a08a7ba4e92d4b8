// Headers and columns: reading an object's first row, deciding whether it is a
// header, and resolving a column given by index or name against it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "io/object_store.h"

namespace fanout::csv {

enum class HeaderMode { kAuto, kYes, kNo };

Result<HeaderMode> ParseHeaderMode(std::string_view text);

struct HeaderInfo {
  bool empty = false;                // the object has no rows that can be read (read only when the mode is not kNo)
  bool present = false;              // the first non-blank row is a header
  uint64_t offset = 0;               // content offset of that row (when present)
  std::vector<std::string> names;    // unquoted, trimmed, BOM removed (when present)
  std::vector<std::string> raw;      // the fields' bytes as stored (when present)
};

// Reads the first non-blank row of the content in `stream` (positioned at 0) and
// decides, per `mode`, whether it is a header. In kAuto it is when every field is
// non-empty and none parses as a number. An empty object has no header.
Result<HeaderInfo> ReadHeader(io::ByteStream* stream, const std::string& name, char delim,
                              HeaderMode mode);

// A column as the user named it: a 1-based index, or names with '|' alternatives.
struct ColumnSpec {
  int index = -1;                      // 0-based, when given as a number
  std::vector<std::string> names;      // lower-cased alternatives, when given by name
  std::string label;                   // how the output names it ("colN" or first name)

  // Parses "4", "passenger_count" or "total_amount|total_amt".
  static Result<ColumnSpec> Parse(std::string_view text);
};

// A column name as names are matched: trimmed, lower case (HeaderInfo::names).
std::string NormalizeColumnName(std::string_view name);

// Returns the 0-based field index of `spec` in an object with this header, or
// NotFound naming the object, the column and the header's names.
Result<int> ResolveColumn(const ColumnSpec& spec, const HeaderInfo& header,
                          const std::string& object_name);

}  // namespace fanout::csv

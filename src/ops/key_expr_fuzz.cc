// Fuzzes the key expression parser and each function on any value: the first
// half of the input is --by's text, the rest a field's value. Any bytes give
// keys or an error, never a crash; a parsed function maps any value or
// refuses it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "ops/key_expr.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view by = in.substr(0, size / 2), value = in.substr(size / 2);
  fanout::Result<std::vector<fanout::ops::KeyExpr>> keys = fanout::ops::ParseKeyList(by);
  std::string out;
  if (keys.ok()) {
    for (const fanout::ops::KeyExpr& k : *keys) {
      if (!value.empty()) (void)k.fn.Apply(value, &out);
    }
  }
  // Every function on the value too, with arguments at their edges.
  for (const char* expr : {"year(a)", "month(a)", "day(a)", "hour(a)", "date(a)", "yearmonth(a)", "weekday(a)",
                           "substr(a, 3, 2)", "lower(a)", "upper(a)", "floor(a)", "round(a, 9)", "round(a)",
                           "bucket(a, 0.000000001)", "bucket(a, 99999999999999999)"}) {
    fanout::Result<std::vector<fanout::ops::KeyExpr>> k = fanout::ops::ParseKeyList(expr);
    if (k.ok() && !value.empty()) (void)(*k)[0].fn.Apply(value, &out);
  }
  return 0;
}

// Fuzzes the --where parser and the tree's evaluation: the first half of the
// input is one --where text, the rest the value every condition reads. Any
// bytes give conditions or an error, never a crash; a parsed tree gives a value
// for any field, and a tree of AND alone is none.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "ops/query.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string text(in.substr(0, size / 2));
  std::string_view value = in.substr(size / 2);
  fanout::Result<fanout::ops::Where> w = fanout::ops::ParseWhere({text, text});
  if (!w.ok()) return 0;
  for (const fanout::ops::WhereTree::Node& n : w->tree.nodes) {
    if (n.kind == fanout::ops::WhereTree::Node::Kind::kAtom && n.atom >= w->filters.size()) abort();
  }
  fanout::Decimal scratch;
  size_t unknown = 0;
  fanout::ops::FilterResult r =
      fanout::ops::TestWhere(w->filters, w->tree, [&](size_t) { return value; }, &scratch, &unknown);
  if (r == fanout::ops::FilterResult::kNotANumber && unknown >= w->filters.size()) abort();
  return 0;
}

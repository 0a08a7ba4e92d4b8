// The format registry: every Format fanout reads, asked in this order when an
// object's format is detected from its first bytes.
#include <algorithm>
#include <iterator>

#include "exec/csv_format.h"
#include "exec/format.h"
#include "exec/parquet_format.h"

namespace fanout::exec {

namespace {

const ParquetFormat kParquet;
const CsvFormat kCsv;

// CSV claims everything: it stays last.
const Format* const kFormats[] = {&kParquet, &kCsv};

}  // namespace

Result<const Format*> FindFormat(std::string_view name) {
  auto it = std::find_if(std::begin(kFormats), std::end(kFormats), [&](const Format* f) { return f->Name() == name; });
  if (it == std::end(kFormats)) return Status::NotFound("unknown format '" + std::string(name.substr(0, 40)) + "'");
  return *it;
}

const Format& FormatOf(const ObjectPlan& object) {
  Result<const Format*> f = FindFormat(object.format);
  return f.ok() ? **f : kCsv;  // (plans and task messages only hold registered names)
}

const Format& DetectFormat(std::string_view head) {
  for (const Format* f : kFormats) {
    if (f->Claims(head)) return *f;
  }
  return kCsv;
}

}  // namespace fanout::exec

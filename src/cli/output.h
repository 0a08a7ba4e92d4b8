// Result tables: a merged Partial turned into sorted rows, printed as a table,
// CSV or JSON.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "core/status.h"
#include "ops/partial.h"
#include "ops/query.h"

namespace fanout::cli {

enum class Format { kTable, kCsv, kJson };

// Parses --format; an empty text picks table on a terminal, CSV otherwise.
Result<Format> ParseFormat(const std::string& text);

struct Cell {
  std::string text;
  bool number = false;  // print unquoted in JSON, right-aligned in tables
  bool null = false;    // an empty key field: null in JSON
};

struct ResultTable {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;
};

// Rows sorted by count descending, then by key (numbers first); at most `top`
// rows when top >= 0.
ResultTable BuildResult(const ops::Query& query, const ops::Partial& partial, int64_t top);

void WriteResult(const ResultTable& table, Format format, std::FILE* out);

}  // namespace fanout::cli

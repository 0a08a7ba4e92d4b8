// Result tables: a merged Partial's groups in result order (cli/result_order.h),
// printed as a table, CSV or JSON, and the checks that the result got out.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "core/status.h"
#include "ops/partial.h"
#include "ops/query.h"
#include "cli/result_order.h"

namespace fanout::cli {

enum class Format { kTable, kCsv, kJson };

// Parses --format; an empty text picks table on a terminal, CSV otherwise.
Result<Format> ParseFormat(const std::string& text);

struct Cell {
  std::string text;
  bool number = false;  // print unquoted in JSON, right-aligned in tables
  bool null = false;    // an empty key field: null in JSON
};

// Rows to print, made one at a time.
class RowSource {
 public:
  virtual ~RowSource() = default;
  virtual const std::vector<std::string>& columns() const = 0;
  virtual size_t size() const = 0;
  // How many threads may format rows at once.
  virtual int threads() const = 0;
  // The cells of row `i`, into *cells (reused from row to row). Thread-safe.
  virtual void Row(size_t i, std::vector<Cell>* cells) const = 0;
};

// The rows of a result, made one at a time from the partial: a result of
// millions of groups costs an index per row, not a table of strings. `query`
// and `partial` must outlive it.
class ResultRows final : public RowSource {
 public:
  // Orders the groups (at most `top` when top >= 0), on up to `threads`
  // threads; WriteResult formats on as many.
  ResultRows(const ops::Query& query, const ops::Partial& partial, int64_t top, int threads = 1);
  // ... in the order `sort` says (--sort; empty: the default order).
  ResultRows(const ops::Query& query, const ops::Partial& partial, int64_t top, int threads,
             const std::vector<SortKey>& sort);

  const std::vector<std::string>& columns() const override { return columns_; }
  size_t size() const override { return order_.size(); }
  int threads() const override { return threads_; }
  void Row(size_t i, std::vector<Cell>* cells) const override;

 private:
  const ops::Query& query_;
  const ops::Partial& partial_;
  int threads_;
  std::vector<std::string> columns_;
  std::vector<uint32_t> order_;
};

// Writes the rows to `out`, stopping at the first failed write. Returns IoError
// naming `out_name` and the system's reason when a write failed (see
// StdoutFailed for standard output).
Status WriteResult(const RowSource& rows, Format format, std::FILE* out, const std::string& out_name);

// SIGPIPE becomes a handler that does nothing (not SIG_IGN, so the commands
// fanout starts get the default back when they exec): a write to a closed pipe
// then fails with EPIPE, and the writers decide (StdoutFailed).
void CatchSigpipe();

// The verdict on a failed write to standard output (errno `err`): a reader that
// went away (EPIPE: `fanout cat ... | head`) wanted no more, so the process ends
// at once, quietly, with status 0; any other failure (a full disk, /dev/full,
// an I/O error) is returned as IoError "standard output: ...".
Status StdoutFailed(int err);

// Flushes and closes standard output, checking that everything written to it
// arrived; StdoutFailed on a failure. Nothing may be written to stdout after it.
Status CloseStdout();

}  // namespace fanout::cli

#include "exec/parquet_format.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <map>
#include <memory>
#include <mutex>

#include "parquet/column_reader.h"
#include "parquet/metadata.h"
#include "parquet/types.h"

namespace fanout::exec {

namespace {

// Rows per batch: whole row groups up to a million rows (a sink's work per
// batch, such as adding up counts per dictionary code, is then done once).
constexpr size_t kBatchRows = size_t{1} << 20;
// A footer larger than this is taken for damage (the 2009 TLC files, 14 M rows
// in one row group, have footers of a few KiB).
constexpr uint32_t kMaxFooterBytes = 64u << 20;

struct ParquetFile {
  parquet::FileMetaData meta;
  parquet::Schema schema;
};

// The object's bytes [offset, offset + length): the mapping of a local file
// where there is one (no copy), else a copy. Check() after use turns a file that
// changed or shrank meanwhile into an error.
class Bytes {
 public:
  Status Read(io::Store& store, const io::ObjectInfo& info, uint64_t offset, uint64_t length) {
    ASSIGN_OR_RETURN(stream_, io::OpenMapped(store, info, offset, length));
    std::string_view mapped = stream_->Mapped();
    if (!mapped.empty() || length == 0) {
      view_ = mapped.substr(0, length);
    } else {
      ASSIGN_OR_RETURN(owned_, io::ReadAll(stream_.get()));
      view_ = owned_;
    }
    if (view_.size() != length) {
      return Status::IoError(info.url + ": read " + std::to_string(view_.size()) + " of " + std::to_string(length) +
                             " bytes at offset " + std::to_string(offset));
    }
    return Status::OK();
  }
  std::string_view view() const { return view_; }
  Status Check() const { return stream_->CheckUnchanged(); }

 private:
  std::unique_ptr<io::ByteStream> stream_;
  std::string owned_;
  std::string_view view_;
};

// Chunks closer than this are read as one range: a request saved is worth more
// than the few bytes between them.
constexpr uint64_t kCoalesceGap = 8 << 10;

// One column chunk's bytes, within a read that may hold its neighbours too;
// `bytes` is set on the first chunk of each read (the one to Check).
struct Span {
  std::string_view chunk;
  std::shared_ptr<Bytes> bytes;
};

// Reads the chunks of `fields` in row group `group`, in file order, coalescing
// those at most kCoalesceGap apart; (*spans)[k] is field k's chunk.
Status ReadChunks(io::Store& store, const io::ObjectInfo& info, const parquet::RowGroup& group,
                  const std::vector<int>& fields, std::vector<Span>* spans) {
  spans->assign(fields.size(), Span{});
  std::vector<std::pair<parquet::ByteRange, size_t>> order;
  for (size_t k = 0; k < fields.size(); ++k) order.push_back({parquet::ChunkRange(*group.columns[fields[k]].meta_data), k});
  std::sort(order.begin(), order.end(),
            [](const auto& a, const auto& b) { return a.first.offset < b.first.offset; });
  for (size_t i = 0; i < order.size();) {
    uint64_t begin = order[i].first.offset, end = begin + order[i].first.length;
    size_t j = i + 1;
    while (j < order.size() && order[j].first.offset <= end + kCoalesceGap) {
      end = std::max(end, order[j].first.offset + order[j].first.length);
      ++j;
    }
    auto bytes = std::make_shared<Bytes>();
    RETURN_IF_ERROR(bytes->Read(store, info, begin, end - begin));
    for (size_t m = i; m < j; ++m) {
      const parquet::ByteRange& r = order[m].first;
      (*spans)[order[m].second].chunk = bytes->view().substr(r.offset - begin, r.length);
    }
    (*spans)[order[i].second].bytes = std::move(bytes);
    i = j;
  }
  return Status::OK();
}

// The object's bytes [offset, offset + length), as a copy.
Result<std::string> ReadBytes(io::Store& store, const io::ObjectInfo& info, uint64_t offset, uint64_t length) {
  Bytes b;
  RETURN_IF_ERROR(b.Read(store, info, offset, length));
  std::string bytes(b.view());
  RETURN_IF_ERROR(b.Check());
  return bytes;
}

Status Bad(const io::ObjectInfo& info, const Status& s) {
  return Status(s.code(), info.url + ": not a readable Parquet file: " + s.message());
}

// Footer first: the tail's 8 bytes give its length, then one read of exactly
// the footer, so only the bytes the metadata takes are fetched.
Result<ParquetFile> ReadFooterUncached(io::Store& store, const io::ObjectInfo& info) {
  const uint64_t size = info.size;
  if (size < 12) return Status::Corrupt(info.url + ": not a readable Parquet file: " + std::to_string(size) + " bytes");
  ASSIGN_OR_RETURN(std::string tail, ReadBytes(store, info, size - 8, 8));
  Result<uint32_t> len = parquet::FooterLength(tail);
  if (!len.ok()) return Bad(info, len.status());
  if (*len > size - 12 || *len > kMaxFooterBytes) {
    return Status::Corrupt(info.url + ": not a readable Parquet file: a footer of " + std::to_string(*len) +
                           " bytes in a file of " + std::to_string(size));
  }
  ASSIGN_OR_RETURN(std::string footer, ReadBytes(store, info, size - 8 - *len, *len));
  ParquetFile file;
  Result<parquet::FileMetaData> meta = parquet::ParseFileMetaData(footer);
  if (!meta.ok()) return Bad(info, meta.status());
  file.meta = std::move(*meta);
  Result<parquet::Schema> schema = parquet::BuildSchema(file.meta.schema);
  if (!schema.ok()) return Bad(info, schema.status());
  file.schema = std::move(*schema);
  Status v = parquet::Validate(file.meta, file.schema, size, *len);
  if (!v.ok()) return Bad(info, v);
  return file;
}

// The footers this process has read, by object as listed (URL, size, ETag or
// modification time): the header, then each of an object's tasks, read it once.
// Bounded; a full cache starts again.
class FooterCache {
 public:
  Result<std::shared_ptr<const ParquetFile>> Get(io::Store& store, const io::ObjectInfo& info) {
    std::string key = info.url + '\n' + std::to_string(info.size) + '\n' + info.etag + '\n' +
                      std::to_string(info.mtime_ns) + '\n' + std::to_string(info.inode);
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = files_.find(key);
      if (it != files_.end()) return it->second;
    }
    ASSIGN_OR_RETURN(ParquetFile file, ReadFooterUncached(store, info));
    auto shared = std::make_shared<const ParquetFile>(std::move(file));
    std::lock_guard<std::mutex> lock(mu_);
    if (files_.size() >= kMaxFiles) files_.clear();
    files_.emplace(key, shared);
    return shared;
  }

 private:
  static constexpr size_t kMaxFiles = 512;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const ParquetFile>> files_;  // guarded by mu_
};

Result<std::shared_ptr<const ParquetFile>> ReadFooter(io::Store& store, const io::ObjectInfo& info) {
  static FooterCache* cache = new FooterCache();  // never destroyed: tasks may run at exit
  return cache->Get(store, info);
}

// Where a row group starts in the file: its first column chunk.
uint64_t RowGroupStart(const parquet::RowGroup& group) {
  uint64_t start = std::numeric_limits<uint64_t>::max();
  for (const parquet::ColumnChunk& c : group.columns) {
    start = std::min(start, parquet::ChunkRange(*c.meta_data).offset);
  }
  return start == std::numeric_limits<uint64_t>::max() ? 4 : start;
}

// Ids for `n` dictionaries, never given before in this process (a sink may keep
// what it worked out per dictionary entry while the id stays the same).
uint64_t NextDictionaryIds(size_t n) {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(n, std::memory_order_relaxed);
}

// What the row group's statistics say of column `c` (ops::FieldSummary): only
// min_value/max_value under the type-defined order, of types whose canonical
// text keeps it — integers and decimals stored as them, floating point, and
// strings by their bytes — with the NULL count beside them; else unknown.
ops::FieldSummary Summarize(const parquet::Column& c, const parquet::ColumnMetaData& m, bool type_order) {
  using parquet::LogicalKind;
  using parquet::PhysicalType;
  ops::FieldSummary s;
  if (!type_order || c.nested || !m.statistics) return s;
  const parquet::Statistics& st = *m.statistics;
  if (!st.null_count || *st.null_count < 0 || !st.min_value || !st.max_value) return s;
  size_t width = 0;
  switch (c.type) {
    case PhysicalType::kInt32:
    case PhysicalType::kInt64:
      if (c.logical != LogicalKind::kNone && c.logical != LogicalKind::kInteger && c.logical != LogicalKind::kDecimal) {
        return s;
      }
      width = c.type == PhysicalType::kInt32 ? 4 : 8;
      s.numeric = true;
      break;
    case PhysicalType::kFloat:
    case PhysicalType::kDouble:
      if (c.logical != LogicalKind::kNone) return s;
      width = c.type == PhysicalType::kFloat ? 4 : 8;
      s.numeric = true;
      s.may_hold_nan = true;
      break;
    case PhysicalType::kByteArray:
      if (c.logical != LogicalKind::kNone && c.logical != LogicalKind::kString && c.logical != LogicalKind::kEnum) {
        return s;
      }
      break;
    default:
      return s;
  }
  if (width > 0 && (st.min_value->size() != width || st.max_value->size() != width)) return s;
  parquet::AppendCanonical(c, *st.min_value, &s.min);
  parquet::AppendCanonical(c, *st.max_value, &s.max);
  s.nulls = static_cast<uint64_t>(*st.null_count);
  s.known = true;
  return s;
}

// A thread's column values, kept from one task to the next: a row group's codes
// are megabytes, which fresh from the allocator cost a page fault per 4 KiB.
// Vectors past kKeptBytes are let go after the task.
struct ReusedValues {
  static constexpr size_t kKeptBytes = size_t{64} << 20;
  explicit ReusedValues(size_t n) : values(std::move(Kept())) { values.resize(n); }
  ~ReusedValues() {
    for (parquet::ChunkValues& v : values) {
      if (v.codes.capacity() * sizeof(uint32_t) > kKeptBytes) v.codes = {};
      if (v.values.capacity() * sizeof(std::string_view) > kKeptBytes) v.values = {};
      v.dictionary = {};  // (views into the task's arenas)
      if (v.scratch.buffer.capacity() > kKeptBytes) v.scratch.buffer = {};
      if (v.scratch.levels.capacity() * sizeof(uint32_t) > kKeptBytes) v.scratch.levels = {};
      if (v.scratch.indices.capacity() * sizeof(uint32_t) > kKeptBytes) v.scratch.indices = {};
      if (v.scratch.page_values.capacity() * sizeof(std::string_view) > kKeptBytes) v.scratch.page_values = {};
    }
    Kept() = std::move(values);
  }
  ReusedValues(const ReusedValues&) = delete;
  ReusedValues& operator=(const ReusedValues&) = delete;

  static std::vector<parquet::ChunkValues>& Kept() {
    thread_local std::vector<parquet::ChunkValues> kept;
    return kept;
  }
  std::vector<parquet::ChunkValues> values;
};

std::vector<std::string> Names(const parquet::Schema& schema) {
  std::vector<std::string> names;
  names.reserve(schema.columns.size());
  for (const parquet::Column& c : schema.columns) names.push_back(c.name);
  return names;
}

}  // namespace

bool ParquetFormat::Claims(std::string_view head) const { return head.substr(0, 4) == parquet::kMagic; }

void ParquetFormat::Split(uint32_t index, const ObjectPlan& object, uint64_t range_bytes,
                          std::vector<Task>* tasks) const {
  uint64_t size = object.info.size;
  if (size <= range_bytes) {
    tasks->push_back({index, 0, 1, 0, std::numeric_limits<uint64_t>::max(), size});
    return;
  }
  uint32_t n = static_cast<uint32_t>((size + range_bytes - 1) / range_bytes);
  for (uint32_t r = 0; r < n; ++r) {
    uint64_t b = r * range_bytes, e = r + 1 == n ? std::numeric_limits<uint64_t>::max() : b + range_bytes;
    tasks->push_back({index, r, n, b, e, std::min(size, b + range_bytes) - b});
  }
}

Result<csv::HeaderInfo> ParquetFormat::ReadHeader(const ObjectPlan& object, const ScanOptions& scan) const {
  ASSIGN_OR_RETURN(std::shared_ptr<const ParquetFile> footer, ReadFooter(*scan.store, object.info));
  const ParquetFile& file = *footer;
  csv::HeaderInfo h;
  h.present = true;
  h.raw = Names(file.schema);
  for (const std::string& name : h.raw) h.names.push_back(csv::NormalizeColumnName(name));
  h.empty = file.meta.num_rows == 0;
  return h;
}

Status ParquetFormat::Scan(const ObjectPlan& object, const Task& task, csv::RangeStart start, const ScanOptions& scan,
                           ops::Sink* sink, Progress* progress, const std::atomic<bool>* cancel,
                           csv::RangeEnd* end) const {
  *end = csv::RangeEnd{};
  ASSIGN_OR_RETURN(std::shared_ptr<const ParquetFile> footer, ReadFooter(*scan.store, object.info));
  const ParquetFile& file = *footer;
  const std::vector<parquet::Column>& columns = file.schema.columns;
  if (task.range == 0) RETURN_IF_ERROR(sink->OnHeader(Names(file.schema)));
  const std::vector<int>& fields = sink->Fields();
  for (int f : fields) {
    if (f < 0 || static_cast<size_t>(f) >= columns.size()) {
      return Status::Internal(object.info.url + ": a sink field past the file's columns");
    }
    if (columns[f].nested) {
      return Status::Unsupported(object.info.url + ": column '" + columns[f].name +
                                 "' is nested (a list, map or struct) and cannot be queried");
    }
  }
  uint64_t first_row = 0;
  std::vector<parquet::TextArena> arenas(fields.size());
  ReusedValues reused(fields.size());
  std::vector<parquet::ChunkValues>& values = reused.values;
  std::vector<ops::FieldSummary> summaries(fields.size());
  ops::ColumnBatch batch;
  batch.columns.resize(fields.size());
  // Late reading (ops::Sink::ProbeSlots), when the probe fields are not all of them.
  std::vector<size_t> probe = sink->ProbeSlots();
  std::vector<bool> is_probe(fields.size(), false);
  for (size_t i = 0; i < probe.size(); ++i) {
    if (probe[i] >= fields.size() || (i > 0 && probe[i] <= probe[i - 1])) {
      return Status::Internal("probe slots out of order or past the sink's fields");
    }
    is_probe[probe[i]] = true;
  }
  if (probe.size() >= fields.size()) probe.clear();
  std::vector<uint32_t> wanted;
  for (size_t g = 0; g < file.meta.row_groups.size(); ++g) {
    const parquet::RowGroup& group = file.meta.row_groups[g];
    uint64_t group_first = first_row;
    first_row += static_cast<uint64_t>(group.num_rows);
    uint64_t at = RowGroupStart(group);
    if (at < task.begin || at >= task.end) continue;
    if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) return Status::OK();
    const uint64_t rows = static_cast<uint64_t>(group.num_rows);
    // The statistics first: a row group the sink needs none of is not read.
    for (size_t k = 0; k < fields.size(); ++k) {
      summaries[k] = Summarize(columns[fields[k]], *group.columns[fields[k]].meta_data,
                               file.meta.type_defined_order.size() == columns.size() &&
                                   file.meta.type_defined_order[fields[k]]);
    }
    bool read = true;
    RETURN_IF_ERROR(sink->OnRowGroup(summaries, rows, &read));
    if (!read) {
      if (progress != nullptr) progress->rows.fetch_add(rows, std::memory_order_relaxed);
      continue;
    }
    // The chunks, adjacent ones (at most kCoalesceGap apart) read as one.
    std::vector<Span> spans;
    RETURN_IF_ERROR(ReadChunks(*scan.store, object.info, group, fields, &spans));
    uint64_t stored = 0;
    auto read_chunk = [&](size_t k, const std::vector<uint32_t>* only) {
      const parquet::Column& column = columns[fields[k]];
      const parquet::ColumnMetaData& meta = *group.columns[fields[k]].meta_data;
      stored += parquet::ChunkRange(meta).length;
      arenas[k].Clear();
      Status s = parquet::ReadColumnChunk(column, meta, spans[k].chunk, rows, &arenas[k], &values[k], only);
      if (!s.ok()) {
        return Status(s.code(), object.info.url + ": row group " + std::to_string(g) + ", column '" + column.name +
                                    "': " + s.message());
      }
      return Status::OK();
    };
    auto check_spans = [&]() {
      for (const Span& span : spans) {
        if (span.bytes != nullptr) RETURN_IF_ERROR(span.bytes->Check());  // (the values are in the arenas)
      }
      return Status::OK();
    };
    const uint64_t ids = NextDictionaryIds(fields.size());  // this row group's
    auto set_column = [&](size_t k, uint64_t r) {
      const parquet::ChunkValues& v = values[k];
      batch.columns[k] = v.coded ? ops::BatchColumn(v.codes.data() + r, v.dictionary.data(), v.dictionary.size(), ids + k)
                                 : ops::BatchColumn(v.values.data() + r);
    };
    if (!probe.empty()) {
      // Late reading: the probe fields of every row, then the others of the rows wanted.
      for (size_t k : probe) RETURN_IF_ERROR(read_chunk(k, nullptr));
      RETURN_IF_ERROR(check_spans());
      batch.rows = static_cast<size_t>(rows);
      batch.first_row = group_first;
      for (size_t k = 0; k < fields.size(); ++k) {
        if (is_probe[k]) {
          set_column(k, 0);
        } else {
          batch.columns[k] = ops::BatchColumn();
        }
      }
      wanted.clear();
      RETURN_IF_ERROR(sink->OnProbe(batch, &wanted));
      for (size_t i = 0; i < wanted.size(); ++i) {
        if (wanted[i] >= rows || (i > 0 && wanted[i] <= wanted[i - 1])) {
          return Status::Internal("a sink wants rows out of order or past the row group");
        }
      }
      if (!wanted.empty()) {
        for (size_t k = 0; k < fields.size(); ++k) {
          if (!is_probe[k]) RETURN_IF_ERROR(read_chunk(k, &wanted));
        }
        RETURN_IF_ERROR(check_spans());
        for (size_t k = 0; k < fields.size(); ++k) set_column(k, 0);
        RETURN_IF_ERROR(sink->OnWanted(batch, wanted));
      }
      if (progress != nullptr) {
        progress->bytes.fetch_add(stored, std::memory_order_relaxed);
        progress->rows.fetch_add(rows, std::memory_order_relaxed);
      }
      continue;
    }
    for (size_t k = 0; k < fields.size(); ++k) RETURN_IF_ERROR(read_chunk(k, nullptr));
    RETURN_IF_ERROR(check_spans());
    for (uint64_t r = 0; r < rows; r += kBatchRows) {
      batch.rows = static_cast<size_t>(std::min<uint64_t>(kBatchRows, rows - r));
      batch.first_row = group_first + r;
      for (size_t k = 0; k < fields.size(); ++k) set_column(k, r);
      RETURN_IF_ERROR(sink->OnBatch(batch));
      if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) return Status::OK();
    }
    if (progress != nullptr) {
      progress->bytes.fetch_add(stored, std::memory_order_relaxed);
      progress->rows.fetch_add(rows, std::memory_order_relaxed);
    }
  }
  return Status::OK();
}

Result<csv::ChainVerdict> ParquetFormat::Settle(const std::vector<csv::RangeEnd>& ranges,
                                                const std::string& object) const {
  csv::ChainVerdict v;
  v.rerun = ranges.size();
  return v;
}

std::string ParquetFormat::Where(const ObjectPlan& object, uint64_t offset, io::Store& store) const {
  return object.info.url + ": row " + std::to_string(offset + 1);
}

}  // namespace fanout::exec

#include "io/store.h"

#include <algorithm>
#include <set>

#include "io/decompress.h"

namespace fanout::io {

namespace {

constexpr size_t kMagicBytes = 4;

// The bytes a stream over [offset, offset + length) of `object` must deliver.
uint64_t RangeBytes(const ObjectInfo& object, uint64_t offset, uint64_t length) {
  return offset >= object.size ? 0 : std::min(length, object.size - offset);
}

// A store's stream, checked to deliver exactly the bytes of its range: a stream
// that ends early would otherwise read as an object that ends there (a short
// answer), and one that runs long as rows that are not the object's. Costs a
// comparison per Read or ReadView; a mapped stream's bytes are checked once,
// when the reader asks for them.
class LengthCheckedStream final : public ByteStream {
 public:
  LengthCheckedStream(std::unique_ptr<ByteStream> inner, const std::string& url, uint64_t offset, uint64_t expected)
      : inner_(std::move(inner)), url_(url), offset_(offset), expected_(expected) {}

  Result<size_t> Read(char* buf, size_t n) override {
    ASSIGN_OR_RETURN(size_t got, inner_->Read(buf, n));
    return Count(got);
  }

  // The mapped bytes only when they are exactly the rest of the range; else
  // none, so the reader reads, and the length is checked as it goes.
  std::string_view Mapped() const override {
    std::string_view mapped = inner_->Mapped();
    return delivered_ + mapped.size() == expected_ ? mapped : std::string_view();
  }

  void ReleaseMapped(const char* upto) override { inner_->ReleaseMapped(upto); }
  Status CheckUnchanged() override { return inner_->CheckUnchanged(); }

  std::optional<Result<std::string_view>> ReadView() override {
    std::optional<Result<std::string_view>> view = inner_->ReadView();
    if (!view.has_value() || !view->ok()) return view;
    Result<size_t> counted = Count((*view)->size());
    if (!counted.ok()) return Result<std::string_view>(counted.status());
    return view;
  }

 private:
  Result<size_t> Count(size_t got) {
    if (got == 0) {
      if (delivered_ == expected_) return size_t{0};
      RETURN_IF_ERROR(inner_->CheckUnchanged());  // a file that changed explains it better
      return Status::IoError(url_ + ": the read ended early, after " + std::to_string(delivered_) + " of the " +
                             std::to_string(expected_) + " bytes from byte " + std::to_string(offset_));
    }
    if (got > expected_ - delivered_) {
      return Status::Corrupt(url_ + ": the read delivered more than the " + std::to_string(expected_) +
                             " bytes from byte " + std::to_string(offset_));
    }
    delivered_ += got;
    return got;
  }

  std::unique_ptr<ByteStream> inner_;
  const std::string url_;
  const uint64_t offset_, expected_;
  uint64_t delivered_ = 0;
};

Result<std::unique_ptr<ByteStream>> OpenChecked(Store& store, const ObjectInfo& object, uint64_t offset,
                                                uint64_t length, Access access) {
  ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> s, store.Open(object, offset, length, access));
  return std::unique_ptr<ByteStream>(
      new LengthCheckedStream(std::move(s), object.url, offset, RangeBytes(object, offset, length)));
}

}  // namespace

Result<std::vector<ObjectInfo>> ListInputs(Store& store, const std::vector<std::string>& inputs) {
  std::vector<ObjectInfo> all;
  for (const std::string& in : inputs) {
    ASSIGN_OR_RETURN(std::vector<ObjectInfo> found, store.List(in));
    all.insert(all.end(), std::make_move_iterator(found.begin()), std::make_move_iterator(found.end()));
  }
  std::set<std::string> seen;
  std::vector<ObjectInfo> unique;
  for (ObjectInfo& o : all) {
    if (seen.insert(o.url).second) unique.push_back(std::move(o));
  }
  return unique;
}

Result<std::unique_ptr<ByteStream>> OpenRaw(Store& store, const ObjectInfo& object, uint64_t offset) {
  return OpenChecked(store, object, offset, object.size, Access::kSequential);
}

Result<std::unique_ptr<ByteStream>> OpenMapped(Store& store, const ObjectInfo& object, uint64_t offset,
                                               uint64_t length) {
  return OpenChecked(store, object, offset, length, Access::kWholeRange);
}

Result<Head> ReadHead(Store& store, const ObjectInfo& object, size_t n) {
  n = std::max(n, kMagicBytes);
  ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> s, OpenMapped(store, object, 0, n));
  Head head;
  head.bytes.resize(n);
  size_t have = 0;
  while (have < n) {
    ASSIGN_OR_RETURN(size_t got, s->Read(head.bytes.data() + have, n - have));
    if (got == 0) break;
    have += got;
  }
  head.bytes.resize(have);
  head.compression = CompressionFromMagic(reinterpret_cast<const unsigned char*>(head.bytes.data()),
                                          std::min(have, kMagicBytes));
  return head;
}

Result<Compression> DetectCompression(Store& store, const ObjectInfo& object) {
  ASSIGN_OR_RETURN(Head head, ReadHead(store, object, kMagicBytes));
  return head.compression;
}

Result<std::unique_ptr<ByteStream>> OpenContent(Store& store, const ObjectInfo& object, Compression compression) {
  ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> raw, OpenRaw(store, object, 0));
  return MakeDecompressor(std::move(raw), compression, object.url);
}

}  // namespace fanout::io

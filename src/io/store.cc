#include "io/store.h"

#include <algorithm>
#include <fstream>
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

namespace {

// "{a..b}" or "{x,y}" at `open` (the index of '{') in `text`: its alternatives
// and where it ends (the index of its '}'). *none when it is not a pattern.
Status BraceAlternatives(const std::string& text, size_t open, std::vector<std::string>* alts, size_t* close,
                         bool* none) {
  *none = false;
  size_t end = text.find('}', open);
  if (end == std::string::npos) {
    *none = true;  // a lone '{' is text
    return Status::OK();
  }
  *close = end;
  std::string body = text.substr(open + 1, end - open - 1);
  alts->clear();
  size_t dots = body.find("..");
  auto is_number = [](const std::string& t) {
    size_t i = !t.empty() && t[0] == '-' ? 1 : 0;
    return i < t.size() && t.find_first_not_of("0123456789", i) == std::string::npos && t.size() <= 18;
  };
  if (dots != std::string::npos && body.find(',') == std::string::npos) {
    std::string a = body.substr(0, dots), b = body.substr(dots + 2);
    if (!is_number(a) || !is_number(b)) {
      return Status::InvalidArgument("'" + text + "': a range {A..B} takes two integers, not '{" + body + "}'");
    }
    long long from = std::stoll(a), to = std::stoll(b);
    bool pad = (a.size() > 1 && a[0] == '0') || (b.size() > 1 && b[0] == '0');
    size_t width = pad ? std::max(a.size(), b.size()) : 0;
    unsigned long long count = (from <= to ? to - from : from - to) + 1ull;
    if (count > kMaxExpandedInputs) {
      return Status::InvalidArgument("'" + text + "': {" + body + "} is more than " +
                                     std::to_string(kMaxExpandedInputs) + " inputs");
    }
    for (long long v = from;; v += from <= to ? 1 : -1) {
      std::string t = std::to_string(v < 0 ? -v : v);
      if (t.size() + (v < 0) < width) t.insert(0, width - t.size() - (v < 0), '0');
      alts->push_back(v < 0 ? "-" + t : t);
      if (v == to) break;
    }
    return Status::OK();
  }
  if (body.find(',') == std::string::npos) {
    *none = true;  // "{}" or "{x}": text, as in the shell
    return Status::OK();
  }
  size_t start = 0;
  for (;;) {
    size_t comma = body.find(',', start);
    alts->push_back(body.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return Status::OK();
}

Status ExpandBraces(const std::string& text, size_t from, std::vector<std::string>* out) {
  size_t open = text.find('{', from);
  while (open != std::string::npos) {
    std::vector<std::string> alts;
    size_t close = 0;
    bool none = false;
    RETURN_IF_ERROR(BraceAlternatives(text, open, &alts, &close, &none));
    if (!none) {
      for (const std::string& alt : alts) {
        std::string next = text.substr(0, open) + alt + text.substr(close + 1);
        RETURN_IF_ERROR(ExpandBraces(next, open + alt.size(), out));
        if (out->size() > kMaxExpandedInputs) {
          return Status::InvalidArgument("'" + text + "' expands to more than " +
                                         std::to_string(kMaxExpandedInputs) + " inputs");
        }
      }
      return Status::OK();
    }
    open = text.find('{', open + 1);
  }
  out->push_back(text);
  return Status::OK();
}

}  // namespace

Result<std::vector<std::string>> ExpandInputs(const std::vector<std::string>& inputs) {
  std::vector<std::string> lines, out;
  for (const std::string& in : inputs) {
    if (in.size() > 1 && in[0] == '@') {
      std::ifstream f(in.substr(1));
      if (!f) return Status::InvalidArgument(in + ": cannot read the list of inputs '" + in.substr(1) + "'");
      std::string line;
      while (std::getline(f, line)) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
        size_t lead = line.find_first_not_of(" \t");
        if (lead == std::string::npos || line[lead] == '#') continue;
        lines.push_back(line.substr(lead));
      }
      if (f.bad()) return Status::InvalidArgument(in + ": cannot read the list of inputs '" + in.substr(1) + "'");
    } else {
      lines.push_back(in);
    }
  }
  for (const std::string& line : lines) {
    RETURN_IF_ERROR(ExpandBraces(line, 0, &out));
    if (out.size() > kMaxExpandedInputs) {
      return Status::InvalidArgument("the inputs expand to more than " + std::to_string(kMaxExpandedInputs));
    }
  }
  return out;
}

Result<std::vector<ObjectInfo>> ListInputs(Store& store, const std::vector<std::string>& raw_inputs,
                                           std::vector<std::string>* missing) {
  ASSIGN_OR_RETURN(std::vector<std::string> inputs, ExpandInputs(raw_inputs));
  std::vector<ObjectInfo> all;
  Status first_missing;
  for (const std::string& in : inputs) {
    Result<std::vector<ObjectInfo>> listed = store.List(in);
    if (missing != nullptr && !listed.ok() && listed.status().code() == StatusCode::kNotFound) {
      if (missing->empty()) first_missing = listed.status();
      missing->push_back(in);
      continue;
    }
    ASSIGN_OR_RETURN(std::vector<ObjectInfo> found, std::move(listed));
    all.insert(all.end(), std::make_move_iterator(found.begin()), std::make_move_iterator(found.end()));
  }
  std::set<std::string> seen;
  std::vector<ObjectInfo> unique;
  for (ObjectInfo& o : all) {
    if (seen.insert(o.url).second) unique.push_back(std::move(o));
  }
  if (unique.empty() && missing != nullptr && !missing->empty()) {
    return Status::NotFound("none of the " + std::to_string(missing->size()) + " inputs exists (" +
                            first_missing.message() + ")");
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

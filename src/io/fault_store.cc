#include "io/fault_store.h"

#include <algorithm>
#include <limits>

namespace fanout::io {

namespace {

bool IsReadRule(const FaultRule& r) {
  switch (r.kind) {
    case FaultRule::Kind::kError:
      return r.op == FaultOp::kRead;
    case FaultRule::Kind::kShortRead:
    case FaultRule::Kind::kStall:
    case FaultRule::Kind::kChangedBytes:
      return true;
    case FaultRule::Kind::kChangedStat:
      return false;
  }
  return false;
}

// A digit one higher (9: 0); any other byte as it is.
char Bumped(char c) {
  if (c < '0' || c > '9') return c;
  return c == '9' ? '0' : static_cast<char>(c + 1);
}

Status Injected(const FaultRule& r, const std::string& url) { return Status(r.code, RedactUrl(url) + ": " + r.message); }

}  // namespace

FaultRule FaultRule::Error(std::string match, FaultOp op, std::string message, StatusCode code) {
  FaultRule r;
  r.kind = Kind::kError;
  r.match = std::move(match);
  r.op = op;
  r.message = std::move(message);
  r.code = code;
  return r;
}

FaultRule FaultRule::ErrorAt(std::string match, uint64_t at, std::string message, StatusCode code) {
  FaultRule r = Error(std::move(match), FaultOp::kRead, std::move(message), code);
  r.at = at;
  return r;
}

FaultRule FaultRule::ShortRead(std::string match, uint64_t at) {
  FaultRule r;
  r.kind = Kind::kShortRead;
  r.match = std::move(match);
  r.at = at;
  return r;
}

FaultRule FaultRule::Stall(std::string match, std::chrono::milliseconds stall, uint64_t at) {
  FaultRule r;
  r.kind = Kind::kStall;
  r.match = std::move(match);
  r.stall = stall;
  r.at = at;
  return r;
}

FaultRule FaultRule::ChangedStat(std::string match) {
  FaultRule r;
  r.kind = Kind::kChangedStat;
  r.match = std::move(match);
  return r;
}

FaultRule FaultRule::ChangedBytes(std::string match, uint64_t at) {
  FaultRule r;
  r.kind = Kind::kChangedBytes;
  r.match = std::move(match);
  r.at = at;
  return r;
}

// A stream with read faults: it reads the inner stream's bytes through Read
// alone, stopping at each fault's byte to apply it (when the rule still fires).
class FaultStream final : public ByteStream {
 public:
  FaultStream(FaultStore* store, std::unique_ptr<ByteStream> inner, std::string url, uint64_t offset,
              std::vector<size_t> rules)
      : store_(store), inner_(std::move(inner)), url_(std::move(url)), pos_(offset), pending_(std::move(rules)) {}

  Result<size_t> Read(char* buf, size_t n) override {
    ApplyDue();
    if (!failed_.ok()) return failed_;
    if (ended_) return size_t{0};
    n = static_cast<size_t>(std::min<uint64_t>(n, NextFault() - pos_));  // (> 0: the due ones were applied)
    ASSIGN_OR_RETURN(size_t got, inner_->Read(buf, n));
    if (changed_) std::transform(buf, buf + got, buf, Bumped);
    pos_ += got;
    return got;
  }

  Status CheckUnchanged() override {
    if (changed_) return Status::Corrupt(RedactUrl(url_) + ": changed while being read (injected: its bytes differ)");
    return inner_->CheckUnchanged();
  }

 private:
  // Applies, in rule order, every pending fault whose byte the stream has reached.
  void ApplyDue() {
    for (size_t k = 0; k < pending_.size();) {
      size_t i = pending_[k];
      const FaultRule& r = store_->rules_[i];
      if (r.at > pos_) {
        ++k;
        continue;
      }
      pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(k));
      if (!store_->Claim(i)) continue;
      switch (r.kind) {
        case FaultRule::Kind::kError:
          if (failed_.ok()) failed_ = Injected(r, url_);
          break;
        case FaultRule::Kind::kShortRead:
          ended_ = true;
          break;
        case FaultRule::Kind::kStall:
          store_->WaitStall(r.stall);
          break;
        case FaultRule::Kind::kChangedBytes:
          changed_ = true;
          break;
        case FaultRule::Kind::kChangedStat:
          break;
      }
    }
  }

  // The object byte of the next pending fault (max: none).
  uint64_t NextFault() const {
    uint64_t next = std::numeric_limits<uint64_t>::max();
    for (size_t i : pending_) next = std::min(next, store_->rules_[i].at);
    return next;
  }

  FaultStore* const store_;
  std::unique_ptr<ByteStream> inner_;
  const std::string url_;
  uint64_t pos_;                 // the object byte the next Read starts at
  std::vector<size_t> pending_;  // rules not yet reached
  Status failed_;                // an injected read error, returned from then on
  bool ended_ = false;           // a short read: the stream says it ended
  bool changed_ = false;         // digits read one higher from here on
};

FaultStore::FaultStore(Store* inner, std::vector<FaultRule> rules)
    : inner_(inner), rules_(std::move(rules)), fired_(rules_.size(), 0) {}

FaultStore::~FaultStore() { ReleaseStalls(); }

std::vector<size_t> FaultStore::Matching(std::string_view url, FaultRule::Kind kind, FaultOp op) const {
  std::vector<size_t> out;
  for (size_t i = 0; i < rules_.size(); ++i) {
    const FaultRule& r = rules_[i];
    if (r.kind != kind || (kind == FaultRule::Kind::kError && r.op != op)) continue;
    if (url.find(r.match) != std::string_view::npos) out.push_back(i);
  }
  return out;
}

Status FaultStore::ErrorFor(FaultOp op, const std::string& url) {
  for (size_t i : Matching(url, FaultRule::Kind::kError, op)) {
    if (Claim(i)) return Injected(rules_[i], url);
  }
  return Status::OK();
}

ObjectInfo FaultStore::AsChanged(ObjectInfo o) {
  constexpr std::string_view kChangedEtag = "\"changed-by-fault-store\"";
  for (size_t i : Matching(o.url, FaultRule::Kind::kChangedStat, FaultOp::kStat)) {
    if (!Claim(i)) continue;
    o.size += 1;
    if (!o.etag.empty()) o.etag = std::string(kChangedEtag);
    if (o.mtime_ns != 0) o.mtime_ns += 1;
  }
  return o;
}

bool FaultStore::Claim(size_t rule) {
  std::lock_guard<std::mutex> lock(mu_);
  if (rules_[rule].times >= 0 && fired_[rule] >= rules_[rule].times) return false;
  ++fired_[rule];
  return true;
}

void FaultStore::WaitStall(std::chrono::milliseconds ms) {
  std::unique_lock<std::mutex> lock(mu_);
  released_cv_.wait_for(lock, ms, [&] { return released_; });
}

void FaultStore::ReleaseStalls() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
  }
  released_cv_.notify_all();
}

int FaultStore::Fired(size_t rule) const {
  std::lock_guard<std::mutex> lock(mu_);
  return rule < fired_.size() ? fired_[rule] : 0;
}

Result<std::vector<ObjectInfo>> FaultStore::List(const std::string& pattern) {
  RETURN_IF_ERROR(ErrorFor(FaultOp::kList, pattern));
  ASSIGN_OR_RETURN(std::vector<ObjectInfo> found, inner_->List(pattern));
  for (ObjectInfo& o : found) o = AsChanged(std::move(o));
  return found;
}

Result<ObjectInfo> FaultStore::Stat(const std::string& url) {
  RETURN_IF_ERROR(ErrorFor(FaultOp::kStat, url));
  ASSIGN_OR_RETURN(ObjectInfo o, inner_->Stat(url));
  return AsChanged(std::move(o));
}

Result<std::unique_ptr<ByteStream>> FaultStore::Open(const ObjectInfo& object, uint64_t offset, uint64_t length,
                                                     Access access) {
  RETURN_IF_ERROR(ErrorFor(FaultOp::kOpen, object.url));
  std::vector<size_t> reads;
  for (size_t i = 0; i < rules_.size(); ++i) {
    const FaultRule& r = rules_[i];
    if (!IsReadRule(r) || object.url.find(r.match) == std::string::npos) continue;
    std::lock_guard<std::mutex> lock(mu_);
    if (r.times < 0 || fired_[i] < r.times) reads.push_back(i);  // (one used up stays so)
  }
  ASSIGN_OR_RETURN(std::unique_ptr<ByteStream> s, inner_->Open(object, offset, length, access));
  if (reads.empty()) return s;
  return std::unique_ptr<ByteStream>(new FaultStream(this, std::move(s), object.url, offset, std::move(reads)));
}

Status FaultStore::Put(const std::string& url, std::string_view content) {
  RETURN_IF_ERROR(ErrorFor(FaultOp::kPut, url));
  return inner_->Put(url, content);
}

}  // namespace fanout::io

#include "exec/object_outputs.h"

#include "exec/csv_format.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <regex>
#include <sstream>
#include <vector>

#include "core/file_write.h"
#include "io/remote.h"

namespace fanout::exec {

namespace {

namespace fs = std::filesystem;

constexpr size_t kCopyChunk = 1 << 20;

// Appends the file `from` to `fd` (the file `to`).
Status AppendFile(const std::string& from, int fd, const std::string& to) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return ErrnoError(from, "cannot open");
  std::string buf(kCopyChunk, '\0');
  Status st;
  for (;;) {
    ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) st = ErrnoError(from, "read failed");
    if (n <= 0) break;
    st = WriteAll(fd, to, std::string_view(buf.data(), static_cast<size_t>(n)));
    if (!st.ok()) break;
  }
  ::close(in);
  return st;
}

// Whether process `pid` is alive on this machine (or might be: not ours to ask).
bool ProcessAlive(long pid) { return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM); }

// The process id in a temporary name of ours, with the output's name in
// *name; 0 for any other name.
long TempOwner(const std::string& file, std::string* name) {
  static const std::regex kTemp(R"(^\.(.+?)(\.part[0-9]+)?\.tmp([0-9]{1,10})(\.[0-9]+)?$)");
  std::smatch m;
  if (!std::regex_match(file, m, kTemp)) return 0;
  if (m[2].matched != m[4].matched) return 0;  // a part has both, an assembly neither
  long pid = std::stol(m[3]);
  if (pid > std::numeric_limits<pid_t>::max()) return 0;  // no process of ours had it
  *name = m[1];
  return pid;
}

}  // namespace

std::string OutputName(const ObjectPlan& o) {
  std::string name = o.info.url.substr(o.info.url.find_last_of('/') + 1);
  for (const char* suffix : {".gz", ".zst"}) {
    std::string s = suffix;
    if (o.compression != io::Compression::kNone && name.size() > s.size() &&
        name.compare(name.size() - s.size(), s.size(), s) == 0) {
      name.resize(name.size() - s.size());
    }
  }
  if (o.format != CsvFormat::kName) {
    // What is written for an object of another format (Parquet) is text, never
    // that format: named .csv in place of the format's own suffix.
    const std::string own = "." + o.format;
    if (name.size() > own.size() && name.compare(name.size() - own.size(), own.size(), own) == 0) {
      name.resize(name.size() - own.size());
    }
    name += ".csv";
  }
  return name;
}

ObjectOutputs::ObjectOutputs(const Plan& plan, Options options, TempRegistry* temps)
    : plan_(plan), options_(std::move(options)), temps_(temps) {}

ObjectOutputs::~ObjectOutputs() {
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& p : own_) {
    ::unlink(p.c_str());
    if (temps_ != nullptr) temps_->Forget(p);
  }
}

void ObjectOutputs::Track(const std::string& path) {
  if (temps_ != nullptr) temps_->Add(path);
  std::lock_guard<std::mutex> lock(mu_);
  own_.insert(path);
}

void ObjectOutputs::Untrack(const std::string& path) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    own_.erase(path);
  }
  if (temps_ != nullptr) temps_->Forget(path);
}

Status ObjectOutputs::Prepare() {
  if (options_.spool && options_.s3_prefix.empty()) return Status::OK();
  if (!options_.spool) {
    std::error_code ec;
    fs::create_directories(options_.dir, ec);
    if (ec) return Status::IoError(options_.dir + ": cannot create directory: " + ec.message());
  }
  std::string where = options_.s3_prefix.empty() ? "" : options_.s3_prefix;
  std::map<std::string, std::string> seen;
  std::vector<std::string> existing;
  for (const auto& o : plan_.objects) {
    auto [it, fresh] = seen.emplace(OutputName(o), o.info.url);
    std::string final_path = where.empty() ? (fs::path(options_.dir) / it->first).string() : where + it->first;
    if (!fresh) {
      return Status::InvalidArgument(o.info.url + " and " + it->second + " would both be written to " + final_path);
    }
    if (where.empty() && !options_.overwrite && ::access(final_path.c_str(), F_OK) == 0) existing.push_back(final_path);
  }
  if (!existing.empty()) {
    std::string more = existing.size() == 1 ? "" : " (and " + std::to_string(existing.size() - 1) + " more)";
    return Status::InvalidArgument(existing[0] + more + " already exists; --overwrite replaces the outputs");
  }
  if (!options_.spool) RemoveStale();
  return Status::OK();
}

void ObjectOutputs::RemoveStale() {
  std::set<std::string> names;
  for (const auto& o : plan_.objects) names.insert(OutputName(o));
  DIR* d = ::opendir(options_.dir.c_str());
  if (d == nullptr) return;
  std::vector<std::string> stale;
  while (dirent* e = ::readdir(d)) {
    std::string name;
    long pid = TempOwner(e->d_name, &name);
    bool gone = pid == ::getpid() || !ProcessAlive(pid);  // (none of ours exists yet)
    if (pid <= 0 || names.count(name) == 0 || !gone) continue;
    std::string path = (fs::path(options_.dir) / e->d_name).string();
    struct stat st;
    if (::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == ::geteuid()) stale.push_back(path);
  }
  ::closedir(d);
  for (const std::string& p : stale) ::unlink(p.c_str());
}

std::string ObjectOutputs::FinalPath(uint32_t o) const {
  if (options_.spool) return options_.dir + "/" + std::to_string(o);
  return (fs::path(options_.dir) / OutputName(plan_.objects[o])).string();
}

std::string ObjectOutputs::TempPrefix(const Task& t) const {
  if (options_.spool) return options_.dir + "/." + std::to_string(t.object);
  return (fs::path(options_.dir) / ("." + OutputName(plan_.objects[t.object]))).string();
}

std::string ObjectOutputs::PartPath(const Task& t) {
  std::string p = TempPrefix(t) + ".part" + std::to_string(t.range) + ".tmp" + std::to_string(::getpid()) + "." +
                  std::to_string(counter_++);
  Track(p);
  return p;
}

Status ObjectOutputs::CommitData(const Task& t, std::string_view data) {
  std::string part = PartPath(t);
  int fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError(part, "cannot create");
  Status st = WriteAll(fd, part, data);
  if (::close(fd) != 0 && st.ok()) st = ErrnoError(part, "write failed");
  RETURN_IF_ERROR(st);
  return Commit(t, part);
}

Status ObjectOutputs::Commit(const Task& t, const std::string& part) {
  std::string final_path = FinalPath(t.object);
  std::string assembling = t.ranges == 1 ? part : TempPrefix(t) + ".tmp" + std::to_string(::getpid());
  if (t.range == 0 && t.ranges > 1) {
    Track(assembling);
    if (::rename(part.c_str(), assembling.c_str()) != 0) return ErrnoError(assembling, "cannot rename");
    Untrack(part);
    return Status::OK();
  }
  int fd = ::open(assembling.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) return ErrnoError(assembling, "cannot open");
  Status st;
  if (t.range > 0) {
    st = AppendFile(part, fd, assembling);
    ::unlink(part.c_str());
    Untrack(part);
  }
  if (t.range + 1 < t.ranges) {
    if (::close(fd) != 0 && st.ok()) st = ErrnoError(assembling, "write failed");
    return st;
  }
  st = FinishTempFile(fd, assembling, final_path, std::move(st));
  Untrack(assembling);
  RETURN_IF_ERROR(st);
  if (options_.s3_prefix.empty()) return Status::OK();
  std::ifstream in(final_path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  if (in.bad()) return ErrnoError(final_path, "cannot read");
  if (plan_.store == nullptr) return Status::Internal("no store to put " + options_.s3_prefix + " outputs to");
  RETURN_IF_ERROR(plan_.store->Put(options_.s3_prefix + OutputName(plan_.objects[t.object]), content.str()));
  ::unlink(final_path.c_str());
  return Status::OK();
}

}  // namespace fanout::exec

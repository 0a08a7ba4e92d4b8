// Local files: listing (files, directories, globs) and positioned reads.
#include <fcntl.h>
#include <glob.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "io/local_file.h"

#include "core/file_write.h"
#include "io/remote.h"

namespace fanout::io {

namespace {

namespace fs = std::filesystem;

Status ErrnoStatus(const std::string& path, const char* what, int err) {
  std::string msg = path + ": " + what + ": " + std::strerror(err);
  return err == ENOENT ? Status::NotFound(msg) : Status::IoError(msg);
}

// The error for a file that is not as it was: `why` says how.
Status Changed(const std::string& path, const std::string& why) {
  return Status::Corrupt(path + ": changed while being read (" + why + ")");
}

int64_t MtimeNs(const struct stat& st) {
  constexpr int64_t kNsPerSecond = 1000000000;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * kNsPerSecond + st.st_mtim.tv_nsec;
}

ObjectInfo LocalObject(const fs::path& path, const struct stat& st) {
  ObjectInfo o;
  o.url = path.lexically_normal().string();
  o.size = static_cast<uint64_t>(st.st_size);
  o.mtime_ns = MtimeNs(st);
  o.inode = static_cast<uint64_t>(st.st_ino);
  return o;
}

constexpr int kPutMode = 0644;

// s3:// and http(s):// URLs are not paths: a store made by MakeStore reads them.
Status RefuseRemote(const std::string& url) {
  if (!IsS3Url(url) && !IsHttpUrl(url)) return Status::OK();
  return Status::InvalidArgument(url + ": not a local file (this store reads local files only)");
}

bool HasGlobChars(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

bool IsHidden(const fs::path& p) {
  std::string name = p.filename().string();
  return !name.empty() && name[0] == '.';
}

// Appends every regular, non-hidden file below dir, sorted by path.
Status ListDirectory(const std::string& dir, std::vector<ObjectInfo>* out) {
  std::vector<ObjectInfo> found;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec);
  if (ec) return Status::IoError(dir + ": cannot list directory: " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return Status::IoError(dir + ": cannot list directory: " + ec.message());
    if (IsHidden(it->path())) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec)) continue;
    struct stat st;
    if (::stat(it->path().c_str(), &st) != 0) return ErrnoStatus(it->path().string(), "cannot stat", errno);
    found.push_back(LocalObject(it->path(), st));
  }
  std::sort(found.begin(), found.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.url < b.url; });
  out->insert(out->end(), found.begin(), found.end());
  return Status::OK();
}

Status ListPath(const std::string& path, std::vector<ObjectInfo>* out) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoStatus(path, "cannot open", errno);
  if (S_ISDIR(st.st_mode)) return ListDirectory(path, out);
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(path + ": not a regular file or directory");
  out->push_back(LocalObject(path, st));
  return Status::OK();
}

Status ListGlob(const std::string& pattern, std::vector<ObjectInfo>* out) {
  glob_t g{};
  int rc = ::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &g);
  if (rc == GLOB_NOMATCH) {
    globfree(&g);
    return Status::NotFound(pattern + ": no file matches this pattern");
  }
  if (rc != 0) {
    globfree(&g);
    return Status::IoError(pattern + ": cannot expand pattern");
  }
  std::vector<std::string> paths(g.gl_pathv, g.gl_pathv + g.gl_pathc);
  globfree(&g);
  std::sort(paths.begin(), paths.end());
  for (const std::string& p : paths) RETURN_IF_ERROR(ListPath(p, out));
  return Status::OK();
}

}  // namespace

Result<std::vector<ObjectInfo>> ListLocal(const std::vector<std::string>& inputs) {
  std::vector<ObjectInfo> all;
  for (const std::string& in : inputs) {
    struct stat st;
    bool exists = ::stat(in.c_str(), &st) == 0;
    if (!exists && HasGlobChars(in)) {
      RETURN_IF_ERROR(ListGlob(in, &all));
    } else {
      RETURN_IF_ERROR(ListPath(in, &all));
    }
  }
  std::set<std::string> seen;
  std::vector<ObjectInfo> unique;
  for (ObjectInfo& o : all) {
    if (seen.insert(o.url).second) unique.push_back(std::move(o));
  }
  return unique;
}

WatchedFile::~WatchedFile() {
  if (fd_ >= 0) ::close(fd_);
}

Result<WatchedFile> WatchedFile::Open(const ObjectInfo& object) {
  const std::string& path = object.url;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(path, "cannot open", errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return ErrnoStatus(path, "cannot stat", err);
  }
  WatchedFile file(path, fd, st);  // closes fd on every return from here
  if (S_ISDIR(st.st_mode)) return Status::InvalidArgument(path + ": is a directory, not a file");
  if (static_cast<uint64_t>(st.st_size) != object.size) {
    return Changed(path, std::to_string(object.size) + " bytes when listed, " + std::to_string(st.st_size) + " now");
  }
  if (object.mtime_ns != 0 && (MtimeNs(st) != object.mtime_ns || (object.inode != 0 && st.st_ino != object.inode))) {
    return Changed(path, "modified or replaced since it was listed");
  }
  return file;
}

Status WatchedFile::CheckUnchanged() const {
  struct stat now;
  if (::fstat(fd_, &now) != 0) return ErrnoStatus(path_, "cannot stat", errno);
  if (now.st_size != opened_.st_size) {
    return Changed(path_, std::to_string(opened_.st_size) + " bytes when opened, " + std::to_string(now.st_size) + " now");
  }
  if (MtimeNs(now) != MtimeNs(opened_)) return Changed(path_, "modified while it was read");
  return Status::OK();
}

Status WatchedFile::ShrankWhileMapped() const {
  struct stat now;
  std::string size = ::fstat(fd_, &now) == 0 ? " to " + std::to_string(now.st_size) + " bytes" : "";
  return Changed(path_, "it shrank" + size + " while mapped, from " + std::to_string(opened_.st_size));
}

Result<std::unique_ptr<ByteStream>> LocalFileStream::Open(const ObjectInfo& object, uint64_t offset, uint64_t end) {
  ASSIGN_OR_RETURN(WatchedFile file, WatchedFile::Open(object));
  end = std::min(end, file.size());
  ::posix_fadvise(file.fd(), static_cast<off_t>(offset), 0, POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<ByteStream>(new LocalFileStream(std::move(file), offset, end));
}

Result<size_t> LocalFileStream::Read(char* buf, size_t n) {
  if (offset_ >= end_) {
    RETURN_IF_ERROR(file_.CheckUnchanged());  // the end as planned: was it the file's end all along?
    return size_t{0};
  }
  n = static_cast<size_t>(std::min<uint64_t>(n, end_ - offset_));
  for (;;) {
    ssize_t got = ::pread(file_.fd(), buf, n, static_cast<off_t>(offset_));
    if (got > 0) {
      offset_ += static_cast<uint64_t>(got);
      return static_cast<size_t>(got);
    }
    if (got == 0) {  // the file ends before the bytes it had when opened
      RETURN_IF_ERROR(file_.CheckUnchanged());
      return Changed(file_.path(), "it ended at byte " + std::to_string(offset_) + " of " + std::to_string(file_.size()));
    }
    if (errno != EINTR) return ErrnoStatus(file_.path(), "read failed", errno);
  }
}

Result<std::unique_ptr<ByteStream>> MappedFileStream::Open(const ObjectInfo& object, uint64_t offset,
                                                           uint64_t length) {
  ASSIGN_OR_RETURN(WatchedFile file, WatchedFile::Open(object));
  uint64_t size = file.size();
  uint64_t end = offset >= size ? offset : offset + std::min(length, size - offset);
  if (end == offset) return std::unique_ptr<ByteStream>(new MappedFileStream(std::move(file), nullptr, {}));
  static const uint64_t kPage = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  uint64_t aligned = offset / kPage * kPage;
  size_t map_len = static_cast<size_t>(end - aligned);
  std::unique_ptr<GuardedMapping> map = GuardedMapping::Map(file.fd(), aligned, map_len);
  if (map == nullptr) {
    if (errno == EMFILE) return LocalFileStream::Open(object, offset, end);  // no slot left: read, unmapped
    return ErrnoStatus(object.url, "cannot map", errno);
  }
  ::madvise(map->data(), map_len, MADV_SEQUENTIAL);
  std::string_view rest(map->data() + (offset - aligned), static_cast<size_t>(end - offset));
  return std::unique_ptr<ByteStream>(new MappedFileStream(std::move(file), std::move(map), rest));
}

void MappedFileStream::ReleaseMapped(const char* upto) {
  // Release in large steps: one madvise per few MiB keeps the cost negligible.
  constexpr size_t kReleaseStep = 4 << 20;
  static const size_t kPage = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  if (map_ == nullptr) return;
  char* base = map_->data();
  size_t done = static_cast<size_t>(released_ - base);
  size_t want = static_cast<size_t>(upto - base) / kPage * kPage;
  if (want < done + kReleaseStep) return;
  ::madvise(released_, want - done, MADV_DONTNEED);
  released_ = base + want;
}

Result<size_t> MappedFileStream::Read(char* buf, size_t n) {
  size_t k = std::min(n, rest_.size());
  if (k == 0) {  // an empty mapping has no data pointer at all
    RETURN_IF_ERROR(CheckUnchanged());
    return size_t{0};
  }
  std::memcpy(buf, rest_.data(), k);
  rest_.remove_prefix(k);
  if (map_->faulted()) return file_.ShrankWhileMapped();
  return k;
}

Status MappedFileStream::CheckUnchanged() {
  if (map_ != nullptr && map_->faulted()) return file_.ShrankWhileMapped();
  return file_.CheckUnchanged();
}

Store* LocalFiles() {
  static LocalStore* store = new LocalStore;  // stateless; never destroyed
  return store;
}

Result<std::vector<ObjectInfo>> LocalStore::List(const std::string& pattern) {
  RETURN_IF_ERROR(RefuseRemote(pattern));
  return ListLocal({pattern});
}

Result<ObjectInfo> LocalStore::Stat(const std::string& url) {
  RETURN_IF_ERROR(RefuseRemote(url));
  struct stat st;
  if (::stat(url.c_str(), &st) != 0) return ErrnoStatus(url, "cannot open", errno);
  if (S_ISDIR(st.st_mode)) return Status::InvalidArgument(url + ": is a directory, not a file");
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(url + ": not a regular file or directory");
  return LocalObject(url, st);
}

Result<std::unique_ptr<ByteStream>> LocalStore::Open(const ObjectInfo& object, uint64_t offset, uint64_t length,
                                                     Access access) {
  RETURN_IF_ERROR(RefuseRemote(object.url));
  if (access == Access::kWholeRange) return MappedFileStream::Open(object, offset, length);
  uint64_t end = length > std::numeric_limits<uint64_t>::max() - offset ? std::numeric_limits<uint64_t>::max()
                                                                        : offset + length;
  return LocalFileStream::Open(object, offset, end);
}

Status LocalStore::Put(const std::string& url, std::string_view content) {
  RETURN_IF_ERROR(RefuseRemote(url));
  return WriteFileAtomically(url, content, kPutMode);
}

}  // namespace fanout::io

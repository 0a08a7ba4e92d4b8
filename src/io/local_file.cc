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

namespace fanout::io {

namespace {

namespace fs = std::filesystem;

Status ErrnoStatus(const std::string& path, const char* what, int err) {
  std::string msg = path + ": " + what + ": " + std::strerror(err);
  return err == ENOENT ? Status::NotFound(msg) : Status::IoError(msg);
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
    uint64_t size = it->file_size(ec);
    if (ec) return Status::IoError(it->path().string() + ": " + ec.message());
    found.push_back({it->path().lexically_normal().string(), size, ""});
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
  out->push_back({fs::path(path).lexically_normal().string(), static_cast<uint64_t>(st.st_size), ""});
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

LocalFileStream::~LocalFileStream() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<ByteStream>> LocalFileStream::Open(const std::string& path, uint64_t offset) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(path, "cannot open", errno);
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument(path + ": is a directory, not a file");
  }
  ::posix_fadvise(fd, static_cast<off_t>(offset), 0, POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<ByteStream>(new LocalFileStream(path, fd, offset));
}

Result<size_t> LocalFileStream::Read(char* buf, size_t n) {
  for (;;) {
    ssize_t got = ::pread(fd_, buf, n, static_cast<off_t>(offset_));
    if (got >= 0) {
      offset_ += static_cast<uint64_t>(got);
      return static_cast<size_t>(got);
    }
    if (errno != EINTR) return ErrnoStatus(path_, "read failed", errno);
  }
}

MappedFileStream::~MappedFileStream() {
  if (map_ != nullptr) ::munmap(map_, map_len_);
}

Result<std::unique_ptr<ByteStream>> MappedFileStream::Open(const std::string& path, uint64_t offset,
                                                           uint64_t length) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(path, "cannot open", errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return ErrnoStatus(path, "cannot stat", err);
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument(path + ": is a directory, not a file");
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  uint64_t end = offset >= size ? offset : offset + std::min(length, size - offset);
  if (end == offset) {
    ::close(fd);
    return std::unique_ptr<ByteStream>(new MappedFileStream(nullptr, 0, {}));
  }
  static const uint64_t kPage = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  uint64_t aligned = offset / kPage * kPage;
  size_t map_len = static_cast<size_t>(end - aligned);
  void* map = ::mmap(nullptr, map_len, PROT_READ, MAP_PRIVATE, fd, static_cast<off_t>(aligned));
  int err = errno;
  ::close(fd);
  if (map == MAP_FAILED) return ErrnoStatus(path, "cannot map", err);
  ::madvise(map, map_len, MADV_SEQUENTIAL);
  std::string_view rest(static_cast<const char*>(map) + (offset - aligned), static_cast<size_t>(end - offset));
  return std::unique_ptr<ByteStream>(new MappedFileStream(map, map_len, rest));
}

void MappedFileStream::ReleaseMapped(const char* upto) {
  // Release in large steps: one madvise per few MiB keeps the cost negligible.
  constexpr size_t kReleaseStep = 4 << 20;
  static const size_t kPage = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  char* base = static_cast<char*>(map_);
  size_t done = static_cast<size_t>(released_ - base);
  size_t want = static_cast<size_t>(upto - base) / kPage * kPage;
  if (map_ == nullptr || want < done + kReleaseStep) return;
  ::madvise(released_, want - done, MADV_DONTNEED);
  released_ = base + want;
}

Result<size_t> MappedFileStream::Read(char* buf, size_t n) {
  size_t k = std::min(n, rest_.size());
  if (k == 0) return size_t{0};  // an empty mapping has no data pointer at all
  std::memcpy(buf, rest_.data(), k);
  rest_.remove_prefix(k);
  return k;
}

}  // namespace fanout::io

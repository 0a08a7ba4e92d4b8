#include "core/file_write.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fanout {

Status ErrnoError(const std::string& path, const std::string& what) {
  return Status::IoError(path + ": " + what + ": " + std::strerror(errno));
}

Status WriteAll(int fd, const std::string& path, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(path, "write failed");
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

Status FinishTempFile(int fd, const std::string& tmp, const std::string& path, Status st) {
  if (st.ok() && ::fsync(fd) != 0) st = ErrnoError(tmp, "fsync failed");
  if (::close(fd) != 0 && st.ok()) st = ErrnoError(tmp, "write failed");
  if (st.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) st = ErrnoError(path, "cannot rename into place");
  if (!st.ok()) ::unlink(tmp.c_str());
  return st;
}

Status WriteFileAtomically(const std::string& path, std::string_view content, int mode) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return ErrnoError(tmp, "cannot create");
  return FinishTempFile(fd, tmp, path, WriteAll(fd, tmp, content));
}

}  // namespace fanout

#include "core/file_write.h"

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

}  // namespace fanout

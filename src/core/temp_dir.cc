#include "core/temp_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

namespace fanout {

namespace {

constexpr const char* kLockName = ".lock";

bool ProcessIsAlive(pid_t pid) { return kill(pid, 0) == 0 || errno == EPERM; }

// The pid in NAME = PREFIX.<pid>.XXXXXX, or -1 when NAME is not such a name.
pid_t PidInName(const std::string& name, const std::string& prefix) {
  if (name.size() <= prefix.size() + 1 || name.compare(0, prefix.size(), prefix) != 0 || name[prefix.size()] != '.') {
    return -1;
  }
  size_t at = prefix.size() + 1;
  size_t dot = name.find('.', at);
  if (dot == std::string::npos || dot == at || dot - at > 9) return -1;
  pid_t pid = 0;
  for (size_t i = at; i < dot; ++i) {
    if (name[i] < '0' || name[i] > '9') return -1;
    pid = pid * 10 + (name[i] - '0');
  }
  return pid > 0 ? pid : -1;
}

// Whether nobody holds DIR's lock; when so, *fd keeps it locked (or is -1
// when there is no lock file) until the caller closes it.
bool LockIsFree(const std::string& dir, int* fd) {
  *fd = ::open((dir + "/" + kLockName).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (*fd < 0) return errno == ENOENT;
  if (flock(*fd, LOCK_EX | LOCK_NB) == 0) return true;
  ::close(*fd);
  *fd = -1;
  return false;
}

}  // namespace

std::string TempDirectory() {
  const char* t = std::getenv("TMPDIR");
  return t != nullptr && *t != '\0' ? std::string(t) : std::string("/tmp");
}

Result<std::unique_ptr<OwnedTempDir>> OwnedTempDir::Make(const std::string& parent, const std::string& prefix) {
  std::string tmpl = parent + "/" + prefix + "." + std::to_string(::getpid()) + ".XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) {
    return Status::IoError("cannot make a temporary directory in " + parent + ": " + std::strerror(errno));
  }
  std::string path(buf.data());
  int fd = ::open((path + "/" + kLockName).c_str(), O_CREAT | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0 || flock(fd, LOCK_EX) != 0) {
    Status st = Status::IoError("cannot lock " + path + ": " + std::strerror(errno));
    if (fd >= 0) ::close(fd);
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
    return st;
  }
  return std::unique_ptr<OwnedTempDir>(new OwnedTempDir(std::move(path), fd));
}

OwnedTempDir::~OwnedTempDir() { Remove(); }

void OwnedTempDir::Remove() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
  if (lock_fd_ >= 0) ::close(lock_fd_);
  lock_fd_ = -1;
  path_.clear();
}

int RemoveStaleDirs(const std::string& parent, const std::string& prefix) {
  DIR* d = ::opendir(parent.c_str());
  if (d == nullptr) return 0;
  std::vector<std::string> stale;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    pid_t pid = PidInName(name, prefix);
    if (pid < 0 || pid == ::getpid() || ProcessIsAlive(pid)) continue;
    struct stat st;
    std::string path = parent + "/" + name;
    if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid()) continue;
    stale.push_back(path);
  }
  ::closedir(d);
  int removed = 0;
  for (const std::string& path : stale) {
    int fd = -1;
    if (!LockIsFree(path, &fd)) continue;
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
    if (fd >= 0) ::close(fd);
    removed += ec ? 0 : 1;
  }
  return removed;
}

}  // namespace fanout

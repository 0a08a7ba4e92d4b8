#include "core/cache_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace fanout {

std::string CacheDir() {
  constexpr mode_t kPrivate = 0700;
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  std::string base = xdg != nullptr && *xdg != '\0' ? xdg : home != nullptr ? std::string(home) + "/.cache" : "";
  if (!base.empty()) {
    ::mkdir(base.c_str(), kPrivate);
    if (::mkdir((base + "/fanout").c_str(), kPrivate) == 0 || errno == EEXIST) return base + "/fanout";
  }
  std::string tmp = "/tmp/fanout-" + std::to_string(getuid());
  ::mkdir(tmp.c_str(), kPrivate);
  return tmp;
}

}  // namespace fanout

// Writing files: errors that name the file and say what the system said.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace fanout {

// IoError "PATH: WHAT: strerror(errno)".
Status ErrnoError(const std::string& path, const std::string& what);

// Writes all of `data` to `fd` (retrying short writes and EINTR); errors name `path`.
Status WriteAll(int fd, const std::string& path, std::string_view data);

}  // namespace fanout

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

// Ends a temporary file written through `fd` (always closed): when `st` is OK,
// syncs it and renames it to `path`; on any error removes it. Returns `st` or
// the first error on the way. Readers of `path` see a whole file or none.
Status FinishTempFile(int fd, const std::string& tmp, const std::string& path, Status st);

// Writes `content` to `path` that way: a temporary file beside it (mode `mode`),
// synced, renamed into place.
Status WriteFileAtomically(const std::string& path, std::string_view content, int mode);

}  // namespace fanout

// The one directory fanout keeps things in between runs on this machine:
// staged pieces and manifests (exec/stage.h), a worker's shipped files and job
// directories, ssh's shared connections (cluster/ssh_launcher.h).
#pragma once

#include <string>

namespace fanout {

// $XDG_CACHE_HOME/fanout when XDG_CACHE_HOME is set and not empty, else
// $HOME/.cache/fanout; created (mode 0700) if missing. When neither can be
// made, /tmp/fanout-UID (created too). Reads the environment on every call.
std::string CacheDir();

}  // namespace fanout

// fanout worker: runs tasks for a coordinator, speaking frames (docs/protocol.md)
// on a pair of file descriptors — stdin/stdout when started by ssh or locally.
#pragma once

#include "core/status.h"

namespace fanout::cluster {

struct WorkerOptions {
  int cores = 0;  // reported in hello and used as task threads; 0: this machine's cores
};

// Runs until the coordinator says bye, closes the input, or stays silent past the
// job's idle timeout. Returns the reason it stopped when that is an error.
Status RunWorker(int in_fd, int out_fd, const WorkerOptions& options);

}  // namespace fanout::cluster

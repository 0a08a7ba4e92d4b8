// fanout worker: the process a coordinator starts on each machine (locally or
// through ssh); it speaks frames on stdin/stdout (docs/protocol.md) and is not
// meant to be run by hand.
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "cli/commands.h"
#include "cli/common.h"
#include "cluster/worker.h"

namespace fanout::cli {

void AddWorkerCommand(CLI::App& app) {
  static cluster::WorkerOptions options;
  CLI::App* sub = app.add_subcommand("worker",
                                     "Run tasks for a coordinator over stdin/stdout (started by --workers/--hosts;\n"
                                     "not for interactive use). The protocol is in docs/protocol.md.");
  sub->add_option("--cores", options.cores, "Cores to report and task threads to run (default: every core)")
      ->check(CLI::Range(1, 4096));
  sub->callback([] {
    if (isatty(STDOUT_FILENO)) {
      // srun --unbuffered (a --slurm worker) gives a step's stdout a pseudo-terminal:
      // made raw, it carries frames byte for byte. Anywhere else a terminal is a person.
      const char* step = std::getenv("SLURM_STEP_ID");
      termios t{};
      bool raw = step != nullptr && *step != '\0' && tcgetattr(STDOUT_FILENO, &t) == 0;
      if (raw) {
        cfmakeraw(&t);
        raw = tcsetattr(STDOUT_FILENO, TCSANOW, &t) == 0;
      }
      if (!raw) {
        std::fprintf(stderr, "fanout worker: stdout is a terminal; a coordinator starts workers (see --workers, --hosts)\n");
        throw CLI::RuntimeError(2);
      }
    }
    Status st = cluster::RunWorker(STDIN_FILENO, STDOUT_FILENO, options);
    if (!st.ok()) FailJob(st);
  });
}

}  // namespace fanout::cli

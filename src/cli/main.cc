// fanout: one analysis over many objects, on every core, merged into one answer.
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "core/strings.h"
#include "csv/kernel.h"

int main(int argc, char** argv) {
  CLI::App app{
      "fanout " FANOUT_VERSION " - run one analysis over a dataset of many objects on every core,\n"
      "and merge the partial results into one answer.\n\n"
      "Examples:\n"
      "  fanout gen-taxi --out data --files 4 --rows 100000\n"
      "  fanout count --by passenger_count data/\n"
      "  fanout agg --by passenger_count --count --sum 'total_amount|total_amt' data/*.csv\n"
      "  fanout select --cols 1-5 --where 'passenger_count > 2' data/ --out selected/\n"
      "  fanout ls data/\n"
      "  fanout count --by passenger_count --workers 4 's3://bucket/trip data/yellow_*.csv'\n"
      "  fanout deploy --hosts h1,h2 && fanout count --by passenger_count --hosts h1,h2 data/\n"
      "  fanout run --ship count.py --cmd 'python3 count.py' --merge 'python3 merge.py' data/",
      "fanout"};
  std::string kernel_error = fanout::csv::KernelChoiceError();
  if (!kernel_error.empty()) {
    std::fprintf(stderr, "fanout: %s\n", kernel_error.c_str());
    return 2;
  }
  app.set_version_flag("--version", std::string("fanout " FANOUT_VERSION " (CSV kernel: ") +
                                        fanout::csv::ActiveKernel().name + ")");
  app.require_subcommand(1);
  app.fallthrough(false);
  fanout::cli::AddCountCommand(app);
  fanout::cli::AddSelectCommand(app);
  fanout::cli::AddLsCommand(app);
  fanout::cli::AddCatCommand(app);
  fanout::cli::AddWorkerCommand(app);
  fanout::cli::AddDeployCommand(app);
  fanout::cli::AddRunCommand(app);
  fanout::cli::AddStageCommand(app);
  fanout::cli::AddGenTaxiCommand(app);
  if (argc > 1 && argv[1][0] != '-') {
    std::string names;
    bool known = false;
    for (const CLI::App* sub : app.get_subcommands({})) {
      names += (names.empty() ? "" : ", ") + sub->get_name();
      known = known || sub->get_name() == argv[1];
    }
    if (!known) {
      std::fprintf(stderr, "fanout: unknown command '%s' (commands: %s)\nRun 'fanout --help' for usage.\n",
                   fanout::ForTerminal(argv[1]).c_str(), names.c_str());
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != 0 && dynamic_cast<const CLI::RuntimeError*>(&e) == nullptr) {
      // Usage errors: say what is wrong and where to look, exit 2 like other tools.
      if (e.get_name() == "CallForHelp" || e.get_name() == "CallForAllHelp" ||
          e.get_name() == "CallForVersion") {
        return app.exit(e);
      }
      std::fprintf(stderr, "fanout: %s\nRun 'fanout --help' or 'fanout COMMAND --help' for usage.\n",
                   fanout::ForTerminal(e.what()).c_str());
      return 2;
    }
    return app.exit(e);
  }
  return 0;
}

// fanout: one analysis over many objects, on every core, merged into one answer.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/report.h"
#include "core/strings.h"
#include "csv/kernel.h"

namespace {

// Every option name a command takes ("--by", "-q"), its option groups' too.
void OptionNames(const CLI::App* app, std::vector<std::string>* names) {
  for (const CLI::Option* o : app->get_options()) {
    for (const std::string& n : o->get_lnames()) names->push_back("--" + n);
    for (const std::string& n : o->get_snames()) names->push_back("-" + n);
  }
  for (const CLI::App* g : app->get_subcommands({})) {
    if (g->get_name().empty()) OptionNames(g, names);
  }
}

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// The known option a mistyped one most likely meant: the nearest by edit
// distance (at most a third of its length), else one that is a word of it
// (--group-by: --by). Empty when none is close.
std::string Nearest(const std::string& typed, const std::vector<std::string>& names) {
  constexpr size_t kMaxDistanceFraction = 3;
  std::string best;
  size_t best_distance = std::max<size_t>(2, typed.size() / kMaxDistanceFraction) + 1;
  for (const std::string& n : names) {
    size_t d = EditDistance(typed, n);
    if (n.size() > 2 && d < best_distance) {
      best = n;
      best_distance = d;
    }
  }
  if (!best.empty()) return best;
  for (const std::string& n : names) {
    std::string word = n.substr(2);
    size_t at = typed.find(word);
    bool starts = at != std::string::npos && (at == 2 || typed[at - 1] == '-');
    bool ends = at != std::string::npos && (at + word.size() == typed.size() || typed[at + word.size()] == '-');
    if (n.size() > 2 && starts && ends) return n;
  }
  return "";
}

bool IsNumber(const std::string& s) {
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return !s.empty() && end == s.c_str() + s.size();
}

// CLI11 checks required options before it looks for unknown ones, so
// `count --group-by x` would say "--by is required". Every word that looks like
// an option (before a "--") must be one of the command's; the first that is not
// is named. Values of options that take one are skipped.
std::string UnknownOption(const CLI::App* command, int argc, char** argv, int first) {
  std::vector<std::string> names;
  OptionNames(command, &names);
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") break;
    if (arg.size() < 2 || arg[0] != '-' || IsNumber(arg)) continue;
    bool is_long = arg[1] == '-';
    if (!is_long && arg.size() > 2) continue;  // -abc: short flags together, or -tN
    std::string name = arg.substr(0, arg.find('='));
    const CLI::Option* o = command->get_option_no_throw(name);
    if (o == nullptr) {
      std::string near = Nearest(name, names);
      std::string where;
      for (const CLI::App* a = command; a != nullptr; a = a->get_parent()) {
        where = a->get_name() + (where.empty() ? "" : " " + where);
      }
      return "unknown option " + name + " for '" + where + "'" +
             (near.empty() ? "" : " (did you mean " + near + "?)");
    }
    if (o->get_type_size_min() > 0 && name.size() == arg.size()) ++i;  // its value
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  fanout::cli::SetCommandLine(argc, argv);  // the job's clock starts here (cli/report.h)
  CLI::App app{
      "fanout " FANOUT_VERSION " - run one analysis over a dataset of many objects on every core,\n"
      "and merge the partial results into one answer.\n\n"
      "Examples:\n"
      "  fanout gen-taxi --out data --files 4 --rows 100000\n"
      "  fanout count --by passenger_count data/\n"
      "  fanout agg --by passenger_count --count --sum 'total_amount|total_amt' data/*.csv\n"
      "  fanout select --cols 1-5 --where 'passenger_count > 2' data/ --out selected/\n"
      "  fanout top 9 --by trip_distance data/\n"
      "  fanout ls data/\n"
      "  fanout count --by passenger_count --workers 4 's3://bucket/trip data/yellow_*.csv'\n"
      "  fanout deploy --hosts h1,h2 && fanout count --by passenger_count --hosts h1,h2 data/\n"
      "  fanout run --ship count.py --cmd 'python3 count.py' --merge 'python3 merge.py' data/\n"
      "  fanout cluster up taxi --type i3en.2xlarge --count 12 --spot && fanout count --by VendorID --cluster taxi DATA",
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
  fanout::cli::AddTopCommand(app);
  fanout::cli::AddLsCommand(app);
  fanout::cli::AddCatCommand(app);
  fanout::cli::AddWorkerCommand(app);
  fanout::cli::AddDeployCommand(app);
  fanout::cli::AddRunCommand(app);
  fanout::cli::AddStageCommand(app);
  fanout::cli::AddGenTaxiCommand(app);
  fanout::cli::AddClusterCommand(app);
  fanout::cli::AddExecCommand(app);
  if (argc > 1 && argv[1][0] == '-') {  // fanout --version, fanout --help; nothing else
    std::string unknown = UnknownOption(&app, 2, argv, 1);
    if (!unknown.empty()) {
      std::fprintf(stderr, "fanout: %s\nRun 'fanout --help' for usage.\n", fanout::ForTerminal(unknown).c_str());
      return 2;
    }
  }
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
    // A command with commands of its own (fanout cluster up): its options are the innermost's.
    const CLI::App* command = app.get_subcommand(argv[1]);
    int first = 2;
    while (first < argc && argv[first][0] != '-') {
      const CLI::App* inner = nullptr;
      for (const CLI::App* s : command->get_subcommands({})) {
        if (!s->get_name().empty() && s->get_name() == argv[first]) inner = s;
      }
      if (inner == nullptr) break;
      command = inner;
      ++first;
    }
    std::string unknown = UnknownOption(command, argc, argv, first);
    if (!unknown.empty()) {
      std::string path;
      for (int i = 1; i < first; ++i) path += std::string(i > 1 ? " " : "") + argv[i];
      std::fprintf(stderr, "fanout: %s\nRun 'fanout %s --help' for its options.\n", fanout::ForTerminal(unknown).c_str(),
                   fanout::ForTerminal(path).c_str());
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
  } catch (const std::exception& e) {  // e.g. no thread could be started: an error, not an abort
    std::fprintf(stderr, "fanout: %s\n", e.what());
    return 1;
  }
  return 0;
}

// One function per subcommand file: each adds its subcommand to the app. A
// subcommand's callback throws CLI::RuntimeError(exit_code) on failure after it
// has printed its own error; nothing else leaves the cli module as an exception.
#pragma once

#include <CLI/CLI.hpp>

namespace fanout::cli {

void AddCountCommand(CLI::App& app);    // cmd_count.cc: count and agg
void AddSelectCommand(CLI::App& app);   // cmd_select.cc
void AddTopCommand(CLI::App& app);      // cmd_top.cc
void AddLsCommand(CLI::App& app);       // cmd_ls.cc
void AddCatCommand(CLI::App& app);      // cmd_cat.cc
void AddWorkerCommand(CLI::App& app);   // cmd_worker.cc
void AddDeployCommand(CLI::App& app);   // cmd_deploy.cc
void AddRunCommand(CLI::App& app);      // cmd_run.cc
void AddStageCommand(CLI::App& app);    // cmd_stage.cc
void AddGenTaxiCommand(CLI::App& app);  // cmd_gen_taxi.cc
void AddClusterCommand(CLI::App& app);  // cmd_cluster.cc: cluster prices|up|ls|down
void AddExecCommand(CLI::App& app);     // cmd_exec.cc

}  // namespace fanout::cli

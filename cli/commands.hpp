#pragma once
// The `mnemo` subcommands as plain functions: main.cpp parses the command line (CLI11) and calls
// one of these. Each returns the exit status; bad input throws io::InputError (exit 2).
#include <string>

namespace mnemo::cli {

struct RunOptions {
  std::string config;
  std::string out;  // empty: [output].path
  int threads = 0;
  bool quiet = false;
  bool resume = false;  // finish the incomplete file of the same config (cli/resume_command.hpp)
};

int run(const RunOptions& options);
int info(const std::string& file);
int validate(const std::string& config);

// Set by SIGINT/SIGTERM: a run stops at the next saved time, leaves its file incomplete.
void install_signal_handlers();

}  // namespace mnemo::cli

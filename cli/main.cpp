// The `mnemo` command (contract section 2). CLI11 is confined to this file.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "analyze_command.hpp"
#include "commands.hpp"
#include "mpi_run.hpp"
#include "mpi_session.hpp"
#include "sweep_command.hpp"
#include "mnemo/io/input_error.hpp"
#include "mnemo/version.hpp"

namespace {
void error_line(const std::string& what) {
  std::string line = what;
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  std::cerr << "mnemo: error: " << line << std::endl;
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mnemo: dynamics of associative memories as energy-based neural ODEs", "mnemo"};
  app.set_version_flag("--version", std::string("mnemo ") + mnemo::version +
                                        (mnemo::cli::mpi::built_with_mpi() ? " (MPI)" : ""));
  app.require_subcommand(1);

  mnemo::cli::RunOptions run;
  auto* run_cmd = app.add_subcommand("run", "simulate recall, write HDF5, print a summary");
  run_cmd->add_option("config", run.config, "config file (TOML)")->required();
  run_cmd->add_option("--out", run.out, "output file (overrides [output].path)");
  run_cmd->add_option("--threads", run.threads, "threads (0: all cores)")->check(CLI::NonNegativeNumber);
  run_cmd->add_flag("--quiet", run.quiet, "no progress bar, no summary");
  run_cmd->add_flag("--resume", run.resume, "finish an interrupted run file of the same config: only unfinished trajectories");

  std::string info_file;
  auto* info_cmd = app.add_subcommand("info", "what a file holds, in a few lines");
  info_cmd->add_option("file", info_file, "mnemo HDF5 file")->required();

  std::string validate_file;
  auto* validate_cmd = app.add_subcommand("validate", "check a config without running it");
  validate_cmd->add_option("config", validate_file, "config file (TOML)")->required();

  mnemo::cli::SweepOptions sweep;
  auto* sweep_cmd = app.add_subcommand("sweep", "one run per value of [sweep] key (same seed); one row each in HDF5");
  sweep_cmd->add_option("config", sweep.config, "config file (TOML) with a [sweep] section")->required();
  sweep_cmd->add_option("--out", sweep.out, "output file (overrides [output].path)");
  sweep_cmd->add_option("--threads", sweep.threads, "threads (0: all cores)")->check(CLI::NonNegativeNumber);
  sweep_cmd->add_flag("--quiet", sweep.quiet, "no progress, no summary");
  sweep_cmd->add_flag("--resume", sweep.resume, "finish an incomplete sweep file of the same config: only the missing points");

  mnemo::cli::AnalyzeOptions analyze;
  auto* analyze_cmd = app.add_subcommand("analyze", "fixed points, spectra, stability, energy audit; adds /analysis");
  analyze_cmd->add_option("file", analyze.file, "mnemo HDF5 file of a finished run")->required();
  analyze_cmd->add_option("--random-starts", analyze.random_starts, "random mixtures of memories as extra starts (default 32)");
  analyze_cmd->add_option("--end-points", analyze.end_points, "trajectory end points used as candidates (default 200)");
  analyze_cmd->add_option("--eigenvalues", analyze.eigenvalues, "eigenvalues kept per fixed point (default 10)");
  analyze_cmd->add_option("--tolerance", analyze.tolerance, "|dx/dt| below which a point is fixed (default 1e-10)");
  analyze_cmd->add_option("--relax-time", analyze.relax_time, "flow time for relaxed random starts (default 20)");
  analyze_cmd->add_option("--seed", analyze.seed, "seed of the random starts (default: the run's)");
  analyze_cmd->add_option("--threads", analyze.threads, "threads (0: all cores)")->check(CLI::NonNegativeNumber);
  analyze_cmd->add_flag("--quiet", analyze.quiet, "no summary");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    error_line(std::string(e.what()) + " (see mnemo --help)");
    return 2;
  }

  try {
    // Only `mnemo sweep` and `mnemo run` split their work over MPI ranks (docs/scaling.md); P
    // copies of any other command would write the same file.
    if (!*sweep_cmd && !*run_cmd && mnemo::cli::mpi::launched_size() > 1) {
      if (mnemo::cli::mpi::launched_rank() > 0) return 2;  // rank 0 says why
      throw mnemo::io::InputError("started by an MPI launcher with " + std::to_string(mnemo::cli::mpi::launched_size()) +
                                  " processes: only `mnemo sweep` and `mnemo run` run over MPI ranks; run this command "
                                  "without mpirun/srun");
    }
    if (*run_cmd) {
      mnemo::cli::install_signal_handlers();
      // Several ranks: trajectories split over them, one file from rank 0 (cli/mpi_run.hpp).
      if (mnemo::cli::mpi::launched_size() > 1) return mnemo::cli::run_over_ranks(run);
      return mnemo::cli::run(run);
    }
    if (*info_cmd) return mnemo::cli::info(info_file);
    if (*analyze_cmd) return mnemo::cli::analyze(analyze);
    if (*validate_cmd) return mnemo::cli::validate(validate_file);
    if (*sweep_cmd) return mnemo::cli::sweep(sweep);
  } catch (const mnemo::io::InputError& e) {
    error_line(e.what());
    return 2;
  } catch (const std::bad_alloc&) {
    error_line("out of memory");
    return 1;
  } catch (const std::exception& e) {
    error_line(e.what());
    return 1;
  }
  return 1;
}

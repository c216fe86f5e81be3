// `mnemo analyze FILE.h5`: read a finished run, audit its energy, find and label fixed points,
// write /analysis into the same file, print a short summary.
#include "analyze_command.hpp"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "mnemo/analysis/analyze.hpp"
#include "mnemo/analysis/lyapunov.hpp"
#include "mnemo/io/analysis_file.hpp"
#include "mnemo/io/input_error.hpp"

namespace mnemo::cli {

int analyze(const AnalyzeOptions& o) {
  auto bad = [&](const std::string& option, const std::string& why) {
    return io::InputError(o.file + ": option '--" + option + "': " + why);
  };
  if (o.random_starts < 0) throw bad("random-starts", "must be >= 0");
  if (o.end_points < 0) throw bad("end-points", "must be >= 0");
  if (o.eigenvalues < 1) throw bad("eigenvalues", "must be >= 1");
  if (!(o.tolerance > 0.0)) throw bad("tolerance", "must be > 0");
  if (!(o.relax_time > 0.0)) throw bad("relax-time", "must be > 0");

  io::RunForAnalysis run = io::read_run_for_analysis(o.file);
  const models::Model& model = *run.model;

  const analysis::LyapunovAudit audit =
      analysis::audit_energy(model.network, run.time, run.states, run.energy, run.t_stop, run.energy_tolerance);

  analysis::AnalysisOptions ao;
  ao.max_end_points = o.end_points;
  ao.random_starts = o.random_starts;
  ao.seed = o.seed >= 0 ? static_cast<std::uint64_t>(o.seed) : run.seed;
  ao.relax_time = o.relax_time;
  ao.fixed_points.tolerance = o.tolerance;
  ao.stability.eigenvalues = o.eigenvalues;
  ao.threads = o.threads;
  const analysis::FixedPointAnalysis fa = analysis::analyze_fixed_points(model, run.final_states, ao);

  std::ostringstream options;
  options << "end_points = " << o.end_points << "; random_starts = " << o.random_starts << " (raw and relaxed for "
          << o.relax_time << "); seed = " << ao.seed << "; tolerance = " << o.tolerance
          << "; eigenvalues = " << o.eigenvalues << "; memory_overlap = " << ao.fixed_points.memory_overlap
          << "; mixture_overlap = " << ao.fixed_points.mixture_overlap;
  run.states = nullptr;  // closes the read-only handle: HDF5 will not reopen the file for writing
  io::AnalysisRecord rec;
  rec.options = options.str();
  rec.fixed_points = &fa;
  rec.audit = &audit;
  rec.eigenvalues = o.eigenvalues;
  try {
    io::write_analysis(o.file, rec);
  } catch (const io::InputError&) {
    throw;  // the file could not be opened for writing: nothing was changed
  } catch (const std::exception& e) {
    // write_analysis has already settled the file (restored, or left with complete = 0). libhdf5
    // 1.10 then crashes (SIGSEGV in H5F__close_cb) when its atexit handler closes a file whose
    // flush failed (measured with a file size limit): report and leave without that handler.
    std::cerr << "mnemo: error: " << e.what() << std::endl;
    std::cout.flush();
    std::_Exit(1);
  }

  if (o.quiet) return 0;
  char line[512];
  std::cout << o.file << ": " << model.spec.kind << ", N = " << model.memories.cols() << ", K = " << model.memories.rows()
            << ", " << run.trajectories << " trajectories\n";
  std::snprintf(line, sizeof line,
                "energy audit: %s - max increase %.3g (trajectory %ld, t = %g), tolerance %.3g, %zu violations; "
                "dE/dt analytic vs finite differences of the saves: max relative deviation %.2g\n",
                audit.passed() ? "passed" : "FAILED", audit.max_increase, static_cast<long>(audit.worst_trajectory),
                audit.worst_time, audit.tolerance, audit.violations.size(), audit.max_relative_rate_error);
  std::cout << line;
  for (std::size_t i = 0; i < audit.violations.size() && i < 5; ++i)
    std::cout << "  violation: trajectory " << audit.violations[i].trajectory << ", t = " << audit.violations[i].time
              << ", energy rose by " << audit.violations[i].increase << "\n";
  std::cout << "fixed points: " << fa.fixed_points << " from " << fa.candidates << " candidates (" << fa.stable
            << " stable, " << fa.saddles << " saddles, " << fa.marginal << " marginal"
            << (fa.unknown ? ", " + std::to_string(fa.unknown) + " unknown" : std::string()) << "); slow points: "
            << fa.slow_points << "\n";
  std::cout << "  kinds: " << fa.kind_counts[0] << " memories, " << fa.kind_counts[1] << " reversed memories, "
            << fa.kind_counts[2] << " mixtures, " << fa.kind_counts[3] << " at the origin, " << fa.kind_counts[4]
            << " other\n";
  std::cout << "  stored memories found as fixed points: " << fa.memories_found << " of " << model.memories.rows()
            << " (" << fa.memories_found_stable << " stable)\n";
  std::cout << "wrote /analysis to " << o.file << "\n";
  return 0;
}

}  // namespace mnemo::cli

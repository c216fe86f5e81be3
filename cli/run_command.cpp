// `mnemo run`: config -> memories -> model -> cues -> simulation streamed to HDF5 -> summary.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iomanip>
#include <iostream>

#include "commands.hpp"
#include "discrete_pipeline.hpp"
#include "pipeline.hpp"
#include "resume_command.hpp"
#include "mnemo/analysis/simulate.hpp"
#include "mnemo/io/config.hpp"
#include "mnemo/io/datasets.hpp"
#include "mnemo/io/input_error.hpp"
#include "mnemo/io/run_file.hpp"
#include "mnemo/io/run_resume.hpp"

namespace mnemo::cli {
namespace {

std::atomic<bool> stop_requested{false};
extern "C" void on_signal(int) { stop_requested.store(true); }

// Forwards to the HDF5 writer and draws a progress bar on a terminal.
class ProgressSink final : public analysis::TrajectorySink {
 public:
  ProgressSink(io::RunWriter& writer, bool show) : writer_(writer), show_(show) {}
  void begin(const analysis::Vector& time, Eigen::Index B, const std::vector<std::string>& layers) override {
    total_ = time.size();
    writer_.begin(time, B, layers);
  }
  void save(Eigen::Index k, double t, const analysis::Matrix& readout, const analysis::Vector& energy,
            const std::vector<analysis::Matrix>& layers) override {
    writer_.save(k, t, readout, energy, layers);
    if (show_) {
      const int width = 40;
      const int done = static_cast<int>(width * (k + 1) / std::max<Eigen::Index>(total_, 1));
      std::printf("\r[%s%s] t = %-8.3g", std::string(done, '#').c_str(), std::string(width - done, '.').c_str(), t);
      std::fflush(stdout);
      if (k + 1 == total_) std::printf("\r%*s\r", width + 20, "");
    }
  }
  bool keep_going() override { return !stop_requested.load(); }

 private:
  io::RunWriter& writer_;
  bool show_;
  Eigen::Index total_ = 0;
};

}  // namespace

void install_signal_handlers() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

int validate(const std::string& path) {
  Prepared p = prepare(io::load_config(path));
  std::cout << path << ": valid (" << p.config.model.kind << ", " << p.memories.patterns.rows() << " memories of dimension "
            << p.memories.patterns.cols() << ", " << p.config.queries.count << " queries, "
            << (p.discrete                        ? std::string("discrete iterations")
                : p.config.integrate.noise.enabled ? dynamics::to_string(p.config.integrate.noise.method) + " (noise sigma " +
                                                         std::to_string(p.config.integrate.noise.sigma) + ")"
                                                   : dynamics::to_string(p.config.integrate.method))
            << " to t = " << p.config.integrate.t_end << ")\n";
  return 0;
}

int run(const RunOptions& opt) {
  Prepared p = prepare(io::load_config(opt.config));
  io::RunConfig& cfg = p.config;
  if (!opt.out.empty()) cfg.output_path = opt.out;
  cfg.integrate.threads = opt.threads;
  if (opt.resume) return resume_run(opt, p, stop_requested);

  io::RunHeader header{cfg.text, cfg.seed, cfg.integrate, p.memories.description};
  header.discrete = p.discrete.get();
  io::RunWriter writer(cfg.output_path, header, p.model, p.cues.cues, p.cues.targets);
  ProgressSink sink(writer, !opt.quiet && isatty(STDOUT_FILENO));
  // Discrete-time kinds iterate their recall algorithm instead of integrating (discrete_pipeline.cpp).
  analysis::DiscreteRecallResult discrete;
  if (p.discrete) {
    discrete = analysis::simulate_discrete(*p.discrete, p.cues.cues, p.cues.targets,
                                           analysis::discrete_options(cfg.integrate, cfg.seed), &sink, &stop_requested);
    write_discrete_recall(writer, discrete);
  }
  const analysis::SimulationResult res =
      p.discrete ? discrete.simulation
                 : analysis::simulate(p.model, p.cues.cues, p.cues.targets, cfg.integrate, &sink, &stop_requested);
  writer.finish(res);
  if (res.ensemble.interrupted) {
    io::mark_resumable(cfg.output_path);  // flushed by finish(): its finished trajectories can be reused
    std::cerr << "mnemo: error: " << cfg.output_path << ": run interrupted by a signal; the file is marked incomplete"
              << " (`mnemo run CONFIG --resume` finishes it)\n";
    return 1;
  }
  if (opt.quiet) return 0;

  std::size_t converged = 0, failed = 0;
  for (auto s : res.ensemble.status) {
    converged += (s == dynamics::Status::converged);
    failed += (s == dynamics::Status::failed);
  }
  const double drop = (res.initial_energy - res.final_energy).mean();
  std::cout << std::setprecision(4);
  const dynamics::NoiseOptions& noise = cfg.integrate.noise;
  std::cout << "mnemo run: " << cfg.model.kind << ", " << p.model.memories.rows() << " memories x "
            << p.model.memories.cols() << ", " << res.recall.target.size() << " queries (";
  if (p.discrete)
    std::cout << "discrete iterations";
  else if (noise.enabled)
    std::cout << dynamics::to_string(noise.method) << " dt " << cfg.integrate.dt << ", " << dynamics::to_string(noise.kind)
              << " noise sigma " << noise.sigma;
  else
    std::cout << dynamics::to_string(cfg.integrate.method) << ", rtol " << cfg.integrate.rtol;
  std::cout << ", t_end " << cfg.integrate.t_end << ", seed " << cfg.seed << ")\n";
  std::cout << "  recall success rate   " << 100.0 * res.recall.recall_rate << " % (final state nearest its target)\n";
  std::cout << "  mean final overlap    " << res.recall.mean_overlap << "\n";
  std::cout << "  mean energy drop      " << drop << "\n";
  if (res.audit.applicable)
    std::cout << "  energy audit          max increase " << res.audit.max_increase << " (tolerance " << res.audit.tolerance
              << "), " << res.audit.violations << " violations\n";
  else
    std::cout << "  energy audit          not applicable (" << (p.discrete ? "the objective may rise" : "stochastic")
              << "; max increase " << res.audit.max_increase << ")\n";
  if (p.discrete) print_discrete_summary(std::cout, discrete);
  // Kinds trained on a task sequence (sequential_dam) record /model/accuracy[t, k].
  if (auto it = p.model.extra.find("accuracy"); it != p.model.extra.end() && it->second.rows() > 0) {
    const analysis::Matrix& A = it->second;
    std::cout << "  task 1 accuracy       ";
    for (Eigen::Index t = 0; t < A.rows(); ++t) std::cout << (t ? " " : "") << A(t, 0);
    std::cout << " (after each task)\n  final accuracy        ";
    for (Eigen::Index k = 0; k < A.cols(); ++k) std::cout << (k ? " " : "") << A(A.rows() - 1, k);
    std::cout << " (each task; mean " << A.row(A.rows() - 1).mean() << ")\n";
  }
  std::cout << "  stopped early         " << converged << " of " << res.ensemble.status.size() << " converged"
            << (failed ? ", " + std::to_string(failed) + " FAILED" : std::string()) << "\n";
  std::cout << "  RHS evaluations       " << res.rhs_evaluations << "\n";
  std::cout << "  wall time             " << res.wall_seconds << " s\n";
  std::cout << "  written               " << cfg.output_path << "\n";
  return failed ? 1 : 0;
}

}  // namespace mnemo::cli

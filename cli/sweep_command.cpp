// `mnemo sweep`: every grid value is validated first (io::with_value), then each point goes
// config -> memories -> model -> cues (cli::prepare) -> simulation -> attractor labels -> one row of
// the sweep file, written and flushed before the next point starts.
#include "sweep_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "discrete_pipeline.hpp"
#include "pipeline.hpp"
#include "mnemo/analysis/basins.hpp"
#include "mnemo/analysis/simulate.hpp"
#include "mnemo/io/input_error.hpp"
#include "mnemo/io/sweep_file.hpp"

namespace mnemo::cli {
namespace {

std::atomic<bool> sweep_stop{false};
extern "C" void on_sweep_signal(int) { sweep_stop.store(true); }

// Draws "point p/P  key = v  [####....]" on a terminal; cancels on a signal.
class SweepProgress final : public analysis::TrajectorySink {
 public:
  SweepProgress(bool show, std::string label) : show_(show), label_(std::move(label)) {}
  void begin(const analysis::Vector& time, Eigen::Index, const std::vector<std::string>&) override {
    total_ = time.size();
  }
  void save(Eigen::Index k, double, const analysis::Matrix&, const analysis::Vector&,
            const std::vector<analysis::Matrix>&) override {
    if (!show_) return;
    const int width = 30;
    const int done = static_cast<int>(width * (k + 1) / std::max<Eigen::Index>(total_, 1));
    std::printf("\r%s [%s%s]", label_.c_str(), std::string(done, '#').c_str(), std::string(width - done, '.').c_str());
    std::fflush(stdout);
  }
  bool keep_going() override { return !sweep_stop.load(); }
  void clear() const {
    if (show_) std::printf("\r%*s\r", static_cast<int>(label_.size()) + 34, "");
  }

 private:
  bool show_;
  std::string label_;
  Eigen::Index total_ = 0;
};

std::string show(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

}  // namespace

int sweep(const SweepOptions& opt) {
  std::signal(SIGINT, on_sweep_signal);
  std::signal(SIGTERM, on_sweep_signal);
  const io::RunConfig base = io::load_config(opt.config);
  if (!base.sweep)
    throw io::InputError(base.file + ": key 'sweep': missing section [sweep] (mnemo sweep needs key and values)");
  const std::string key = base.sweep->key;
  const std::vector<double>& values = base.sweep->values;

  // Every point's config first, so a bad key or value fails before any work (exit 2).
  std::vector<io::RunConfig> configs;
  for (double v : values) configs.push_back(io::with_value(base, key, v));
  Eigen::Index queries = configs.front().queries.count, memories = configs.front().memories.count;
  for (const io::RunConfig& c : configs) {
    if (c.queries.count != queries) queries = 0;
    if (c.memories.count != memories) memories = 0;
  }
  // Sweeping the cue distance measures basins: recall probability vs distance per memory.
  const bool basins = key == "queries.level" && memories > 0;

  io::SweepHeader header;
  header.config_text = base.text;
  header.seed = base.seed;
  header.key = key;
  header.values = values;
  header.model = base.model;
  header.memories_source = base.memories.source;
  header.queries = queries;
  const analysis::AttractorOptions labels_options;
  header.recall_overlap = labels_options.recall_overlap;
  const std::string out = opt.out.empty() ? base.output_path : opt.out;
  io::SweepWriter writer(out, header);

  const bool tty = !opt.quiet && isatty(STDOUT_FILENO);
  const auto P = static_cast<Eigen::Index>(values.size());
  struct Row {
    Eigen::Index K, N, B;
    double recall, overlap, retrieved, exact, converged, seconds;
    long failed;
  };
  std::vector<Row> rows;
  std::vector<Eigen::VectorXi> targets;
  std::vector<std::vector<bool>> retrieved;
  Eigen::Index basin_memories = 0;
  for (Eigen::Index p = 0; p < P; ++p) {
    Prepared prep = prepare(configs[static_cast<std::size_t>(p)]);
    prep.config.integrate.threads = opt.threads;
    SweepProgress progress(tty, "point " + std::to_string(p + 1) + "/" + std::to_string(P) + "  " + key + " = " +
                                    show(values[static_cast<std::size_t>(p)]));
    // Discrete-time kinds iterate their recall algorithm instead (discrete_pipeline.cpp).
    analysis::DiscreteRecallResult discrete;
    if (prep.discrete)
      discrete = analysis::simulate_discrete(*prep.discrete, prep.cues.cues, prep.cues.targets,
                                             analysis::discrete_options(prep.config.integrate, prep.config.seed),
                                             &progress, &sweep_stop);
    const analysis::SimulationResult res =
        prep.discrete ? discrete.simulation
                      : analysis::simulate(prep.model, prep.cues.cues, prep.cues.targets, prep.config.integrate,
                                           &progress, &sweep_stop);
    progress.clear();
    if (res.ensemble.interrupted) {
      std::cerr << "mnemo: error: " << out << ": sweep interrupted by a signal at point " << p + 1 << " of " << P
                << "; the file is marked incomplete\n";
      return 1;
    }
    io::SweepPoint point;
    point.memories = prep.model.memories.rows();
    point.dim = prep.model.memories.cols();
    point.result = &res;
    point.labels = analysis::classify_attractors(prep.model.memories, res.final_readout, res.recall.target,
                                                 res.ensemble.status, labels_options);
    if (prep.discrete) point.metrics = discrete_metrics(discrete);
    const std::vector<bool> exact = analysis::exact_recall(prep.model.memories, res.final_readout, res.recall.target);
    point.exact_rate = exact.empty() ? 0.0 : double(std::count(exact.begin(), exact.end(), true)) / double(exact.size());
    writer.write_point(p, point);

    const Eigen::Index B = res.recall.target.size();
    long converged = 0, failed = 0;
    for (auto s : res.ensemble.status) {
      converged += s == dynamics::Status::converged;
      failed += s == dynamics::Status::failed;
    }
    const analysis::AttractorCounts counts = analysis::count_kinds(point.labels);
    rows.push_back({point.memories, point.dim, B, res.recall.recall_rate, res.recall.mean_overlap,
                    B ? double(counts[0]) / double(B) : 0.0, point.exact_rate, B ? double(converged) / double(B) : 0.0,
                    res.wall_seconds, failed});
    if (basins) {
      basin_memories = point.memories;
      targets.push_back(res.recall.target);
      std::vector<bool> ok;
      for (const auto& l : point.labels) ok.push_back(l.kind == analysis::Attractor::retrieved);
      retrieved.push_back(std::move(ok));
    }
  }
  analysis::BasinTable table;
  if (basins) {
    table = analysis::tabulate_basins(values, targets, retrieved, basin_memories);
    writer.write_basins(table);
  }
  writer.finish();
  if (opt.quiet) return 0;

  long failed = 0;
  double seconds = 0.0;
  for (const Row& r : rows) {
    failed += r.failed;
    seconds += r.seconds;
  }
  std::cout << "mnemo sweep: " << base.model.kind << ", " << key << " over " << P << " values (seed " << base.seed
            << ", " << dynamics::to_string(base.integrate.method) << ")\n";
  std::cout << std::setw(16) << key << std::setw(7) << "K" << std::setw(7) << "N" << std::setw(7) << "B"
            << std::setw(9) << "recall" << std::setw(9) << "overlap" << std::setw(11) << "retrieved" << std::setw(8) << "exact" << std::setw(11)
            << "converged" << std::setw(9) << "wall s" << "\n";
  std::cout << std::fixed;
  for (Eigen::Index p = 0; p < P; ++p) {
    const Row& r = rows[static_cast<std::size_t>(p)];
    std::cout << std::setw(16) << show(values[static_cast<std::size_t>(p)]) << std::setw(7) << r.K << std::setw(7) << r.N << std::setw(7) << r.B << std::setprecision(3)
              << std::setw(9) << r.recall << std::setw(9) << r.overlap << std::setw(11) << r.retrieved
              << std::setw(8) << r.exact << std::setw(11) << r.converged << std::setprecision(2) << std::setw(9) << r.seconds << "\n";
  }
  std::cout << std::defaultfloat << std::setprecision(4);
  std::cout << "  recall: final state nearest its target; retrieved: and overlap >= " << labels_options.recall_overlap
            << "; exact: every sign of the target\n";
  if (basins)
    std::cout << "  basin radius (recall >= " << 100.0 * table.threshold << " % at every smaller distance): pooled "
              << table.pooled_radius << ", per memory in /sweep/basins/radius\n";
  if (failed) std::cout << "  " << failed << " trajectories FAILED (see /sweep/failed)\n";
  std::cout << "  wall time " << seconds << " s, written " << out << "\n";
  return 0;
}

}  // namespace mnemo::cli

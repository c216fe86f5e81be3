// `mnemo sweep`: every grid value is validated first (io::with_value), then each point goes
// config -> memories -> model -> cues (cli::prepare) -> simulation -> attractor labels -> one row of
// the sweep file, written and flushed as soon as the point finishes. Under mpirun/srun the points
// are spread over the ranks with dynamic load balancing and rank 0 writes every row
// (cli/mpi_sweep.hpp, docs/scaling.md); a row is the same bits whichever rank computed it.
#include "sweep_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <csignal>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include "discrete_pipeline.hpp"
#include "mpi_session.hpp"
#include "mpi_sweep.hpp"
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
  SweepProgress(bool show, std::string label, const std::function<void()>& service)
      : show_(show), label_(std::move(label)), service_(service) {}
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
  bool keep_going() override {
    if (service_) service_();  // rank 0 of an MPI sweep answers the other ranks meanwhile
    return !sweep_stop.load();
  }
  void clear() const {
    if (show_) std::printf("\r%*s\r", static_cast<int>(label_.size()) + 34, "");
  }

 private:
  bool show_;
  std::string label_;
  const std::function<void()>& service_;
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
  if (!mpi::built_with_mpi() && mpi::launched_size() > 1) {
    if (mpi::launched_rank() > 0) return 2;  // rank 0 says why
    throw io::InputError(opt.config + ": started by an MPI launcher with " + std::to_string(mpi::launched_size()) +
                         " processes, but this mnemo was built without MPI (MNEMO_MPI=OFF): run it as one process");
  }

  // Every point's config first, so a bad key or value fails before any work (exit 2). Every rank
  // of an MPI job reads the same config and fails alike; only rank 0 says so.
  io::RunConfig base;
  std::vector<io::RunConfig> configs;
  try {
    base = io::load_config(opt.config);
    if (!base.sweep)
      throw io::InputError(base.file + ": key 'sweep': missing section [sweep] (mnemo sweep needs key and values)");
    for (double v : base.sweep->values) configs.push_back(io::with_value(base, base.sweep->key, v));
  } catch (const io::InputError&) {
    if (mpi::launched_rank() > 0) return 2;
    throw;
  }
  // MPI starts only once the config is known to be good: a bad one ends every rank at once.
  const mpi::Session session;
  const bool lead = session.rank() == 0, distributed = session.size() > 1;
  const std::string key = base.sweep->key;
  const std::vector<double>& values = base.sweep->values;
  Eigen::Index queries = configs.front().queries.count, memories = configs.front().memories.count;
  for (const io::RunConfig& c : configs) {
    if (c.queries.count != queries) queries = 0;
    if (c.memories.count != memories) memories = 0;
  }
  // Sweeping the cue distance measures basins: recall probability vs distance per memory.
  const bool basins = key == "queries.level" && memories > 0;
  const analysis::AttractorOptions labels_options;
  const std::string out = opt.out.empty() ? base.output_path : opt.out;
  // Several ranks on one node share its cores unless OMP_NUM_THREADS or --threads says otherwise.
  int threads = opt.threads;
  if (threads == 0 && distributed && !std::getenv("OMP_NUM_THREADS"))
    threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / session.node_size());

  // Open MPI gives rank 0 a pseudo-terminal: no bar under MPI (it would show rank 0's points only).
  const bool tty = !distributed && !opt.quiet && isatty(STDOUT_FILENO);
  const auto P = static_cast<Eigen::Index>(values.size());
  const mpi::ComputePoint compute = [&](Eigen::Index p,
                                        const std::function<void()>& service) -> std::optional<io::SweepRow> {
    Prepared prep = prepare(configs[static_cast<std::size_t>(p)]);
    prep.config.integrate.threads = threads;
    SweepProgress progress(tty, "point " + std::to_string(p + 1) + "/" + std::to_string(P) + "  " + key + " = " +
                                    show(values[static_cast<std::size_t>(p)]),
                           service);
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
    if (res.ensemble.interrupted) return std::nullopt;
    io::SweepPoint point;
    point.memories = prep.model.memories.rows();
    point.dim = prep.model.memories.cols();
    point.result = &res;
    point.labels = analysis::classify_attractors(prep.model.memories, res.final_readout, res.recall.target,
                                                 res.ensemble.status, labels_options);
    if (prep.discrete) point.metrics = discrete_metrics(discrete);
    // Kinds trained on a task sequence (sequential_dam): the accuracy matrix A[t, k] summarised.
    if (auto it = prep.model.extra.find("accuracy"); it != prep.model.extra.end() && it->second.rows() > 0) {
      const analysis::Matrix& A = it->second;
      const Eigen::Index last = A.rows() - 1;
      double forgetting = 0.0;
      for (Eigen::Index k = 0; k < last; ++k) forgetting += A.col(k).segment(k, last - k + 1).maxCoeff() - A(last, k);
      point.metrics.push_back({"task1_accuracy_first", A(0, 0), "test accuracy on task 1 after training task 1"});
      point.metrics.push_back({"task1_accuracy_final", A(last, 0), "test accuracy on task 1 after the last task"});
      point.metrics.push_back({"final_mean_accuracy", A.row(last).mean(), "mean test accuracy over all tasks after the last"});
      point.metrics.push_back({"mean_forgetting", last > 0 ? forgetting / double(last) : 0.0,
                               "mean over tasks k < T of max_t A[t, k] - A[T, k] (best accuracy minus final)"});
    }
    const std::vector<bool> exact = analysis::exact_recall(prep.model.memories, res.final_readout, res.recall.target);
    point.exact_rate = exact.empty() ? 0.0 : double(std::count(exact.begin(), exact.end(), true)) / double(exact.size());
    return io::sweep_row(point);
  };
  if (!lead) {
    mpi::serve_sweep(session, compute, sweep_stop, out);
    return 0;
  }

  io::SweepHeader header;
  header.config_text = base.text;
  header.seed = base.seed;
  header.key = key;
  header.values = values;
  header.model = base.model;
  header.memories_source = base.memories.source;
  header.queries = queries;
  header.recall_overlap = labels_options.recall_overlap;
  std::unique_ptr<io::SweepWriter> writer;
  std::vector<io::SweepRow> rows(static_cast<std::size_t>(P));
  std::vector<Eigen::Index> todo;
  try {
    if (opt.resume) {
      writer = std::make_unique<io::SweepWriter>(out, header, io::SweepWriter::Resume{});
      std::vector<std::optional<io::SweepRow>> stored = writer->stored_rows();
      for (Eigen::Index p = 0; p < P; ++p)
        if (stored[static_cast<std::size_t>(p)])
          rows[static_cast<std::size_t>(p)] = std::move(*stored[static_cast<std::size_t>(p)]);
        else
          todo.push_back(p);
    } else {
      writer = std::make_unique<io::SweepWriter>(out, header);
      for (Eigen::Index p = 0; p < P; ++p) todo.push_back(p);
    }
  } catch (const io::InputError& e) {
    if (!distributed) throw;
    std::cerr << "mnemo: error: " << e.what() << std::endl;
    session.abort(2);  // the other ranks are waiting for work
  }

  const auto started = std::chrono::steady_clock::now();
  const mpi::KeepRow keep = [&](Eigen::Index p, io::SweepRow&& row, int rank) {
    writer->write_row(p, row, rank);
    rows[static_cast<std::size_t>(p)] = std::move(row);
  };
  if (distributed) {
    // Most expensive first (longest processing time first), by a rough cost K * N * B * t_end: the
    // last points handed out are then the short ones, and no rank computes a long one while the
    // others are idle at the end. The order changes no result.
    const auto cost = [&](Eigen::Index p) {
      const io::RunConfig& c = configs[static_cast<std::size_t>(p)];
      return double(c.memories.count) * double(c.memories.dim) * double(c.queries.count) * c.integrate.t_end;
    };
    std::stable_sort(todo.begin(), todo.end(), [&](Eigen::Index a, Eigen::Index b) { return cost(a) > cost(b); });
    mpi::lead_sweep(session, todo, compute, keep, [&] { writer->flush(); }, sweep_stop, out);
  } else {
    for (Eigen::Index p : todo) {
      std::optional<io::SweepRow> row = compute(p, {});
      if (!row) {
        std::cerr << "mnemo: error: " << out << ": sweep interrupted by a signal at point " << p + 1 << " of " << P
                  << "; the file is marked incomplete; `mnemo sweep --resume` finishes it\n";
        return 1;
      }
      keep(p, std::move(*row), 0);
    }
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  analysis::BasinTable table;
  if (basins) {
    std::vector<Eigen::VectorXi> targets;
    std::vector<std::vector<bool>> retrieved;
    for (const io::SweepRow& r : rows) {
      Eigen::VectorXi t(static_cast<Eigen::Index>(r.target.size()));
      std::vector<bool> ok;
      for (std::size_t b = 0; b < r.target.size(); ++b) {
        t[static_cast<Eigen::Index>(b)] = static_cast<int>(r.target[b]);
        ok.push_back(static_cast<int>(r.attractor[b]) == static_cast<int>(analysis::Attractor::retrieved));
      }
      targets.push_back(std::move(t));
      retrieved.push_back(std::move(ok));
    }
    table = analysis::tabulate_basins(values, targets, retrieved, memories);
    writer->write_basins(table);
  }
  writer->finish();
  if (opt.quiet) return 0;

  long failed = 0;
  double seconds = 0.0;
  for (const io::SweepRow& r : rows) {
    failed += static_cast<long>(r.failed);
    seconds += r.wall_seconds;
  }
  std::cout << "mnemo sweep: " << base.model.kind << ", " << key << " over " << P << " values (seed " << base.seed
            << ", " << dynamics::to_string(base.integrate.method) << ")\n";
  std::cout << std::setw(16) << key << std::setw(7) << "K" << std::setw(7) << "N" << std::setw(7) << "B"
            << std::setw(9) << "recall" << std::setw(9) << "overlap" << std::setw(11) << "retrieved" << std::setw(8) << "exact" << std::setw(11)
            << "converged" << std::setw(9) << "wall s" << "\n";
  std::cout << std::fixed;
  for (Eigen::Index p = 0; p < P; ++p) {
    const io::SweepRow& r = rows[static_cast<std::size_t>(p)];
    std::cout << std::setw(16) << show(values[static_cast<std::size_t>(p)]) << std::setw(7)
              << static_cast<long long>(r.memory_count) << std::setw(7) << static_cast<long long>(r.dimension) << std::setw(7) << r.target.size() << std::setprecision(3) << std::setw(9)
              << r.recall_rate << std::setw(9) << r.mean_overlap << std::setw(11) << r.retrieval_rate << std::setw(8)
              << r.exact_rate << std::setw(11) << r.converged_fraction << std::setprecision(2) << std::setw(9)
              << r.wall_seconds << "\n";
  }
  std::cout << std::defaultfloat << std::setprecision(4);
  std::cout << "  recall: final state nearest its target; retrieved: and overlap >= " << labels_options.recall_overlap
            << "; exact: every sign of the target\n";
  if (basins)
    std::cout << "  basin radius (recall >= " << 100.0 * table.threshold << " % at every smaller distance): pooled "
              << table.pooled_radius << ", per memory in /sweep/basins/radius\n";
  if (failed) std::cout << "  " << failed << " trajectories FAILED (see /sweep/failed)\n";
  std::cout << "  wall time " << seconds << " s";
  if (distributed) std::cout << " over " << session.size() << " MPI ranks, elapsed " << elapsed << " s";
  if (opt.resume) std::cout << ", " << P - static_cast<Eigen::Index>(todo.size()) << " of " << P << " points resumed from the file";
  std::cout << ", written " << out << "\n";
  return 0;
}

}  // namespace mnemo::cli

#include "mpi_run.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <ctime>
#include <cstdlib>
#include <exception>
#include <functional>
#include <iomanip>
#include <iostream>
#include <optional>
#include <thread>

#include "mpi_session.hpp"
#include "pipeline.hpp"
#include "mnemo/analysis/simulate.hpp"
#include "mnemo/io/config.hpp"
#include "mnemo/io/input_error.hpp"
#include "mnemo/io/run_file.hpp"

namespace mnemo::cli {
namespace {

std::atomic<bool> run_stop{false};
extern "C" void on_run_signal(int) { run_stop.store(true); }

constexpr int work_tag = 11;    // rank 0 -> worker: first trajectory of a batch, or -1: stop
constexpr int result_tag = 12;  // worker -> rank 0: the batch (pack_batch)
const std::string incomplete = "the file is marked incomplete";

using analysis::Matrix;
using analysis::Vector;

// Trajectories first .. first + count - 1: every saved slice and the per-trajectory results.
struct Batch {
  long long first = 0, count = 0;
  Vector time;
  std::vector<std::string> layer_names;
  std::vector<Matrix> readout;                  // T of count x N
  std::vector<Vector> energy;                   // T of count
  std::vector<std::vector<Matrix>> layers;      // T x layers, count x layer size
  std::vector<double> t_stop;
  std::vector<long long> status, rhs_evaluations, steps;
};

class BatchSink final : public analysis::TrajectorySink {
 public:
  BatchSink(Batch& b, const std::function<void()>& service) : b_(b), service_(service) {}
  void begin(const Vector& time, Eigen::Index, const std::vector<std::string>& names) override {
    b_.time = time;
    b_.layer_names = names;
  }
  void save(Eigen::Index, double, const Matrix& readout, const Vector& energy, const std::vector<Matrix>& layers) override {
    b_.readout.push_back(readout);
    b_.energy.push_back(energy);
    b_.layers.push_back(layers);
  }
  bool keep_going() override {
    if (service_) service_();
    return !run_stop.load();
  }

 private:
  Batch& b_;
  const std::function<void()>& service_;
};

void put(mpi::Packer& k, const Matrix& m) {
  k.put(static_cast<long long>(m.cols()));
  k.put(std::vector<double>(m.data(), m.data() + m.size()));
}
Matrix take_matrix(mpi::Unpacker& u, long long rows) {
  const long long cols = u.integer();
  const std::vector<double> v = u.numbers();
  if (static_cast<long long>(v.size()) != rows * cols) throw std::runtime_error("MPI batch of the wrong size");
  return Eigen::Map<const Matrix>(v.data(), rows, cols);
}
void put(mpi::Packer& k, const std::vector<long long>& v) {
  k.put(static_cast<long long>(v.size()));
  for (long long x : v) k.put(x);
}
std::vector<long long> take_integers(mpi::Unpacker& u) {
  std::vector<long long> v(static_cast<std::size_t>(u.integer()));
  for (long long& x : v) x = u.integer();
  return v;
}

std::vector<char> pack_batch(const Batch& b) {
  mpi::Packer k;
  k.put(b.first);
  k.put(b.count);
  k.put(std::vector<double>(b.time.data(), b.time.data() + b.time.size()));
  k.put(static_cast<long long>(b.layer_names.size()));
  for (const std::string& name : b.layer_names) k.put(name);
  k.put(static_cast<long long>(b.readout.size()));
  for (std::size_t i = 0; i < b.readout.size(); ++i) {
    put(k, b.readout[i]);
    put(k, Matrix(b.energy[i]));
    for (const Matrix& m : b.layers[i]) put(k, m);
  }
  k.put(b.t_stop);
  put(k, b.status);
  put(k, b.rhs_evaluations);
  put(k, b.steps);
  return k.bytes();
}

Batch unpack_batch(const std::vector<char>& bytes) {
  mpi::Unpacker u(bytes);
  Batch b;
  b.first = u.integer();
  b.count = u.integer();
  const std::vector<double> time = u.numbers();
  b.time = Eigen::Map<const Vector>(time.data(), static_cast<Eigen::Index>(time.size()));
  b.layer_names.resize(static_cast<std::size_t>(u.integer()));
  for (std::string& name : b.layer_names) name = u.text();
  const long long T = u.integer();
  for (long long i = 0; i < T; ++i) {
    b.readout.push_back(take_matrix(u, b.count));
    b.energy.push_back(take_matrix(u, b.count).col(0));
    std::vector<Matrix> layers;
    for (std::size_t l = 0; l < b.layer_names.size(); ++l) layers.push_back(take_matrix(u, b.count));
    b.layers.push_back(std::move(layers));
  }
  b.t_stop = u.numbers();
  b.status = take_integers(u);
  b.rhs_evaluations = take_integers(u);
  b.steps = take_integers(u);
  return b;
}

// Integrates one batch on this rank; nullopt when a signal stopped it.
std::optional<Batch> compute_batch(const Prepared& p, dynamics::IntegrateOptions o, long long first, long long count,
                                   const std::function<void()>& service) {
  // Trajectory first + b of the run, whichever rank and batch: its own noise stream.
  o.noise.first_trajectory = static_cast<std::uint64_t>(first);
  Batch b;
  b.first = first;
  b.count = count;
  BatchSink sink(b, service);
  const Matrix cues = p.cues.cues.middleRows(first, count);
  const Eigen::VectorXi targets = p.cues.targets.segment(first, count);
  const analysis::SimulationResult res = analysis::simulate(p.model, cues, targets, o, &sink, &run_stop);
  if (res.ensemble.interrupted || static_cast<Eigen::Index>(b.readout.size()) != b.time.size()) return std::nullopt;
  const auto& e = res.ensemble;
  b.t_stop.assign(e.t_stop.data(), e.t_stop.data() + e.t_stop.size());
  for (std::size_t i = 0; i < e.status.size(); ++i) {
    b.status.push_back(static_cast<long long>(e.status[i]));
    b.rhs_evaluations.push_back(e.rhs_evaluations[i]);
    b.steps.push_back(e.steps[i]);
  }
  return b;
}

// Rank 0: writes each batch into the run file as it arrives and keeps what the ensemble-wide
// numbers need, so that result() equals analysis::simulate's on the whole ensemble bit for bit.
class Gather {
 public:
  Gather(io::RunWriter& writer, const Prepared& p, const dynamics::IntegrateOptions& o)
      : writer_(writer), p_(p), o_(o), B_(p.cues.cues.rows()) {}

  void keep(const Batch& b) {
    const auto started = std::chrono::steady_clock::now();
    const std::clock_t cpu = std::clock();
    const Eigen::Index T = b.time.size();
    if (!begun_) {
      writer_.begin(b.time, B_, b.layer_names);
      time_ = b.time;
      const Eigen::Index N = b.readout.front().cols();
      initial_.resize(B_, N);
      final_.resize(B_, N);
      initial_energy_.resize(B_);
      final_energy_.resize(B_);
      t_stop_.resize(B_);
      status_.assign(static_cast<std::size_t>(B_), dynamics::Status::running);
      rhs_.assign(static_cast<std::size_t>(B_), 0);
      steps_.assign(static_cast<std::size_t>(B_), 0);
      best_rise_.assign(static_cast<std::size_t>(B_), 0.0);
      best_k_.assign(static_cast<std::size_t>(B_), -1);
      begun_ = true;
    }
    for (Eigen::Index k = 0; k < T; ++k) writer_.save_rows(b.first, k, b.readout[k], b.energy[k], b.layers[k]);
    initial_.middleRows(b.first, b.count) = b.readout.front();
    final_.middleRows(b.first, b.count) = b.readout.back();
    initial_energy_.segment(b.first, b.count) = b.energy.front();
    final_energy_.segment(b.first, b.count) = b.energy.back();
    energy_scale_ = std::max(energy_scale_, b.energy.front().cwiseAbs().maxCoeff());
    // The audit of analysis::simulate scans rises E(t_k) - E(t_{k-1}) time by time, trajectory by
    // trajectory, and keeps the first strictly largest (the very first rise unconditionally).
    // Per trajectory: its largest rise (NaN never wins) and the first k reaching it; result()
    // picks the first (k, b) among the largest. Violations need the ensemble's energy scale,
    // known only at the end: rises above the smallest possible tolerance are kept until then.
    const double floor = analysis::energy_tolerance(o_, 0.0);
    for (Eigen::Index j = 0; j < b.count; ++j) {
      const auto g = static_cast<std::size_t>(b.first + j);
      for (Eigen::Index k = 1; k < T; ++k) {
        const double rise = b.energy[k][j] - b.energy[k - 1][j];
        if (g == 0 && k == 1 && std::isnan(rise)) first_rise_nan_ = true;
        if (best_k_[g] < 0 ? !std::isnan(rise) : rise > best_rise_[g]) {
          best_rise_[g] = rise;
          best_k_[g] = k;
        }
        if (rise > floor) large_rises_.push_back(rise);
      }
      t_stop_[b.first + j] = b.t_stop[static_cast<std::size_t>(j)];
      status_[g] = static_cast<dynamics::Status>(b.status[static_cast<std::size_t>(j)]);
      rhs_[g] = static_cast<long>(b.rhs_evaluations[static_cast<std::size_t>(j)]);
      steps_[g] = static_cast<long>(b.steps[static_cast<std::size_t>(j)]);
    }
    done_ += b.count;
    seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    cpu_seconds_ += double(std::clock() - cpu) / CLOCKS_PER_SEC;
  }

  // Rank 0's time spent writing batches and keeping their numbers (its bound on the job's rate).
  double seconds() const { return seconds_; }
  double cpu_seconds() const { return cpu_seconds_; }

  analysis::SimulationResult result(double wall_seconds) const {
    analysis::SimulationResult res;
    dynamics::EnsembleResult& e = res.ensemble;
    e.time = time_;
    e.t_stop = t_stop_;
    e.status = status_;
    e.rhs_evaluations = rhs_;
    e.steps = steps_;
    res.initial_readout = initial_;
    res.final_readout = final_;
    res.initial_energy = initial_energy_;
    res.final_energy = final_energy_;
    analysis::EnergyAudit& a = res.audit;
    a.applicable = !o_.noise.enabled;
    a.tolerance = analysis::energy_tolerance(o_, energy_scale_);
    if (a.applicable)
      for (double rise : large_rises_) a.violations += (rise > a.tolerance);
    if (time_.size() > 1) {
      if (first_rise_nan_) {
        a.max_increase = std::nan("");
        a.worst_trajectory = 0;
        a.worst_time = time_[1];
      } else {
        for (Eigen::Index b = 0; b < B_; ++b) {
          const auto g = static_cast<std::size_t>(b);
          if (best_k_[g] < 0) continue;
          const bool better = a.worst_trajectory < 0 || best_rise_[g] > a.max_increase ||
                              (best_rise_[g] == a.max_increase && time_[best_k_[g]] < a.worst_time);
          if (better) {
            a.max_increase = best_rise_[g];
            a.worst_trajectory = b;
            a.worst_time = time_[best_k_[g]];
          }
        }
      }
    }
    res.recall = analysis::score_recall(p_.model.memories, final_, p_.cues.targets);
    for (long x : rhs_) res.rhs_evaluations += x;
    res.wall_seconds = wall_seconds;
    return res;
  }

 private:
  io::RunWriter& writer_;
  const Prepared& p_;
  dynamics::IntegrateOptions o_;
  Eigen::Index B_;
  bool begun_ = false;
  Vector time_;
  Matrix initial_, final_;
  Vector initial_energy_, final_energy_, t_stop_;
  std::vector<dynamics::Status> status_;
  std::vector<long> rhs_, steps_;
  double energy_scale_ = 0.0;
  std::vector<double> best_rise_;
  std::vector<Eigen::Index> best_k_;
  bool first_rise_nan_ = false;
  std::vector<double> large_rises_;
  Eigen::Index done_ = 0;
  double seconds_ = 0.0, cpu_seconds_ = 0.0;
};

// Waiting ranks sleep between polls (a blocking receive spins a core the others need).
void idle() { std::this_thread::sleep_for(std::chrono::microseconds(500)); }

[[noreturn]] void fail(const mpi::Session& s, std::string line, int code, io::RunWriter* writer = nullptr) {
  if (writer) {
    try {
      writer->flush();  // a readable file, complete = 0
    } catch (const std::exception&) {
    }
  }
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  std::cerr << "mnemo: error: " << line << std::endl;
  s.abort(code);
}

std::vector<char> pack_first(long long first) {
  mpi::Packer k;
  k.put(first);
  return k.bytes();
}

}  // namespace

int run_over_ranks(const RunOptions& opt) {
  std::signal(SIGINT, on_run_signal);
  std::signal(SIGTERM, on_run_signal);
  if (!mpi::built_with_mpi()) {
    if (mpi::launched_rank() > 0) return 2;  // rank 0 says why
    throw io::InputError(opt.config + ": started by an MPI launcher with " + std::to_string(mpi::launched_size()) +
                         " processes, but this mnemo was built without MPI (MNEMO_MPI=OFF): run it as one process");
  }
  // Every rank prepares the same memories, model and cues (a few B x N numbers; the integration is
  // what is split). A bad config fails every rank alike before MPI starts; only rank 0 says so.
  std::optional<Prepared> prepared;
  try {
    prepared.emplace(prepare(io::load_config(opt.config)));
    if (prepared->discrete)
      throw io::InputError(opt.config + ": key 'model.kind': discrete-time kind '" + prepared->config.model.kind +
                           "' runs in one process only; run `mnemo run` without mpirun/srun (or sweep it with "
                           "`mpirun mnemo sweep`)");
    // Batched dynamics couple the trajectories of a call (a shared step size, GEMM chunks of the
    // active rows; dynamics/batched.hpp): splitting them over ranks would change their bits.
    if (prepared->config.integrate.batch)
      throw io::InputError(opt.config + ": key 'integrate.batch': batched dynamics run in one process only (a "
                           "trajectory's bits depend on the rows integrated with it); under mpirun set batch = false");
  } catch (const std::exception&) {
    if (mpi::launched_rank() > 0) return 2;
    throw;
  }
  Prepared& p = *prepared;
  io::RunConfig& cfg = p.config;
  if (!opt.out.empty()) cfg.output_path = opt.out;
  const std::string& out = cfg.output_path;

  const mpi::Session session;
  const bool lead = session.rank() == 0;
  // Several ranks on one node share its cores unless OMP_NUM_THREADS or --threads says otherwise.
  int threads = opt.threads;
  if (threads == 0 && !std::getenv("OMP_NUM_THREADS"))
    threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / session.node_size());
  cfg.integrate.threads = threads;
  const dynamics::IntegrateOptions& o = cfg.integrate;

  // Batches of consecutive trajectories: at least 4 per rank (the last batches balance the load)
  // and messages of at most ~8 MB (T saved slices of readout, energy and internal states).
  const long long B = p.cues.cues.rows();
  const auto T = static_cast<long long>(dynamics::save_grid(o.t0, o.t_end, o.dt_save).size());
  const double per_trajectory = 8.0 * double(T) * double(p.model.network.readout_size() + 1 + p.model.network.state_size());
  const long long by_size = std::max(1LL, static_cast<long long>(double(8 << 20) / per_trajectory));
  const long long by_balance = std::max(1LL, (B + 4LL * session.size() - 1) / (4LL * session.size()));
  const long long S = std::min(by_size, by_balance);

  const auto run_batch = [&](long long first, const std::function<void()>& service,
                             io::RunWriter* writer) -> Batch {
    const long long count = std::min(S, B - first);
    const std::string where = " (rank " + std::to_string(session.rank()) + ", trajectories " + std::to_string(first) +
                              ".." + std::to_string(first + count - 1) + ")";
    std::optional<Batch> b;
    try {
      b = compute_batch(p, o, first, count, service);
    } catch (const io::InputError& e) {
      fail(session, e.what() + where, 2, writer);
    } catch (const std::exception& e) {
      fail(session, out + ": " + e.what() + where, 1, writer);
    }
    if (!b)
      fail(session, out + ": run stopped by a signal on rank " + std::to_string(session.rank()) +
                        " (another rank died, or the job was cancelled); " + incomplete,
           1, writer);
    return std::move(*b);
  };

  if (!lead) {
    // Computes the batches rank 0 hands out until it says stop; a batch's bytes go out while the
    // next one integrates.
    const std::function<void()> service = [] { mpi::progress(); };
    for (;;) {
      std::optional<mpi::Message> m;
      while (!(m = mpi::poll(work_tag))) {
        mpi::progress();
        if (run_stop.load())
          fail(session, out + ": run stopped by a signal on rank " + std::to_string(session.rank()) +
                            " while waiting for work (another rank died, or the job was cancelled); " + incomplete,
               1);
        idle();
      }
      mpi::Unpacker u(m->bytes);
      const long long first = u.integer();
      if (first < 0) break;
      mpi::post(0, result_tag, pack_batch(run_batch(first, service, nullptr)));
    }
    mpi::complete_posted();
    return 0;
  }

  const auto started = std::chrono::steady_clock::now();
  io::RunHeader header{cfg.text, cfg.seed, cfg.integrate, p.memories.description};
  std::optional<io::RunWriter> writer;
  try {
    writer.emplace(out, header, p.model, p.cues.cues, p.cues.targets);
  } catch (const std::exception& e) {
    // No file: the waiting workers are told to stop (no work), so the job ends with this one line
    // instead of every rank reporting the abort.
    for (int w = 1; w < session.size(); ++w) mpi::send(w, work_tag, pack_first(-1));
    std::string line = e.what();
    for (char& c : line)
      if (c == '\n' || c == '\r') c = ' ';
    std::cerr << "mnemo: error: " << line << std::endl;
    return dynamic_cast<const io::InputError*>(&e) ? 2 : 1;
  }
  Gather gather(*writer, p, o);

  std::vector<long long> firsts;
  for (long long b = 0; b < B; b += S) firsts.push_back(b);
  std::size_t next = 0;
  long outstanding = 0;
  std::vector<int> queued(static_cast<std::size_t>(session.size()), 0);
  std::vector<bool> stopped(static_cast<std::size_t>(session.size()), false);
  // As in `mpirun mnemo sweep` (cli/mpi_sweep.cpp): one batch of slack per worker while more
  // batches than ranks remain, one near the end; a result's envelope is the request for more.
  const auto top_up = [&](int w, int most) {
    int& q = queued[static_cast<std::size_t>(w)];
    const int depth = std::min(most, firsts.size() - next > static_cast<std::size_t>(session.size()) ? 2 : 1);
    while (q < depth && next < firsts.size()) {
      mpi::send(w, work_tag, pack_first(firsts[next++]));
      ++q;
      ++outstanding;
    }
    if (q == 0 && next == firsts.size() && !stopped[static_cast<std::size_t>(w)]) {
      mpi::send(w, work_tag, pack_first(-1));
      stopped[static_cast<std::size_t>(w)] = true;
    }
  };
  const std::function<void()> service = [&]() {
    for (int w : mpi::announced(result_tag)) {
      --queued[static_cast<std::size_t>(w)];
      top_up(w, 2);
    }
    for (mpi::Message& m : mpi::received()) {
      --outstanding;
      gather.keep(unpack_batch(m.bytes));
    }
  };
  for (int w = 1; w < session.size(); ++w) top_up(w, 1);
  // Rank 0 computes batches too in jobs of up to 8 ranks (answering between its saved slices).
  constexpr int lead_computes_up_to = 8;
  try {
    while (next < firsts.size() && session.size() <= lead_computes_up_to) {
      const Batch b = run_batch(firsts[next++], service, &*writer);
      gather.keep(b);
      service();
    }
    while (outstanding > 0) {
      if (run_stop.load())
        fail(session, out + ": run stopped by a signal on rank 0 while " + std::to_string(outstanding) +
                          " batches ran on other ranks (another rank died, or the job was cancelled); " + incomplete,
             1, &*writer);
      service();
      if (outstanding > 0) idle();
    }
  } catch (const std::exception& e) {
    fail(session, out + ": " + e.what() + " (rank 0)", 1, &*writer);
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const analysis::SimulationResult res = gather.result(elapsed);
  writer->finish(res);
  if (opt.quiet) return 0;

  std::size_t converged = 0, failed = 0;
  for (auto s : res.ensemble.status) {
    converged += (s == dynamics::Status::converged);
    failed += (s == dynamics::Status::failed);
  }
  std::cout << std::setprecision(4);
  std::cout << "mnemo run: " << cfg.model.kind << ", " << p.model.memories.rows() << " memories x "
            << p.model.memories.cols() << ", " << B << " queries over " << session.size() << " MPI ranks in "
            << firsts.size() << " batches of " << S << " (";
  if (o.noise.enabled)
    std::cout << dynamics::to_string(o.noise.method) << " dt " << o.dt << ", " << dynamics::to_string(o.noise.kind)
              << " noise sigma " << o.noise.sigma;
  else
    std::cout << dynamics::to_string(o.method) << ", rtol " << o.rtol;
  std::cout << ", t_end " << o.t_end << ", seed " << cfg.seed << ")\n";
  std::cout << "  recall success rate   " << 100.0 * res.recall.recall_rate << " % (final state nearest its target)\n";
  std::cout << "  mean final overlap    " << res.recall.mean_overlap << "\n";
  std::cout << "  mean energy drop      " << (res.initial_energy - res.final_energy).mean() << "\n";
  if (res.audit.applicable)
    std::cout << "  energy audit          max increase " << res.audit.max_increase << " (tolerance " << res.audit.tolerance
              << "), " << res.audit.violations << " violations\n";
  else
    std::cout << "  energy audit          not applicable (stochastic; max increase " << res.audit.max_increase << ")\n";
  std::cout << "  stopped early         " << converged << " of " << res.ensemble.status.size() << " converged"
            << (failed ? ", " + std::to_string(failed) + " FAILED" : std::string()) << "\n";
  std::cout << "  RHS evaluations       " << res.rhs_evaluations << "\n";
  std::cout << "  wall time             " << elapsed << " s over " << session.size() << " MPI ranks (rank 0 "
            << gather.seconds() << " s, CPU " << gather.cpu_seconds() << " s, writing batches)\n";
  std::cout << "  written               " << out << "\n";
  return failed ? 1 : 0;
}

}  // namespace mnemo::cli

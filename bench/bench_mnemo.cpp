// Benchmarks of issue 8 (docs/performance.md). The reference workload: modern Hopfield, K = 1000
// Fashion-MNIST images (N = 784, unit-normalized), beta = 100, B = 1000 cues with 30 % masked,
// dopri5 rtol 1e-6 on [0, 10], early stop at ||dx/dt|| <= 1e-6.
//   bench_mnemo --benchmark_filter=Rhs        right-hand sides, GFLOP/s and GB/s counters
//   bench_mnemo --benchmark_filter=Recall     one full recall of the reference workload
//   bench_mnemo --benchmark_filter=Spectrum   10 extremal Hessian eigenvalues at N = 1e5, K = 1000 (peak RSS)
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdio>
#include <filesystem>

#include "mnemo/analysis/operators.hpp"
#include "mnemo/analysis/simulate.hpp"
#include "mnemo/analysis/spectrum.hpp"
#include "mnemo/dynamics/batched.hpp"
#include "mnemo/io/datasets.hpp"
#include "mnemo/io/run_file.hpp"
#include "mnemo/models/batched_flow.hpp"
#include "mnemo/models/modern_hopfield.hpp"
#include "mnemo/models/patterns.hpp"
#include "mnemo/models/random.hpp"

using namespace mnemo;
using Matrix = Eigen::MatrixXd;
using Vector = Eigen::VectorXd;

namespace {

constexpr double kBeta = 100.0;

const Matrix& fashion_memories() {
  static const Matrix X = [] {
    io::MemoriesConfig c;
    c.source = "fashion_mnist";
    c.count = 1000;
    c.normalize = models::Normalize::unit;
    return io::load_memories(c, 1, "bench").patterns;
  }();
  return X;
}

const models::Cues& fashion_cues(Eigen::Index B) {
  static std::map<Eigen::Index, models::Cues> cache;
  auto it = cache.find(B);
  if (it == cache.end()) {
    models::Rng rng(1, 7);
    it = cache.emplace(B, models::make_cues(fashion_memories(), B, models::Corruption::mask, 0.3, rng)).first;
  }
  return it->second;
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // Linux: kilobytes
}

// One query: two matrix-vector products over the K x N memories (memory-bandwidth-bound).
void Rhs_single(benchmark::State& state) {
  const Matrix& X = fashion_memories();
  models::ModernHopfieldFlow flow{X, kBeta, {}};
  Vector v = fashion_cues(1).cues.row(0).transpose(), d(v.size());
  for (auto _ : state) {
    flow(v, d, 0.0);
    benchmark::DoNotOptimize(d.data());
  }
  const double K = static_cast<double>(X.rows()), N = static_cast<double>(X.cols());
  state.counters["GFLOP/s"] = benchmark::Counter(4.0 * K * N * state.iterations() / 1e9, benchmark::Counter::kIsRate);
  state.counters["GB/s"] = benchmark::Counter(2.0 * 8.0 * K * N * state.iterations() / 1e9, benchmark::Counter::kIsRate);
}
BENCHMARK(Rhs_single)->Unit(benchmark::kMicrosecond);

// B queries: two GEMMs (models::BatchedGradientFlow), one thread; second argument 1: float
// products (precision = "float"). The cues are fresh (30 % masked), so no row is sparse yet.
void Rhs_batched(benchmark::State& state) {
  const Matrix& X = fashion_memories();
  const Eigen::Index B = state.range(0);
  const models::Network net = models::modern_hopfield(X, kBeta);
  models::BatchedGradientFlow flow(net, models::BatchedFlowOptions{state.range(1) == 1});
  const Matrix S = fashion_cues(B).cues;
  Matrix dS;
  for (auto _ : state) {
    flow(S, dS);
    benchmark::DoNotOptimize(dS.data());
  }
  const double K = static_cast<double>(X.rows()), N = static_cast<double>(X.cols());
  state.counters["GFLOP/s"] =
      benchmark::Counter(4.0 * K * N * static_cast<double>(B) * state.iterations() / 1e9, benchmark::Counter::kIsRate);
  const double bytes = state.range(1) == 1 ? 4.0 : 8.0;
  state.counters["GB/s"] = benchmark::Counter(bytes * (K * N + 2.0 * static_cast<double>(B) * (N + K)) *
                                                  state.iterations() / 1e9, benchmark::Counter::kIsRate);
}
BENCHMARK(Rhs_batched)
    ->Args({64, 0})->Args({256, 0})->Args({1000, 0})->Args({256, 1})->Args({1000, 1})
    ->Unit(benchmark::kMillisecond);

// One Dormand-Prince step of the whole batch (6 RHS) through integrate_batched, all threads.
void Step_batched(benchmark::State& state) {
  const Matrix& X = fashion_memories();
  const models::Network net = models::modern_hopfield(X, kBeta);
  const Matrix S = fashion_cues(1000).cues;
  dynamics::IntegrateOptions o;
  o.t_end = 0.01;
  o.dt = 0.01;
  o.dt_save = 0.01;
  o.rtol = 1e300;  // accept the first trial step
  o.atol = 1e300;
  const auto make = [&net]() -> dynamics::BatchSystem {
    return [f = models::BatchedGradientFlow(net)](const Matrix& s, Matrix& d) mutable { f(s, d); };
  };
  for (auto _ : state) benchmark::DoNotOptimize(dynamics::integrate_batched(make, S, o, nullptr).final_state.data());
}
BENCHMARK(Step_batched)->Unit(benchmark::kMillisecond)->UseRealTime();

// One full recall of the reference workload: per-trajectory (0) or batched (1: per-trajectory
// step control, 2: shared step, 3: per-trajectory steps with float products), all threads.
void Recall(benchmark::State& state) {
  const Matrix& X = fashion_memories();
  const models::Cues& cues = fashion_cues(1000);
  models::ModelSpec spec;
  spec.kind = "modern_hopfield";
  spec.numbers["beta"] = kBeta;
  const models::Model model = models::build_model(spec, X);
  dynamics::IntegrateOptions o;
  o.rtol = 1e-6;
  o.atol = 1e-8;
  o.t_end = 10.0;
  o.converge_tol = 1e-6;
  o.batch = state.range(0) > 0;
  o.batch_shared_step = state.range(0) == 2;
  o.single_precision = state.range(0) == 3;
  analysis::SimulationResult r;
  for (auto _ : state) r = analysis::simulate(model, cues.cues, cues.targets, o);
  state.counters["recalled"] = r.recall.recall_rate;
  state.counters["rhs_per_traj"] = static_cast<double>(r.rhs_evaluations) / 1000.0;
}
BENCHMARK(Recall)->Arg(0)->Arg(1)->Arg(2)->Arg(3)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

// The energy Hessian of modern Hopfield at one state, matrix-free (analysis/operators.hpp).
void Hessian_op(benchmark::State& state) {
  const Matrix& X = fashion_memories();
  const models::Network net = models::modern_hopfield(X, kBeta);
  const auto lin = std::make_shared<const analysis::Linearisation>(net, fashion_cues(1).cues.row(0).transpose());
  analysis::EnergyHessianOp op(lin);
  Vector x = Vector::Ones(op.rows()), y(op.rows());
  for (auto _ : state) {
    op.perform_op(x.data(), y.data());
    benchmark::DoNotOptimize(y.data());
  }
}
BENCHMARK(Hessian_op)->Unit(benchmark::kMicrosecond);

// Issue 5: the 10 largest energy-Hessian eigenvalues of modern Hopfield with N = 1e5, K = 1000
// (random Gaussian memories scaled to unit norm), matrix-free with Spectra; peak RSS reported.
void Spectrum_large(benchmark::State& state) {
  const Eigen::Index N = 100000, K = 1000;
  models::Rng rng(1, 11);
  Matrix X(K, N);
  for (Eigen::Index j = 0; j < N; ++j)
    for (Eigen::Index i = 0; i < K; ++i) X(i, j) = rng.normal();
  X.rowwise().normalize();
  const models::Network net = models::modern_hopfield(X, 10.0);
  const Vector s = X.row(0).transpose() + 0.01 * X.row(1).transpose();
  X.resize(0, 0);  // the network holds its own copy; keep one K x N matrix (800 MB) in memory
  long products = 0;
  bool converged = false;
  for (auto _ : state) {
    auto lin = std::make_shared<const analysis::Linearisation>(net, s);
    analysis::EnergyHessianOp op(lin);
    analysis::SpectrumOptions so;
    so.tolerance = 1e-8;
    const auto r = analysis::symmetric_eigenvalues(op, 10, analysis::Which::largest_algebraic, so);
    products = r.products;
    converged = r.converged;
  }
  state.counters["products"] = static_cast<double>(products);
  state.counters["converged"] = converged;
  state.counters["peak_RSS_MB"] = peak_rss_mb();
}
BENCHMARK(Spectrum_large)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

// Writing the trajectories of the reference workload's shape (B = 1000, N = 784) to HDF5:
// one saved time per iteration, MB/s of state written.
void Hdf5_write(benchmark::State& state) {
  const Matrix& X = fashion_memories();
  const models::Cues& cues = fashion_cues(1000);
  models::ModelSpec spec;
  spec.kind = "modern_hopfield";
  const models::Model model = models::build_model(spec, X);
  const std::string path = (std::filesystem::temp_directory_path() / "mnemo_bench_write.h5").string();
  io::RunHeader header;
  header.integrate.t_end = 1e6;
  header.integrate.dt_save = 1.0;
  const Eigen::Index T = 200;
  io::RunWriter w(path, header, model, cues.cues, cues.targets);
  Vector time = Vector::LinSpaced(T, 0.0, static_cast<double>(T - 1));
  w.begin(time, cues.cues.rows(), {});
  Vector energy = Vector::Zero(cues.cues.rows());
  Eigen::Index k = 0;
  for (auto _ : state) {
    if (k == T) state.SkipWithError("more iterations than saved times");
    w.save(k, static_cast<double>(k), cues.cues, energy, {});
    ++k;
  }
  w.flush();
  state.counters["MB/s"] = benchmark::Counter(8.0 * static_cast<double>(cues.cues.size()) * state.iterations() / 1e6,
                                              benchmark::Counter::kIsRate);
  std::remove(path.c_str());
}
BENCHMARK(Hdf5_write)->Iterations(100)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();

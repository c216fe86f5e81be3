// Batched integration (dynamics/batched.hpp, models/batched_flow.hpp; issue 8): the same
// trajectories as the per-trajectory path within the tolerance, for both step controls and for
// the GEMM fast path and the row-by-row fallback; bits independent of the thread count.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "mnemo/dynamics/batched.hpp"
#include "mnemo/models/batched_flow.hpp"
#include "mnemo/models/modern_hopfield.hpp"

using namespace mnemo;
using dynamics::Matrix;
using dynamics::Vector;

namespace {

Matrix unit_rows(Eigen::Index rows, Eigen::Index cols, unsigned seed) {
  std::srand(seed);
  Matrix m = Matrix::Random(rows, cols);
  m.rowwise().normalize();
  return m;
}

dynamics::EnsembleResult per_trajectory(const models::Network& net, const Matrix& x0, dynamics::IntegrateOptions o) {
  o.batch = false;
  return dynamics::integrate_ensemble(
      [&net]() -> dynamics::System {
        return [f = models::GradientFlow(net)](const Vector& s, Vector& d, double t) mutable { f(s, d, t); };
      },
      x0, o, nullptr);
}

dynamics::EnsembleResult batched(const models::Network& net, const Matrix& x0, dynamics::IntegrateOptions o,
                                 std::vector<Matrix>* saves = nullptr) {
  o.batch = true;
  dynamics::EnsembleObserver keep;
  if (saves)
    keep = [saves](Eigen::Index, double, const std::vector<Vector>& s, const std::vector<dynamics::Status>&) {
      Matrix m(s.size(), s[0].size());
      for (std::size_t b = 0; b < s.size(); ++b) m.row(b) = s[b].transpose();
      saves->push_back(m);
      return true;
    };
  return dynamics::integrate_batched(
      [&net]() -> dynamics::BatchSystem {
        return [f = models::BatchedGradientFlow(net)](const Matrix& s, Matrix& d) mutable { f(s, d); };
      },
      x0, o, keep);
}

}  // namespace

TEST(Batched, FastPathEqualsNetworkRhs) {
  const Matrix X = unit_rows(40, 30, 3);
  const models::Network net = models::modern_hopfield(X, 20.0, 0.7);
  models::BatchedGradientFlow flow(net);
  ASSERT_TRUE(flow.matrix_product_path());
  const Matrix S = 0.5 * unit_rows(300, 30, 4);  // more rows than one chunk
  Matrix dS;
  flow(S, dS);
  auto ws = net.workspace();
  for (Eigen::Index b = 0; b < S.rows(); ++b) {
    Vector d(30);
    net.rhs(S.row(b).transpose(), d, ws);
    EXPECT_LT((dS.row(b).transpose() - d).lpNorm<Eigen::Infinity>(), 1e-13);
  }
  EXPECT_FALSE(models::BatchedGradientFlow(models::modern_hopfield(X, 20.0, 1.0, 0.1)).matrix_product_path());
}

TEST(Batched, SparseSecondProductEqualsNetworkRhs) {
  // beta = 400 on unit memories: rows at a memory keep a few weights above 2^-60 and take the
  // sparse sum; rows between memories (small beta gap) keep many and take the dense product.
  const Matrix X = unit_rows(64, 30, 11);
  const models::Network net = models::modern_hopfield(X, 400.0);
  Matrix S(200, 30);
  S.topRows(100) = X.topRows(50).replicate(2, 1) + 0.01 * unit_rows(100, 30, 12);
  S.bottomRows(100) = 0.02 * unit_rows(100, 30, 13);  // near the origin: all weights alive
  models::BatchedGradientFlow flow(net);
  Matrix dS;
  flow(S, dS);
  EXPECT_GE(flow.sparse_rows(), 90);   // the rows at memories
  EXPECT_LE(flow.sparse_rows(), 110);  // not the ones near the origin
  auto ws = net.workspace();
  double worst = 0.0;
  for (Eigen::Index b = 0; b < S.rows(); ++b) {
    Vector d(30);
    net.rhs(S.row(b).transpose(), d, ws);
    worst = std::max(worst, (dS.row(b).transpose() - d).lpNorm<Eigen::Infinity>());
  }
  EXPECT_LT(worst, 1e-14);
  std::printf("sparse rows %ld of 200, worst deviation from Network::rhs %.2e\n", flow.sparse_rows(), worst);
}

TEST(Batched, FloatProductsCarryFloatRoundingOnly) {
  // precision = "float": the RHS differs from the double one by float rounding amplified by beta
  // in the weights (~1e-7 * beta), no more and - since it is really float - not by nothing.
  const Matrix X = unit_rows(80, 40, 14);
  const double beta = 20.0;
  const models::Network net = models::modern_hopfield(X, beta);
  const Matrix S = X.topRows(40).replicate(3, 1) + 0.3 * unit_rows(120, 40, 15);
  models::BatchedGradientFlow exact(net), single(net, models::BatchedFlowOptions{true});
  Matrix d64, d32;
  exact(S, d64);
  single(S, d32);
  const double dev = (d64 - d32).lpNorm<Eigen::Infinity>();
  EXPECT_GT(dev, 0.0);
  EXPECT_LT(dev, 1e-6 * beta);
  // Energies: one product for the batch, the same value as Network::energy (double always).
  Vector E;
  single.energy(S, E);
  auto ws = net.workspace();
  for (Eigen::Index b = 0; b < S.rows(); ++b)
    EXPECT_NEAR(E[b], net.energy(S.row(b).transpose(), ws), 1e-13 * (1.0 + std::abs(E[b])));
  // Integrated: the same recall as double within a float-rounding-sized deviation.
  dynamics::IntegrateOptions o;
  o.t_end = 6.0;
  o.rtol = 1e-8;
  o.atol = 1e-10;
  const auto ref = batched(net, S, o);
  o.single_precision = true;
  const auto r = dynamics::integrate_batched(
      [&net, data = models::BatchedGradientFlow::prepare(net, {true})]() -> dynamics::BatchSystem {
        return [f = models::BatchedGradientFlow(net, data)](const Matrix& s, Matrix& d) mutable { f(s, d); };
      },
      S, o, nullptr);
  const double final_dev = (r.final_state - ref.final_state).lpNorm<Eigen::Infinity>();
  EXPECT_GT(final_dev, 0.0);
  EXPECT_LT(final_dev, 1e-5);
  std::printf("float vs double: RHS %.2e, final states %.2e\n", dev, final_dev);
}

TEST(Batched, ExponentialDecayAtSaveTimes) {
  // dx/dt = -x through the batch interface: dense output at the saves within the tolerance.
  dynamics::IntegrateOptions o;
  o.rtol = 1e-8;
  o.atol = 1e-10;
  o.t_end = 3.0;
  o.dt_save = 0.25;
  for (bool shared : {false, true}) {
    o.batch_shared_step = shared;
    Matrix x0(3, 2);
    x0 << 1, -2, 0.5, 3, -1, 0.1;
    std::vector<double> times;
    std::vector<Matrix> saves;
    const auto r = dynamics::integrate_batched(
        []() -> dynamics::BatchSystem { return [](const Matrix& x, Matrix& d) { d = -x; }; }, x0, o,
        [&](Eigen::Index, double t, const std::vector<Vector>& s, const std::vector<dynamics::Status>&) {
          Matrix m(3, 2);
          for (int b = 0; b < 3; ++b) m.row(b) = s[b].transpose();
          times.push_back(t);
          saves.push_back(m);
          return true;
        });
    ASSERT_EQ(times.size(), 13u);
    for (std::size_t k = 0; k < times.size(); ++k)
      EXPECT_LT((saves[k] - x0 * std::exp(-times[k])).lpNorm<Eigen::Infinity>(), 1e-7) << "t = " << times[k];
    for (auto s : r.status) EXPECT_EQ(s, dynamics::Status::reached_end);
  }
}

TEST(Batched, AgreesWithPerTrajectoryPath) {
  // Modern Hopfield, beta = 30, cues = memories plus noise; with early stopping on.
  const Matrix X = unit_rows(50, 40, 5);
  const Matrix cues = X.topRows(20) + 0.3 * unit_rows(20, 40, 6);
  dynamics::IntegrateOptions o;
  o.rtol = 1e-8;
  o.atol = 1e-10;
  o.t_end = 8.0;
  o.converge_tol = 1e-3;
  for (double tau_h : {0.0, 0.05}) {  // GEMM path, row-by-row fallback (two-layer form)
    const models::Network net = models::modern_hopfield(X, 30.0, 1.0, tau_h);
    Matrix x0(cues.rows(), net.state_size());
    for (Eigen::Index b = 0; b < cues.rows(); ++b)
      x0.row(b) = models::initial_state(net, cues.row(b).transpose()).transpose();
    const auto ref = per_trajectory(net, x0, o);
    for (bool shared : {false, true}) {
      o.batch_shared_step = shared;
      const auto r = batched(net, x0, o);
      EXPECT_LT((r.final_state - ref.final_state).lpNorm<Eigen::Infinity>(), 1e-5) << tau_h << " " << shared;
      int converged = 0, converged_ref = 0;
      for (auto s : r.status) converged += s == dynamics::Status::converged;
      for (auto s : ref.status) converged_ref += s == dynamics::Status::converged;
      EXPECT_GT(converged_ref, 0);
      EXPECT_NEAR(converged, converged_ref, 1);
    }
  }
}

TEST(Batched, SameBitsForOneAndTwoThreads) {
  const Matrix X = unit_rows(60, 30, 7);
  const models::Network net = models::modern_hopfield(X, 25.0);
  const Matrix x0 = X.topRows(30).replicate(10, 1) + 0.4 * unit_rows(300, 30, 8);  // > one chunk of rows
  dynamics::IntegrateOptions o;
  o.t_end = 4.0;
  o.converge_tol = 1e-4;
  std::vector<Matrix> s1, s2;
  o.threads = 1;
  const auto r1 = batched(net, x0, o, &s1);
  o.threads = 2;
  const auto r2 = batched(net, x0, o, &s2);
  ASSERT_EQ(s1.size(), s2.size());
  for (std::size_t k = 0; k < s1.size(); ++k) EXPECT_TRUE(s1[k] == s2[k]) << "save " << k;
  EXPECT_TRUE(r1.t_stop == r2.t_stop);
  EXPECT_EQ(r1.rhs_evaluations, r2.rhs_evaluations);
}

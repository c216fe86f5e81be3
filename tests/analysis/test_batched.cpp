// Batched integration (dynamics/batched.hpp, models/batched_flow.hpp; issue 8): the same
// trajectories as the per-trajectory path within the tolerance, for both step controls and for
// the GEMM fast path and the row-by-row fallback; bits independent of the thread count.
#include <gtest/gtest.h>

#include <cmath>
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

// Every exposed stepper integrates dx/dt = -x to x(1) = e^-1 x(0) with an Eigen state: this
// guards the odeint/Eigen adaptor trap (without eigen.hpp dopri5 silently returns x unchanged
// and rk4 segfaults; engineering notes).
#include <gtest/gtest.h>

#include <cmath>

#include "mnemo/dynamics/ensemble.hpp"

namespace mnemo::dynamics {
namespace {

System decay() {
  return [](const Vector& x, Vector& dxdt, double) { dxdt = -x; };
}

class EveryMethod : public ::testing::TestWithParam<Method> {};

TEST_P(EveryMethod, ExponentialDecayToOneOverE) {
  IntegrateOptions o;
  o.method = GetParam();
  o.t_end = 1.0;
  o.dt_save = 0.25;
  o.dt = 1e-3;
  o.rtol = 1e-10;
  o.atol = 1e-12;
  Vector x0(3);
  x0 << 1.0, -2.0, 0.5;
  const Trajectory tr = integrate(decay(), x0, o);
  ASSERT_EQ(tr.time.size(), 5);
  EXPECT_DOUBLE_EQ(tr.time[4], 1.0);
  const Vector last = tr.states.row(4).transpose();
  // Euler's global error is O(dt) = 1e-3 * t e^-t; the others are far below 1e-6.
  const double tol = GetParam() == Method::euler ? 5e-4 : 1e-7;
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(last[i], x0[i] * std::exp(-1.0), tol) << to_string(GetParam());
  for (int k = 0; k < 5; ++k)
    EXPECT_NEAR(tr.states(k, 0), std::exp(-tr.time[k]), tol) << "save " << k;
  EXPECT_EQ(tr.status, Status::reached_end);
  EXPECT_GT(tr.rhs_evaluations, 0);
}

INSTANTIATE_TEST_SUITE_P(Steppers, EveryMethod,
                         ::testing::Values(Method::dopri5, Method::cash_karp54, Method::bulirsch_stoer, Method::rk4,
                                           Method::euler),
                         [](const auto& info) { return to_string(info.param); });

TEST(Ensemble, StopsOnConvergenceAndHoldsLastState) {
  IntegrateOptions o;
  o.t_end = 50.0;
  o.dt_save = 0.5;
  o.converge_tol = 1e-6;
  Matrix x0(2, 1);
  x0 << 1.0, 1e-7;  // the second starts converged
  std::vector<Vector> last;
  const EnsembleResult r = integrate_ensemble(decay, x0, o, [&](Eigen::Index, double, const std::vector<Vector>& s,
                                                                 const std::vector<Status>&) {
    last = s;
    return true;
  });
  EXPECT_EQ(r.status[0], Status::converged);
  EXPECT_EQ(r.status[1], Status::converged);
  EXPECT_DOUBLE_EQ(r.t_stop[1], 0.0);
  // |dx/dt| = |x| = e^-t <= 1e-6 first at the save time after t = ln 1e6 = 13.8.
  EXPECT_DOUBLE_EQ(r.t_stop[0], 14.0);
  EXPECT_LE(std::abs(last[0][0]), 1e-6);
  EXPECT_EQ(r.final_state(0, 0), last[0][0]);
}

TEST(Ensemble, SameBitsForAnyThreadCount) {
  IntegrateOptions o;
  o.t_end = 3.0;
  auto rotation = [] {
    return System([](const Vector& x, Vector& d, double t) {
      d.resize(2);
      d[0] = -x[1] - 0.1 * x[0] + 0.05 * std::sin(t);
      d[1] = x[0] - 0.1 * x[1];
    });
  };
  Matrix x0 = Matrix::Random(16, 2);
  o.threads = 1;
  const EnsembleResult a = integrate_ensemble(rotation, x0, o, {});
  o.threads = 2;
  const EnsembleResult b = integrate_ensemble(rotation, x0, o, {});
  EXPECT_EQ((a.final_state - b.final_state).cwiseAbs().maxCoeff(), 0.0);
}

TEST(Ensemble, NonFiniteStateIsReportedAsFailure) {
  IntegrateOptions o;
  o.method = Method::rk4;
  o.t_end = 2.0;
  o.dt = 0.1;
  auto blowup = [] { return System([](const Vector& x, Vector& d, double) { d = x.array().square() * 1e3; }); };
  Matrix x0 = Matrix::Constant(1, 1, 10.0);
  const EnsembleResult r = integrate_ensemble(blowup, x0, o, {});
  EXPECT_EQ(r.status[0], Status::failed);
}

TEST(Ensemble, ObserverCanCancel) {
  IntegrateOptions o;
  o.t_end = 10.0;
  Matrix x0 = Matrix::Ones(3, 2);
  const EnsembleResult r = integrate_ensemble(decay, x0, o, [](Eigen::Index k, double, const auto&, const auto&) {
    return k < 3;
  });
  EXPECT_TRUE(r.interrupted);
  for (auto s : r.status) EXPECT_EQ(s, Status::interrupted);
}

TEST(SaveGrid, IncludesEndPoint) {
  const Vector g = save_grid(0.0, 1.0, 0.3);
  ASSERT_EQ(g.size(), 5);
  EXPECT_DOUBLE_EQ(g[3], 0.9);
  EXPECT_DOUBLE_EQ(g[4], 1.0);
  EXPECT_EQ(save_grid(0.0, 20.0, 0.5).size(), 41);
}

}  // namespace
}  // namespace mnemo::dynamics

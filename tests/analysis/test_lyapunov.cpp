// Energy audit of trajectories and the residual Lyapunov function (our construction, not the
// paper's: analysis/lyapunov.hpp) for the dead-neuron setting of Fanaskov & Oseledets 2024.
#include <gtest/gtest.h>

#include "analysis/analysis_models.hpp"
#include "mnemo/analysis/fixed_points.hpp"
#include "mnemo/analysis/lyapunov.hpp"
#include "mnemo/dynamics/ensemble.hpp"

namespace mnemo::analysis {
namespace {

using models::Rng;

dynamics::Trajectory flow(const models::Network& net, const Vector& s0, double t_end, double dt_save) {
  dynamics::IntegrateOptions o;
  o.t_end = t_end;
  o.dt_save = dt_save;
  o.rtol = 1e-10;
  o.atol = 1e-12;
  o.max_steps = 200000;
  return dynamics::integrate(
      [g = models::GradientFlow(net)](const Vector& x, Vector& d, double t) mutable { g(x, d, t); }, s0, o);
}

TEST(EnergyAudit, AnalyticRateMatchesFiniteDifferencesAndFindsInjectedRises) {
  // Modern Hopfield, K = 5, N = 30 Gaussian memories, beta = 2, three cues (seed 11), saved every
  // 0.01 up to t = 4: finite differences of the saved energies (4th order inside, 2nd order next
  // to the ends, error h^2/6 |E'''| ~ 2e-5 |E'''|) match the analytic dE/dt = -tau xdot^T H xdot to
  // 1e-4 relative; no rise. Then save 17 of trajectory 1 is set 1e-3 above save 16: exactly that
  // save of that trajectory is reported.
  Rng rng(11, 31);
  const Matrix X = models::random_gaussian(5, 30, rng) / std::sqrt(30.0);
  const models::Model m = models::build_model({"modern_hopfield", {{"beta", 2.0}}, {}}, X);
  std::vector<Matrix> states;
  Matrix energy(3, 0);
  Vector time;
  auto ws = m.network.workspace();
  for (int b = 0; b < 3; ++b) {
    Vector cue(30);
    for (auto& x : cue) x = rng.normal() / std::sqrt(30.0);
    const auto tr = flow(m.network, cue, 4.0, 0.01);
    time = tr.time;
    states.push_back(tr.states);
    energy.conservativeResize(3, tr.time.size());
    for (Eigen::Index k = 0; k < tr.time.size(); ++k) energy(b, k) = m.network.energy(tr.states.row(k).transpose(), ws);
  }
  const Vector t_stop = Vector::Constant(3, 4.0);
  const auto get = [&](Eigen::Index b) { return states[b]; };
  const LyapunovAudit a = audit_energy(m.network, time, get, energy, t_stop, 1e-9);
  EXPECT_TRUE(a.passed());
  EXPECT_LT(a.max_increase, 0.0);
  EXPECT_LE(a.max_rate, 0.0);
  EXPECT_LT(a.max_relative_rate_error, 1e-4);
  EXPECT_LT(a.max_energy_mismatch, 1e-14);

  Matrix bumped = energy;
  bumped(1, 17) = bumped(1, 16) + 1e-3;
  const LyapunovAudit bad = audit_energy(m.network, time, get, bumped, t_stop, 1e-9);
  ASSERT_EQ(bad.violations.size(), 1u);
  EXPECT_EQ(bad.violations[0].trajectory, 1);
  EXPECT_DOUBLE_EQ(bad.violations[0].time, time(17));
  EXPECT_EQ(bad.worst_trajectory, 1);
  EXPECT_NEAR(bad.violations[0].increase, 1e-3, 1e-12);
  EXPECT_GT(bad.max_energy_mismatch, 1e-3);  // the stored energy no longer matches its state
}

TEST(EnergyAudit, FiniteDifferencesIgnoreSavesAfterTheStop) {
  // A trajectory that stopped at t = 1 repeats its state afterwards: no rate is estimated across
  // the stop, and E(t) = -t^2 gives the exact rate -2t at interior uniform points.
  Vector t(9), E(9);
  for (int k = 0; k < 9; ++k) t(k) = 0.25 * k, E(k) = -t(k) * t(k);
  for (int k = 5; k < 9; ++k) E(k) = E(4);
  const Vector r = finite_difference_rate(t, E, 1.0);
  for (int k = 1; k < 4; ++k) EXPECT_NEAR(r(k), -2.0 * t(k), 1e-12) << k;
  for (int k = 4; k < 9; ++k) EXPECT_TRUE(std::isnan(r(k))) << k;
}

struct DeadNeurons : ::testing::Test {
  // KH2021 compact form with the rectified cubic Lagrangian L = (1/3) sum relu(x)^3 (H = 2 relu(x):
  // dead neurons with H = 0 below zero, as for ReLU, but a continuous Hessian, so the altered flow,
  // which contains H, is an ordinary Lipschitz ODE; with ReLU (n = 2) it is a Filippov system
  // that chatters on the kinks and stalls adaptive steppers). 8 feature + 6 hidden neurons,
  // xi ~ N(0, 0.3^2), input ~ N(0, 1) - 0.5, seed 7.
  Rng rng{7, 21};
  models::Model model = make();
  models::Model make() {
    Matrix xi(6, 8);
    for (auto& x : xi.reshaped()) x = 0.3 * rng.normal();
    Vector input(8);
    for (auto& x : input) x = rng.normal() - 0.5;
    return testing_models::relu_compact_model(xi, input, 3.0);
  }
  // A fixed point with dead neurons, from Newton on random starts.
  Vector fixed_point() {
    for (int trial = 0; trial < 50; ++trial) {
      Vector s(14);
      for (auto& x : s) x = 2.0 * rng.normal();
      const Refinement r = newton(model.network, s);
      if (r.converged && (r.state.array() < -0.1).any() && (r.state.array().abs() > 1e-6).all()) return r.state;
    }
    ADD_FAILURE() << "no fixed point with dead neurons";
    return Vector::Zero(14);
  }
};

TEST_F(DeadNeurons, KH2021EnergyIsFlatWhereTheResidualLyapunovFunctionDecreases) {
  // Start in the flat region of a fixed point x*: live coordinates at x*, dead ones pushed 5
  // further down. Along the original flow the KH energy does not change at all (dE/dt = 0: only
  // dead coordinates move), although the state moves by ~5 - the energy cannot see this motion.
  // V = 1/2 |r|^2 strictly decreases along the altered flow from the same start.
  const Vector xs = fixed_point();
  Vector s0 = xs;
  for (Eigen::Index i = 0; i < 14; ++i)
    if (xs(i) < 0.0) s0(i) -= 5.0;
  const models::Network& net = model.network;
  auto ws = net.workspace();
  const auto original = flow(net, s0, 6.0, 0.5);
  const double E0 = net.energy(s0, ws);
  for (Eigen::Index k = 0; k < original.states.rows(); ++k)
    EXPECT_NEAR(net.energy(original.states.row(k).transpose(), ws), E0, 1e-12 * (1 + std::abs(E0))) << k;
  EXPECT_GT((original.states.row(original.states.rows() - 1).transpose() - s0).norm(), 4.0);

  for (const ResidualPotential& phi :
       {ResidualPotential{}, ResidualPotential{ResidualPotential::Kind::power, 1.5, 1.0},
        ResidualPotential{ResidualPotential::Kind::huber, 2.0, 0.5}}) {
    dynamics::IntegrateOptions o;
    o.t_end = 3.0;
    o.dt_save = 0.1;
    o.rtol = 1e-9;
    o.atol = 1e-12;
    o.max_steps = 200000;
    const auto altered = dynamics::integrate(
        [&](const Vector& x, Vector& d, double t) { AlteredFlow{&net, phi}(x, d, t); }, s0, o);
    double previous = residual_lyapunov(net, s0, phi);
    EXPECT_GT(previous, 1.0);
    for (Eigen::Index k = 1; k < altered.states.rows(); ++k) {
      const Vector s = altered.states.row(k).transpose();
      const double V = residual_lyapunov(net, s, phi);
      if (previous > 1e-10) {
        EXPECT_LT(V, previous) << "t = " << altered.time(k);
      }
      if (V > 1e-10) {
        EXPECT_LT(altered_flow_rate(net, s, phi), 0.0) << "t = " << altered.time(k);
      }
      previous = V;
    }
  }
}

TEST_F(DeadNeurons, ResidualFunctionHasNoFlatRegionWhereTheEnergyIsFlat) {
  // At random states (seed 7) every dead coordinate x_i < 0 spans a half-line on which the KH
  // energy is constant (to 1e-12). V is not: there dr/dx_i = e_i (H_ii = 0), so along
  // x_i -> x_i - t the quadratic V = 1/2 |r|^2 is 1/2 (r_i - t)^2 + const, whose second difference
  // with unit steps is exactly 1; every potential of the family takes distinct values at the
  // points t = 0..5 (Phi strictly convex in r_i), and grad V != 0 at these non-fixed states.
  const models::Network& net = model.network;
  auto ws = net.workspace();
  int lines = 0;
  for (int trial = 0; trial < 10; ++trial) {
    Vector s(14);
    for (auto& x : s) x = 1.5 * rng.normal();
    for (Eigen::Index i = 0; i < 14; ++i) {
      if (s(i) > -0.1) continue;
      ++lines;
      std::vector<double> E, V, Vp, Vh;
      for (int t = 0; t <= 5; ++t) {
        Vector m = s;
        m(i) -= t;
        E.push_back(net.energy(m, ws));
        V.push_back(residual_lyapunov(net, m));
        Vp.push_back(residual_lyapunov(net, m, {ResidualPotential::Kind::power, 1.5, 1.0}));
        Vh.push_back(residual_lyapunov(net, m, {ResidualPotential::Kind::huber, 2.0, 0.5}));
      }
      for (int t = 1; t <= 5; ++t) EXPECT_NEAR(E[t], E[0], 1e-12 * (1.0 + std::abs(E[0])));
      for (int t = 1; t <= 4; ++t) EXPECT_NEAR(V[t + 1] - 2 * V[t] + V[t - 1], 1.0, 1e-9);
      for (const auto* f : {&V, &Vp, &Vh})
        for (int a = 0; a <= 5; ++a)
          for (int b = a + 1; b <= 5; ++b)
            if ((*f)[a] == (*f)[b]) ADD_FAILURE() << "V constant between t = " << a << " and " << b << " (coordinate " << i << ")";
    }
    // grad V by central differences: not zero at a non-fixed state
    Vector grad(14);
    for (Eigen::Index j = 0; j < 14; ++j) {
      Vector e = Vector::Zero(14);
      e(j) = 1e-6;
      grad(j) = (residual_lyapunov(net, s + e) - residual_lyapunov(net, s - e)) / 2e-6;
    }
    EXPECT_GT(grad.norm(), 1e-3);
  }
  EXPECT_GE(lines, 10);
}

TEST_F(DeadNeurons, AnalyticRateOfTheResidualFunctionIsItsDerivative) {
  // dV/dt = -|J^T T grad Phi(r)|^2 equals the directional derivative of V along the altered flow
  // (central difference, step 1e-6) at random states, for each potential of the family.
  const models::Network& net = model.network;
  for (const ResidualPotential& phi :
       {ResidualPotential{}, ResidualPotential{ResidualPotential::Kind::power, 3.0, 1.0},
        ResidualPotential{ResidualPotential::Kind::huber, 2.0, 0.5}}) {
    for (int trial = 0; trial < 5; ++trial) {
      Vector s(14), v(14);
      for (auto& x : s) x = 1.5 * rng.normal();
      altered_flow(net, s, phi, v);
      const double h = 1e-6;
      const double fd = (residual_lyapunov(net, s + h * v, phi) - residual_lyapunov(net, s - h * v, phi)) / (2 * h);
      EXPECT_NEAR(altered_flow_rate(net, s, phi), fd, 1e-5 * (1.0 + std::abs(fd)));
    }
  }
}

TEST_F(DeadNeurons, AlteredFlowHasTheSameFixedPoints) {
  // At a fixed point of the original system the altered flow is at rest and V = 0; from a
  // perturbed start it returns to a state with zero residual, i.e. a fixed point of the original.
  const models::Network& net = model.network;
  const Vector xs = fixed_point();
  Vector v(14);
  altered_flow(net, xs, {}, v);
  // Newton stops at |F| <= 1e-10 (FixedPointOptions::tolerance), so |r| <= 1e-10 here.
  EXPECT_LT(v.norm(), 1e-9);
  EXPECT_LT(residual_lyapunov(net, xs), 1e-20);
  Vector s0 = xs;
  for (auto& x : s0) x += 0.05 * rng.normal();
  dynamics::IntegrateOptions o;
  o.t_end = 200.0;
  o.dt_save = 200.0;
  o.rtol = 1e-10;
  o.atol = 1e-12;
  o.max_steps = 200000;
  const auto tr = dynamics::integrate([&](const Vector& x, Vector& d, double t) { AlteredFlow{&net, {}}(x, d, t); }, s0, o);
  const Vector end = tr.states.bottomRows(1).transpose();
  Vector F(14);
  auto ws = net.workspace();
  net.rhs(end, F, ws);
  EXPECT_LT(F.norm(), 1e-6);
}

}  // namespace
}  // namespace mnemo::analysis

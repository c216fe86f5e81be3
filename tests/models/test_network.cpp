// The general Lagrangian network against its definition (KH2021 Sec. 2; Krotov 2021):
// energy gradient by finite differences, dE/ds = -T H ds/dt, analytic dE/dt, J v by finite
// differences, and the two baseline models against the contract's closed forms.
#include <gtest/gtest.h>

#include "mnemo/dynamics/ensemble.hpp"
#include "mnemo/models/catalogue.hpp"
#include "mnemo/models/classical_hopfield.hpp"
#include "mnemo/models/modern_hopfield.hpp"
#include "mnemo/models/patterns.hpp"

namespace mnemo::models {
namespace {

// A three-layer network mixing Lagrangians, biases, time constants and an instantaneous layer.
Network mixed_network(std::uint64_t seed) {
  Rng rng(seed, 7);
  auto rnd = [&](Eigen::Index r, Eigen::Index c, double s) {
    Matrix m(r, c);
    for (Eigen::Index i = 0; i < r; ++i)
      for (Eigen::Index j = 0; j < c; ++j) m(i, j) = s * rng.normal();
    return m;
  };
  Layer a{"a", 6, 1.0, LogCosh{1.5}, rnd(6, 1, 0.3).col(0)};
  Layer b{"b", 4, 0.5, RectifiedPoly{3.0}, {}};
  Layer c{"c", 3, 0.0, Softmax{2.0}, rnd(3, 1, 0.2).col(0)};
  Matrix Waa = rnd(6, 6, 0.2);
  Waa = (Waa + Waa.transpose()).eval();
  return Network({a, b, c}, {Synapse{0, 0, Waa}, Synapse{0, 1, rnd(4, 6, 0.5)}, Synapse{0, 2, rnd(3, 6, 0.7)}}, 0);
}

Vector random_state(Eigen::Index n, std::uint64_t seed) {
  Rng rng(seed, 8);
  Vector s(n);
  for (Eigen::Index i = 0; i < n; ++i) s[i] = rng.normal();
  return s;
}

TEST(Network, EnergyGradientMatchesFiniteDifferences) {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const Network net = mixed_network(seed);
    auto ws = net.workspace();
    const Vector s = random_state(net.state_size(), seed);
    Vector grad(s.size());
    net.energy_gradient(s, grad, ws);
    const double h = 1e-6;
    for (Eigen::Index i = 0; i < s.size(); ++i) {
      Vector sp = s, sm = s;
      sp[i] += h;
      sm[i] -= h;
      const double fd = (net.energy(sp, ws) - net.energy(sm, ws)) / (2 * h);
      EXPECT_NEAR(grad[i], fd, 1e-6 * (1.0 + std::abs(fd))) << "seed " << seed << " i " << i;
    }
  }
}

TEST(Network, GradientIsMinusTauHessianTimesFlow) {
  // dE/dx_i = H_i (x_i - I_i - b_i) = -tau_i H_i dx_i/dt: the flow descends the energy in the
  // metric of the Lagrangian Hessians (KH2021 eq. 6).
  const Network net = mixed_network(4);
  auto ws = net.workspace();
  const Vector s = random_state(net.state_size(), 4);
  Vector grad(s.size()), dsdt(s.size());
  net.energy_gradient(s, grad, ws);
  net.rhs(s, dsdt, ws);
  net.evaluate(s, ws);
  double rate = 0.0;
  for (int i = 0; i < 2; ++i) {
    const auto& L = net.layers()[i];
    const Vector d = dsdt.segment(net.offset(i), L.size);
    const Vector expect = -L.tau * (hessian(L.lagrangian, ws.x[i]) * d);
    EXPECT_LT((grad.segment(net.offset(i), L.size) - expect).norm(), 1e-12 * (1 + expect.norm()));
    rate += grad.segment(net.offset(i), L.size).dot(d);
  }
  EXPECT_NEAR(net.energy_rate(s, ws), rate, 1e-12 * (1 + std::abs(rate)));
  EXPECT_LE(net.energy_rate(s, ws), 0.0);
}

TEST(Network, JacobianVectorMatchesFiniteDifferences) {
  const Network net = mixed_network(5);
  auto ws = net.workspace();
  const Vector s = random_state(net.state_size(), 5), v = random_state(net.state_size(), 6);
  Vector Jv(s.size()), fp(s.size()), fm(s.size());
  net.jacobian_vector(s, v, Jv, ws);
  const double h = 1e-6;
  net.rhs(s + h * v, fp, ws);
  net.rhs(s - h * v, fm, ws);
  EXPECT_LT((Jv - (fp - fm) / (2 * h)).norm(), 1e-6 * (1 + Jv.norm()));
}

TEST(Network, RejectsShapesThatDoNotChain) {
  Layer a{"a", 3, 1.0, Identity{}, {}}, b{"b", 2, 1.0, Identity{}, {}};
  EXPECT_THROW(Network({a, b}, {Synapse{0, 1, Matrix::Zero(3, 3)}}), std::invalid_argument);
  EXPECT_THROW(Network({a}, {Synapse{0, 0, Matrix::Random(3, 3)}}), std::invalid_argument);  // not symmetric
  Layer h{"h", 2, 0.0, Softmax{1.0}, {}};
  EXPECT_THROW(Network({h}, {}), std::invalid_argument);  // feature layer integrated out
}

TEST(ClassicalHopfield, EnergyIsTheContractFormula) {
  // E = -1/2 g^T W g + sum_i int_0^{g_i} g^-1(s) ds, with int_0^g atanh(s)/gain ds =
  // [g atanh(g) + 1/2 log(1 - g^2)] / gain.
  Rng rng(3, 1);
  const Matrix X = random_binary(4, 30, rng);
  const double gain = 2.0;
  const Network net = classical_hopfield(X, gain);
  auto ws = net.workspace();
  const Vector u = 0.4 * random_state(30, 9);
  const Vector g = (gain * u.array()).tanh().matrix();
  const Matrix W = hebbian_weights(X);
  double integral = 0.0;
  for (Eigen::Index i = 0; i < g.size(); ++i)
    integral += (g[i] * std::atanh(g[i]) + 0.5 * std::log(1 - g[i] * g[i])) / gain;
  EXPECT_NEAR(net.energy(u, ws), -0.5 * g.dot(W * g) + integral, 1e-10);
  EXPECT_EQ(W.diagonal().norm(), 0.0);
  Vector dudt(30);
  net.rhs(u, dudt, ws);
  EXPECT_LT((dudt - (-u + W * g)).norm(), 1e-12);
}

TEST(ModernHopfield, EnergyAndFlowAreTheContractFormulas) {
  Rng rng(4, 1);
  const Matrix X = random_binary(7, 20, rng);
  const double beta = 0.3;
  const Network net = modern_hopfield(X, beta);
  ASSERT_EQ(net.state_size(), 20);  // hidden layer integrated out
  auto ws = net.workspace();
  const Vector v = random_state(20, 2);
  ModernHopfieldFlow closed{X, beta, {}};
  Vector a(20), b(20);
  net.rhs(v, a, ws);
  closed(v, b, 0.0);
  EXPECT_LT((a - b).norm(), 1e-12 * (1 + b.norm()));
  EXPECT_NEAR(net.energy(v, ws), closed.energy(v), 1e-10 * (1 + std::abs(closed.energy(v))));
}

dynamics::Trajectory run(const Network& net, const Vector& s0, double t_end) {
  dynamics::IntegrateOptions o;
  o.t_end = t_end;
  o.dt_save = 0.25;
  o.rtol = 1e-10;
  o.atol = 1e-12;
  GradientFlow flow(net);
  return dynamics::integrate([&](const Vector& x, Vector& d, double t) { flow(x, d, t); }, s0, o);
}

TEST(ModernHopfield, TwoLayerAndReducedFormsGiveTheSameVisibleTrajectory) {
  // KH2021 model B: with tau_h = 0 the hidden layer is integrated out exactly, so the general
  // network must reproduce the hand-written reduced flow; with a small tau_h > 0 the visible
  // trajectory approaches it as tau_h -> 0 (error O(tau_h)).
  Rng rng(5, 1);
  const Matrix X = random_binary(6, 16, rng);
  const double beta = 0.4;
  Rng crng(6, 2);
  const Vector cue = corrupt(X.row(0).transpose(), Corruption::flip, 0.3, crng);

  ModernHopfieldFlow closed{X, beta, {}};
  dynamics::IntegrateOptions o;
  o.t_end = 5.0;
  o.dt_save = 0.25;
  o.rtol = 1e-10;
  o.atol = 1e-12;
  const auto ref = dynamics::integrate([&](const Vector& x, Vector& d, double t) { closed(x, d, t); }, cue, o);

  const Network reduced = modern_hopfield(X, beta, 1.0, 0.0);
  const auto tr0 = run(reduced, initial_state(reduced, cue), 5.0);
  EXPECT_LT((tr0.states - ref.states).cwiseAbs().maxCoeff(), 1e-8);

  double previous = 1e9;
  for (double tau_h : {0.1, 0.01, 0.001}) {
    const Network two = modern_hopfield(X, beta, 1.0, tau_h);
    ASSERT_EQ(two.state_size(), 16 + 6);
    const auto tr = run(two, initial_state(two, cue), 5.0);
    const double err = (tr.states.leftCols(16) - ref.states).cwiseAbs().maxCoeff();
    EXPECT_LT(err, previous * 0.5) << "tau_h " << tau_h;  // shrinks at least linearly-ish
    previous = err;
  }
  EXPECT_LT(previous, 5e-3);
}

TEST(Catalogue, RejectsBadParameters) {
  Rng rng(1, 1);
  const Matrix X = random_binary(3, 8, rng);
  ModelSpec s{"modern_hopfield", {{"beta", -1.0}}, {}};
  try {
    build_model(s, X);
    FAIL() << "beta = -1 accepted";
  } catch (const ParamError& e) {
    EXPECT_EQ(e.key, "beta");
    EXPECT_NE(std::string(e.what()).find("> 0"), std::string::npos);
  }
  EXPECT_THROW(build_model({"no_such_kind", {}, {}}, X), ParamError);
  EXPECT_THROW(build_model({"modern_hopfield", {{"unknown", 1.0}}, {}}, X), ParamError);
  EXPECT_THROW(build_model({"modern_hopfield", {}, {{"form", "three_layer"}}}, X), ParamError);
}

}  // namespace
}  // namespace mnemo::models

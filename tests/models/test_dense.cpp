// Dense associative memory (kind "dense"): the energy of the composed network is the KH2016
// energy in normalised form, its gradient and flow are the closed forms, the energy is a Lyapunov
// function even for odd n (hidden layer integrated out), and capacity grows with n (KH2016,
// references row 3).
#include <gtest/gtest.h>

#include <cmath>

#include "param_key.hpp"
#include "mnemo/analysis/simulate.hpp"
#include "mnemo/dynamics/ensemble.hpp"
#include "mnemo/models/catalogue.hpp"
#include "mnemo/models/dense.hpp"
#include "mnemo/models/patterns.hpp"

namespace mnemo::models {
namespace {

struct DenseCase {
  const char* interaction;
  double n;
  double beta;
  DenseInteraction f;
};

const DenseCase kCases[] = {
    {"poly", 2, 1, DenseInteraction::poly},
    {"poly", 3, 1, DenseInteraction::poly},
    {"poly", 4, 1, DenseInteraction::poly},
    {"rectified_poly", 3, 1, DenseInteraction::rectified_poly},
    {"rectified_poly", 5, 1, DenseInteraction::rectified_poly},
    {"exp", 2, 6.0, DenseInteraction::exp},
};

Model build(const DenseCase& c, const Matrix& X, double gain, const std::string& form = "reduced") {
  return build_model({"dense", {{"n", c.n}, {"beta", c.beta}, {"gain", gain}}, {{"interaction", c.interaction}, {"form", form}}}, X);
}

Vector random_state(Eigen::Index n, std::uint64_t seed, double scale) {
  Rng rng(seed, 77);
  Vector x(n);
  for (Eigen::Index i = 0; i < n; ++i) x[i] = scale * rng.normal();
  return x;
}

// E(x) = sum_i [x_i g_i - gain^-1 log cosh(gain x_i)] - N sum_mu F(xi_mu . g / N)  (dense.hpp).
double closed_energy(const Matrix& X, const DenseCase& c, double gain, const Vector& x) {
  const double N = static_cast<double>(X.cols());
  const Vector g = (gain * x.array()).tanh().matrix();
  double E = 0.0;
  for (Eigen::Index i = 0; i < x.size(); ++i) E += x[i] * g[i] - std::log(std::cosh(gain * x[i])) / gain;
  const Vector m = X * g / N;
  for (Eigen::Index mu = 0; mu < m.size(); ++mu) E -= N * dense_interaction(c.f, c.n, c.beta, m[mu]);
  return E;
}

TEST(Dense, EnergyAndFlowAreTheClosedForms) {
  // N = 30, K = 12 random +-1 memories (seed 3), gain 1.7, states x ~ N(0, 0.8^2).
  Rng mrng(3, stream::memories);
  const Matrix X = random_binary(12, 30, mrng);
  const double gain = 1.7, N = 30.0;
  for (const DenseCase& c : kCases) {
    const Model model = build(c, X, gain);
    const Network& net = model.network;
    ASSERT_EQ(net.state_size(), 30);
    auto ws = net.workspace();
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
      const Vector x = random_state(30, seed, 0.8);
      const double E = net.energy(x, ws);
      const double Ec = closed_energy(X, c, gain, x);
      EXPECT_NEAR(E, Ec, 1e-10 * (1.0 + std::abs(Ec))) << c.interaction << " n=" << c.n;
      // tau dx/dt = sum_mu xi_mu F'(m_mu) - x
      Vector dx(30);
      net.rhs(x, dx, ws);
      const Vector g = (gain * x.array()).tanh().matrix();
      const Vector m = X * g / N;
      Vector fp(m.size());
      for (Eigen::Index mu = 0; mu < m.size(); ++mu) fp[mu] = dense_interaction_derivative(c.f, c.n, c.beta, m[mu]);
      const Vector expect = X.transpose() * fp - x;
      EXPECT_LT((dx - expect).lpNorm<Eigen::Infinity>(), 1e-10 * (1.0 + expect.lpNorm<Eigen::Infinity>()))
          << c.interaction << " n=" << c.n;
    }
  }
}

TEST(Dense, GradientMatchesFiniteDifferences) {
  // Central differences, h = 1e-6, on the reduced and the two-layer state (N = 20, K = 8, seed 5).
  Rng mrng(5, stream::memories);
  const Matrix X = random_binary(8, 20, mrng);
  for (const DenseCase& c : kCases) {
    for (const std::string form : {"reduced", "two_layer"}) {
      if (form == "two_layer" && c.f == DenseInteraction::poly && std::fmod(c.n, 2.0) != 0.0) continue;
      const Model model = build(c, X, 1.3, form);
      const Network& net = model.network;
      auto ws = net.workspace();
      Vector s = random_state(net.state_size(), 11, 0.7);
      // keep rectified hidden states away from the kink at 0
      if (form == "two_layer")
        for (Eigen::Index i = 20; i < s.size(); ++i)
          if (std::abs(s[i]) < 0.1) s[i] += 0.3;
      Vector grad(s.size());
      net.energy_gradient(s, grad, ws);
      const double h = 1e-6;
      for (Eigen::Index i = 0; i < s.size(); ++i) {
        Vector sp = s, sm = s;
        sp[i] += h;
        sm[i] -= h;
        const double fd = (net.energy(sp, ws) - net.energy(sm, ws)) / (2 * h);
        EXPECT_NEAR(grad[i], fd, 1e-6 * (1.0 + std::abs(fd))) << c.interaction << " n=" << c.n << " " << form << " i=" << i;
      }
    }
  }
}

TEST(Dense, EnergyNeverIncreasesEvenForOddN) {
  // With the memory layer integrated out dE/dt = -tau xdot^T H_v xdot <= 0 whatever F is
  // (KH2021 eq. 6 with only the visible layer integrated): odd n included. N = 40, K = 30,
  // seeds 1-3, cues with 30 % flips; saved energies may rise only by the integration tolerance
  // (analysis::energy_tolerance), the analytic rate is never positive, and the energy moves.
  for (const DenseCase& c : kCases) {
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
      Rng mrng(seed, stream::memories), qrng(seed, stream::queries);
      const Matrix X = random_binary(30, 40, mrng);
      const Model model = build(c, X, 2.0);
      const Cues cues = make_cues(X, 4, Corruption::flip, 0.3, qrng);
      dynamics::IntegrateOptions o;
      o.t_end = 10.0;
      o.dt_save = 0.05;
      auto ws = model.network.workspace();
      for (Eigen::Index b = 0; b < cues.cues.rows(); ++b) {
        const Vector s0 = initial_state(model.network, cues.cues.row(b).transpose());
        GradientFlow flow(model.network);
        const dynamics::Trajectory tr = dynamics::integrate(flow, s0, o);
        double previous = model.network.energy(tr.states.row(0).transpose(), ws);
        const double tol = analysis::energy_tolerance(o, std::abs(previous));
        for (Eigen::Index k = 1; k < tr.states.rows(); ++k) {
          const Vector s = tr.states.row(k).transpose();
          const double E = model.network.energy(s, ws);
          ASSERT_LE(E - previous, tol) << c.interaction << " n=" << c.n << " seed " << seed << " t=" << tr.time[k];
          ASSERT_LE(model.network.energy_rate(s, ws), 1e-12) << c.interaction << " n=" << c.n;
          previous = E;
        }
        EXPECT_LT(previous, model.network.energy(s0, ws) - 1e-6) << c.interaction << " n=" << c.n;
      }
    }
  }
}

TEST(Dense, EnergyRateMatchesDerivativeAlongTheFlow) {
  // dE/dt from Network::energy_rate equals grad E . ds/dt (KH2021 eq. 6), odd n included.
  Rng mrng(8, stream::memories);
  const Matrix X = random_binary(10, 25, mrng);
  for (const DenseCase& c : kCases) {
    const Model model = build(c, X, 1.5);
    auto ws = model.network.workspace();
    const Vector s = random_state(25, 21, 0.5);
    Vector grad(25), ds(25);
    model.network.energy_gradient(s, grad, ws);
    model.network.rhs(s, ds, ws);
    const double rate = model.network.energy_rate(s, ws);
    EXPECT_NEAR(rate, grad.dot(ds), 1e-10 * (1.0 + std::abs(rate)));
    EXPECT_LE(rate, 0.0);
  }
}

// Fraction of cues (stored patterns with `flips` signs flipped) that relax to their target
// exactly: sign(g) equals the stored pattern in every bit (KH2016's criterion), for F = m^n.
double exact_recall(const Matrix& X, double n, Eigen::Index queries, Eigen::Index flips, std::uint64_t seed,
                    double* mean_overlap = nullptr) {
  const Model model = build_model({"dense", {{"n", n}, {"gain", 10.0}}, {{"interaction", "poly"}}}, X);
  Rng qrng(seed, stream::queries);
  const Cues cues = make_cues(X, queries, Corruption::flip, static_cast<double>(flips) / X.cols(), qrng);
  dynamics::IntegrateOptions o;
  o.t_end = 30.0;
  o.dt_save = 1.0;
  o.converge_tol = 1e-5;
  o.threads = 2;
  const analysis::SimulationResult r = analysis::simulate(model, cues.cues, cues.targets, o);
  EXPECT_EQ(r.audit.violations, 0) << "n=" << n;
  if (mean_overlap) *mean_overlap = r.recall.mean_overlap;
  Eigen::Index exact = 0;
  for (Eigen::Index b = 0; b < queries; ++b) {
    const Vector target = X.row(cues.targets[b]).transpose();
    const Vector final_state = r.final_readout.row(b).transpose();
    exact += (final_state.array() * target.array() > 0.0).all() ? 1 : 0;
  }
  return static_cast<double>(exact) / static_cast<double>(queries);
}

TEST(Dense, CapacityGrowsWithInteractionPower) {
  // KH2016 (references row 3): K_max ~ N^(n-1) / (2 (2n-3)!! ln N); at N = 50 that is about
  // 6, 107 and 1066 for n = 2, 3, 4. With K = 300 random +-1 memories (seed 1) and 40 cues of
  // 3 flipped bits each (seed 1): n = 2 fails (the load is 50x its capacity), n = 4 and n = 5
  // recover nearly every cue.
  Rng mrng(1, stream::memories);
  const Matrix X = random_binary(300, 50, mrng);
  double m2 = 0, m3 = 0, m4 = 0, m5 = 0;
  const double r2 = exact_recall(X, 2, 40, 3, 1, &m2);
  const double r3 = exact_recall(X, 3, 40, 3, 1, &m3);
  const double r4 = exact_recall(X, 4, 40, 3, 1, &m4);
  const double r5 = exact_recall(X, 5, 40, 3, 1, &m5);
  std::printf("N=50 K=300: exact recall n=2 %.3f (overlap %.3f), n=3 %.3f (%.3f), n=4 %.3f (%.3f), n=5 %.3f (%.3f)\n",
              r2, m2, r3, m3, r4, m4, r5, m5);
  EXPECT_LE(r2, 0.2);
  EXPECT_GE(r4, 0.9);
  EXPECT_GE(r5, 0.95);
  EXPECT_LE(r2, r3);
  EXPECT_LE(r3, r4);
}

TEST(Dense, BadParametersAreRejected) {
  Rng mrng(1, stream::memories);
  const Matrix X = random_binary(4, 10, mrng);
  auto key_of = [&](const ModelSpec& s) { return rejected_key(s, X); };
  EXPECT_EQ(key_of({"dense", {{"n", 1.0}}, {}}), "n");
  EXPECT_EQ(key_of({"dense", {{"n", 2.5}}, {}}), "n");
  EXPECT_EQ(key_of({"dense", {{"beta", 0.0}}, {{"interaction", "exp"}}}), "beta");
  EXPECT_EQ(key_of({"dense", {{"beta", -1.0}}, {}}), "beta");
  EXPECT_EQ(key_of({"dense", {{"gain", 0.0}}, {}}), "gain");
  EXPECT_EQ(key_of({"dense", {}, {{"interaction", "cubic"}}}), "interaction");
  EXPECT_EQ(key_of({"dense", {{"n", 3.0}}, {{"form", "two_layer"}}}), "form");  // odd poly, integrated hidden
  EXPECT_EQ(key_of({"dense", {{"n", 4.0}}, {{"form", "two_layer"}}}), "accepted");
  EXPECT_EQ(key_of({"dense", {{"n", 3.0}}, {{"interaction", "rectified_poly"}, {"form", "two_layer"}}}), "accepted");
}

}  // namespace
}  // namespace mnemo::models

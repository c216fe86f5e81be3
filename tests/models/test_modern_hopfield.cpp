// Modern Hopfield network (kind "modern_hopfield", Ramsauer et al. 2020): the one-step update
// as a map, Theorem 3's storage constant, exponentially small one-step error in the separation
// (Theorems 4-5), metastable averages below a critical beta, and the rectified-norm separation.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "param_key.hpp"
#include "mnemo/analysis/simulate.hpp"
#include "mnemo/dynamics/ensemble.hpp"
#include "mnemo/models/catalogue.hpp"
#include "mnemo/models/modern_hopfield.hpp"
#include "mnemo/models/patterns.hpp"

namespace mnemo::models {
namespace {

TEST(ModernHopfieldMap, OneStepUpdateIsTheFlowPlusState) {
  // v_new = X^T softmax(beta X v) = dv/dt + v of the reduced ODE (Ramsauer eq. 3 vs KH2021 eq. 16).
  Rng rng(2, stream::memories);
  const Matrix X = random_gaussian(9, 15, rng);
  const Model model = build_model({"modern_hopfield", {{"beta", 0.7}}, {}}, X);
  auto ws = model.network.workspace();
  Rng vr(3, 7);
  Vector v(15), dv(15);
  for (Eigen::Index i = 0; i < 15; ++i) v[i] = vr.normal();
  model.network.rhs(v, dv, ws);
  EXPECT_LT((one_step_update(X, 0.7, v) - (dv + v)).norm(), 1e-12);
}

TEST(ModernHopfieldMap, LambertW0SolvesItsEquation) {
  for (double x : {-0.36, -0.2, -0.01, 1e-8, 0.39, 1.0, 3.57, 10.0, 1e3, 1e8}) {
    const double w = lambert_w0(x);
    EXPECT_NEAR(w * std::exp(w), x, 1e-13 * (1.0 + std::abs(x))) << x;
    EXPECT_GE(w, -1.0);
  }
  EXPECT_NEAR(lambert_w0(std::exp(1.0)), 1.0, 1e-15);
  EXPECT_NEAR(lambert_w0(-1.0 / std::exp(1.0)), -1.0, 1e-7);
}

TEST(ModernHopfieldMap, TheoremThreeConstants) {
  // References row 4 (Ramsauer et al. 2020, Theorem 3 and the examples after it):
  // c = 3.1546 for beta = 1, K = 3, d = 20, p = 0.001 (where a + ln b > 1.27) and c = 1.3718
  // for beta = 1, K = 1, d = 75, p = 0.001 (a + ln b < -0.94). The paper states "c >= ..." with
  // four decimals cut off, not rounded (we get 3.154611 and 1.371878; scipy's lambertw agrees):
  // c lies in [published, published + 1e-4).
  const StorageConstant s1 = storage_capacity_constant(1.0, 3.0, 20.0, 0.001);
  EXPECT_GE(s1.c, 3.1546);
  EXPECT_LT(s1.c, 3.1547);
  EXPECT_GT(s1.a + std::log(s1.b), 1.27);
  const StorageConstant s2 = storage_capacity_constant(1.0, 1.0, 75.0, 0.001);
  EXPECT_GE(s2.c, 1.3718);
  EXPECT_LT(s2.c, 1.3719);
  EXPECT_LT(s2.a + std::log(s2.b), -0.94);
  // The theorem's side condition c >= (2 / sqrt(p))^(4 / (d - 1)) holds in both examples, and the
  // number of patterns grows exponentially in d.
  EXPECT_GE(s1.c, std::pow(2.0 / std::sqrt(0.001), 4.0 / 19.0));
  EXPECT_GE(s2.c, std::pow(2.0 / std::sqrt(0.001), 4.0 / 74.0));
  std::printf("Theorem 3: c = %.5f (K=3, d=20), %.5f (K=1, d=75); patterns >= %.3g, %.3g\n", s1.c, s2.c, s1.patterns,
              s2.patterns);
}

// K unit patterns: xi_1 = e_1, xi_j = (1 - Delta) e_1 + sqrt(1 - (1 - Delta)^2) e_j, so that
// the separation of xi_1 is exactly Delta (xi_1 . xi_1 - xi_1 . xi_j = Delta).
Matrix separated_patterns(Eigen::Index K, Eigen::Index d, double delta) {
  Matrix X = Matrix::Zero(K, d);
  X(0, 0) = 1.0;
  const double c = 1.0 - delta;
  for (Eigen::Index j = 1; j < K; ++j) {
    X(j, 0) = c;
    X(j, j) = std::sqrt(1.0 - c * c);
  }
  return X;
}

TEST(ModernHopfieldMap, OneStepErrorFallsExponentiallyWithSeparation) {
  // Ramsauer et al. 2020, Theorems 4-5: after one update from the pattern itself the error is
  // ||f(xi_1) - xi_1|| <= 2 (K - 1) exp(-beta Delta) M (here M = 1). K = 8, d = 16, beta = 10,
  // Delta = 0.2 ... 1.6: the error stays below the bound at every Delta and log(error) is linear
  // in Delta with a slope near -beta (least squares: slope within 20 % of -beta, R^2 > 0.99).
  const double beta = 10.0;
  std::vector<double> xs, ys;
  for (double delta = 0.2; delta <= 1.6 + 1e-9; delta += 0.1) {
    const Matrix X = separated_patterns(8, 16, delta);
    ASSERT_NEAR(separation(X, 0), delta, 1e-12);
    const Vector xi = X.row(0).transpose();
    const double err = (one_step_update(X, beta, xi) - xi).norm();
    EXPECT_LE(err, 2.0 * 7.0 * std::exp(-beta * delta)) << "Delta " << delta;
    xs.push_back(delta);
    ys.push_back(std::log(err));
  }
  const double n = static_cast<double>(xs.size());
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) mx += xs[i] / n, my += ys[i] / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) * (xs[i] - mx);
    syy += (ys[i] - my) * (ys[i] - my);
  }
  const double slope = sxy / sxx, r2 = sxy * sxy / (sxx * syy);
  std::printf("one-step error: slope of log(error) vs Delta %.3f (beta %.1f), R^2 %.5f\n", slope, beta, r2);
  EXPECT_LT(slope, -0.8 * beta);
  EXPECT_GT(slope, -1.2 * beta);
  EXPECT_GT(r2, 0.99);
}

TEST(ModernHopfieldMap, OneStepRetrievesSeparatedRandomPatterns) {
  // Random +-1 patterns scaled to unit norm are well separated at d = 64 (Delta ~ 0.5-0.7):
  // with beta = 40 one update from a cue with 10 % flipped signs lands within 1e-3 of the
  // pattern (K = 20, seed 4), as Theorem 4 promises for Delta >> 2/(beta N) + log(2 (N-1) N beta M^2)/beta.
  Rng mrng(4, stream::memories), qrng(4, stream::queries);
  Matrix X = random_binary(20, 64, mrng) / 8.0;
  const Cues cues = make_cues(X * 8.0, 20, Corruption::flip, 0.1, qrng);
  for (Eigen::Index b = 0; b < 20; ++b) {
    const Vector cue = cues.cues.row(b).transpose() / 8.0;
    const Vector target = X.row(cues.targets[b]).transpose();
    EXPECT_LT((one_step_update(X, 40.0, cue) - target).norm(), 1e-3) << b;
  }
}

// Two unit patterns with overlap rho: fixed points of v = X^T softmax(beta X v) lie on the
// segment v = m + s d / 2 (m the mean, d = xi_1 - xi_2) with s = tanh(beta |d|^2 s / 4), so the
// mean (s = 0) is the only fixed point for beta <= beta_c = 4 / |d|^2 and splits in two above
// (a pitchfork; derived here from Ramsauer et al. 2020's update rule, eq. 3).
struct Pair {
  Matrix X;
  Vector mean, diff;
};
Pair close_pair(double rho) {
  Pair p;
  p.X = Matrix::Zero(2, 6);
  p.X(0, 0) = 1.0;
  p.X(1, 0) = rho;
  p.X(1, 1) = std::sqrt(1.0 - rho * rho);
  p.mean = 0.5 * (p.X.row(0) + p.X.row(1)).transpose();
  p.diff = (p.X.row(0) - p.X.row(1)).transpose();
  return p;
}

TEST(ModernHopfield, MetastableAverageBelowCriticalBeta) {
  // rho = 0.8: |d|^2 = 0.4, beta_c = 10. From xi_1, the ODE (dopri5, t_end 200) and the iterated
  // map end at the mean for beta = 5 (within 1e-4) and at s* = tanh(2 s*) = 0.9575 for beta = 20,
  // i.e. near xi_1 (s = 1), not at the mean.
  const Pair p = close_pair(0.8);
  const double d2 = p.diff.squaredNorm();
  ASSERT_NEAR(4.0 / d2, 10.0, 1e-12);
  for (double beta : {5.0, 20.0}) {
    double s = 1.0;  // the pitchfork's stable branch, by fixed-point iteration from s = 1
    for (int it = 0; it < 2000; ++it) s = std::tanh(beta * d2 * s / 4.0);
    if (beta < 10.0) {
      EXPECT_LT(std::abs(s), 1e-6);
    }
    const Vector expect = p.mean + 0.5 * s * p.diff;

    const Model model = build_model({"modern_hopfield", {{"beta", beta}}, {}}, p.X);
    dynamics::IntegrateOptions o;
    o.t_end = 200.0;
    o.dt_save = 200.0;
    const dynamics::Trajectory tr =
        dynamics::integrate(GradientFlow(model.network), initial_state(model.network, p.X.row(0).transpose()), o);
    const Vector final_state = tr.states.bottomRows(1).transpose();
    EXPECT_LT((final_state - expect).norm(), 1e-4) << "beta " << beta;

    Vector v = p.X.row(0).transpose();
    for (int it = 0; it < 3000; ++it) v = one_step_update(p.X, beta, v);
    EXPECT_LT((v - expect).norm(), 1e-4) << "beta " << beta;

    const double to_mean = (final_state - p.mean).norm(), to_pattern = (final_state - p.X.row(0).transpose()).norm();
    std::printf("beta %.0f (beta_c 10): distance to mean %.4f, to xi_1 %.4f\n", beta, to_mean, to_pattern);
    if (beta < 10.0) {
      EXPECT_LT(to_mean, 1e-4);
    } else {
      EXPECT_LT(to_pattern, 0.1 * to_mean);
    }
  }
}

TEST(ModernHopfield, RectifiedNormSeparationRecalls) {
  // The normalised polynomial separation (n = 10) recalls like softmax at beta = 8 on the
  // baseline task: K = 50 random +-1 memories, N = 200, 20 % flips, 100 cues (seed 1).
  Rng mrng(1, stream::memories), qrng(1, stream::queries);
  const Matrix X = random_binary(50, 200, mrng);
  const Model model = build_model({"modern_hopfield", {{"n", 10.0}}, {{"separation", "rectified_norm"}}}, X);
  const Cues cues = make_cues(X, 100, Corruption::flip, 0.2, qrng);
  dynamics::IntegrateOptions o;
  o.converge_tol = 1e-6;
  o.threads = 2;
  const analysis::SimulationResult r = analysis::simulate(model, cues.cues, cues.targets, o);
  EXPECT_GE(r.recall.recall_rate, 0.99);
  EXPECT_GT(r.recall.mean_overlap, 0.99);
  EXPECT_EQ(r.audit.violations, 0);
}

TEST(ModernHopfield, EnergyGradientAndDescentForEverySeparation) {
  // Gradient of the composed network's energy vs central differences (h = 1e-6) and energy
  // non-increasing along trajectories, reduced and two-layer, both separations (N = 20, K = 7).
  Rng mrng(5, stream::memories), qrng(5, stream::queries);
  const Matrix X = random_binary(7, 20, mrng);
  const Cues cues = make_cues(X, 3, Corruption::flip, 0.3, qrng);
  for (const char* sep : {"softmax", "rectified_norm"})
    for (const char* form : {"reduced", "two_layer"}) {
      const Model model = build_model({"modern_hopfield", {{"beta", 0.4}, {"n", 3.0}}, {{"separation", sep}, {"form", form}}},
                                      X / std::sqrt(20.0));
      const Network& net = model.network;
      auto ws = net.workspace();
      Vector s = initial_state(net, cues.cues.row(0).transpose() / std::sqrt(20.0));
      Vector grad(s.size());
      net.energy_gradient(s, grad, ws);
      for (Eigen::Index i = 0; i < s.size(); ++i) {
        Vector sp = s, sm = s;
        sp[i] += 1e-6;
        sm[i] -= 1e-6;
        const double fd = (net.energy(sp, ws) - net.energy(sm, ws)) / 2e-6;
        EXPECT_NEAR(grad[i], fd, 1e-6 * (1 + std::abs(fd))) << sep << " " << form << " i=" << i;
      }
      dynamics::IntegrateOptions o;
      o.t_end = 10.0;
      o.dt_save = 0.05;
      for (Eigen::Index b = 0; b < 3; ++b) {
        const Vector s0 = initial_state(net, cues.cues.row(b).transpose() / std::sqrt(20.0));
        const dynamics::Trajectory tr = dynamics::integrate(GradientFlow(net), s0, o);
        double previous = net.energy(s0, ws);
        const double tol = analysis::energy_tolerance(o, std::abs(previous));
        for (Eigen::Index k = 1; k < tr.states.rows(); ++k) {
          const Vector sk = tr.states.row(k).transpose();
          const double E = net.energy(sk, ws);
          ASSERT_LE(E - previous, tol) << sep << " " << form;
          ASSERT_LE(net.energy_rate(sk, ws), 1e-12) << sep << " " << form;
          previous = E;
        }
        EXPECT_LT(previous, net.energy(s0, ws)) << sep << " " << form;
      }
    }
}

TEST(ModernHopfield, BadParametersAreRejected) {
  Rng mrng(1, stream::memories);
  const Matrix X = random_binary(4, 10, mrng);
  auto key_of = [&](const ModelSpec& s) { return rejected_key(s, X); };
  EXPECT_EQ(key_of({"modern_hopfield", {{"beta", 0.0}}, {}}), "beta");
  EXPECT_EQ(key_of({"modern_hopfield", {{"beta", -2.0}}, {}}), "beta");
  EXPECT_EQ(key_of({"modern_hopfield", {{"n", 1.0}}, {{"separation", "rectified_norm"}}}), "n");
  EXPECT_EQ(key_of({"modern_hopfield", {{"n", 2.5}}, {{"separation", "rectified_norm"}}}), "n");
  EXPECT_EQ(key_of({"modern_hopfield", {}, {{"separation", "sparsemax"}}}), "separation");
  EXPECT_EQ(key_of({"modern_hopfield", {{"n", 2.0}}, {{"separation", "rectified_norm"}}}), "accepted");
}

}  // namespace
}  // namespace mnemo::models

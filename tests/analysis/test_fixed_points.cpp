// Fixed points, saddles and their stability (issue 5, "Tests that must hold").
#include <gtest/gtest.h>

#include "analysis/analysis_models.hpp"
#include "mnemo/analysis/fixed_points.hpp"
#include "mnemo/analysis/operators.hpp"
#include "mnemo/analysis/simulate.hpp"
#include "mnemo/analysis/stability.hpp"

namespace mnemo::analysis {
namespace {

using models::Rng;

// Trajectory end points: the integrated states after relaxing from cues.
Matrix end_points(const models::Model& model, const Matrix& cues, double t_end) {
  Matrix initial(cues.rows(), model.network.state_size());
  for (Eigen::Index b = 0; b < cues.rows(); ++b)
    initial.row(b) = models::initial_state(model.network, cues.row(b).transpose()).transpose();
  return relax(model.network, initial, t_end);
}

TEST(FixedPoints, ClassicalHopfieldMemoriesAreStableAndMixturesAreFound) {
  // Issue 5: classical Hopfield, N = 500, alpha = K/N = 0.05 (K = 25), gain 10 (the catalogue
  // default), seed 1. Candidates: end points of trajectories from the memories with 10 % of the
  // signs flipped, and of 16 random mixtures of memories (random_starts, seed 1). Every memory must
  // be found as a stable fixed point with |F| < 1e-8; at least one mixture state must be found and
  // labelled (Amit, Gutfreund & Sompolinsky 1985: symmetric mixtures are fixed points, unstable or
  // metastable at this load).
  Rng mrng(1, models::stream::memories), qrng(1, models::stream::queries);
  const Matrix X = models::random_binary(25, 500, mrng);
  const models::Model model = models::build_model({"classical_hopfield", {}, {}}, X);
  Matrix cues(25, 500);
  for (Eigen::Index mu = 0; mu < 25; ++mu) cues.row(mu) = models::corrupt(X.row(mu).transpose(), models::Corruption::flip, 0.1, qrng).transpose();
  const Matrix ends = end_points(model, cues, 20.0);
  const Matrix starts = relax(model.network, random_starts(model, 16, 1), 20.0);
  Matrix candidates(ends.rows() + starts.rows(), ends.cols());
  candidates << ends, starts;

  FixedPointOptions fo;
  const std::vector<FixedPoint> points = find_fixed_points(model, candidates, fo);
  std::vector<bool> found(25, false);
  int mixtures = 0;
  StabilityOptions so;
  for (const FixedPoint& p : points) {
    if (p.status != PointStatus::fixed_point) continue;
    EXPECT_LT(p.residual, 1e-8);
    if (p.kind == PointKind::memory) {
      const StabilityResult st = analyse_stability(model.network, p.state, so);
      EXPECT_EQ(st.label, Stability::stable) << "memory " << p.nearest << " index " << st.index;
      EXPECT_EQ(st.jacobian_index, 0);
      EXPECT_LT(st.jacobian_max_real, 0.0);
      found[p.nearest] = true;
    }
    if (p.kind == PointKind::mixture && mixtures < 2) {
      const StabilityResult st = analyse_stability(model.network, p.state, so);
      EXPECT_NE(st.label, Stability::unknown);
      EXPECT_GE(st.index, 0);
      // Both routes count the same unstable directions (stability.hpp header).
      if (st.range_index >= 0) {
        EXPECT_EQ(st.range_index, st.jacobian_index);
      }
      ++mixtures;
    }
  }
  for (int mu = 0; mu < 25; ++mu) EXPECT_TRUE(found[mu]) << "memory " << mu << " not found as a fixed point";
  EXPECT_GE(mixtures, 1);
}

TEST(FixedPoints, SaddleBetweenTwoModernHopfieldMemoriesHasIndexOne) {
  // Two +-1 memories, N = 16, beta = 0.5 (seed 4): v = X^T softmax(beta X v) has the two memory
  // attractors and, between them, the symmetric mixture (xi_1 + xi_2)/2 where
  // J = beta/4 (xi_1 - xi_2)(xi_1 - xi_2)^T - I has exactly one positive eigenvalue
  // beta d - 1 (d = Hamming distance) when beta d > 1 (Ramsauer et al. 2020, metastable states).
  Rng mrng(4, models::stream::memories);
  const Matrix X = models::random_binary(2, 16, mrng);
  const double d = 0.25 * (X.row(0) - X.row(1)).squaredNorm();
  ASSERT_GT(0.5 * d, 1.0);
  const models::Model model = models::build_model({"modern_hopfield", {{"beta", 0.5}}, {}}, X);
  const std::vector<FixedPoint> points = find_fixed_points(model, random_starts(model, 24, 4));
  int saddles = 0, memories = 0;
  for (const FixedPoint& p : points) {
    if (p.status != PointStatus::fixed_point) continue;
    const StabilityResult st = analyse_stability(model.network, p.state);
    if (p.kind == PointKind::memory) {
      ++memories;
      EXPECT_EQ(st.label, Stability::stable);
    }
    if (st.label == Stability::saddle && p.kind == PointKind::mixture) {
      ++saddles;
      EXPECT_EQ(st.index, 1);
      EXPECT_NEAR(st.jacobian_eigenvalues(0).real(), 0.5 * d - 1.0, 1e-8);
      // The matrix-free route (Spectra Arnoldi/Lanczos) gives the same verdict as the dense one.
      StabilityOptions krylov;
      krylov.dense_limit = 0;
      const StabilityResult sk = analyse_stability(model.network, p.state, krylov);
      EXPECT_EQ(sk.index, 1);
      EXPECT_EQ(sk.range_index, 1);
      EXPECT_NEAR(sk.jacobian_eigenvalues(0).real(), 0.5 * d - 1.0, 1e-8);
      const Vector mid = 0.5 * (X.row(0) + X.row(1)).transpose();
      EXPECT_LE((p.readout - mid).norm(), 1e-3 * mid.norm());
    }
  }
  EXPECT_EQ(memories, 2);
  EXPECT_EQ(saddles, 1);
}

TEST(FixedPoints, NewtonKrylovAndDenseNewtonAgree) {
  // Same start (a corrupted memory of a classical network, N = 120, K = 6, seed 5), dense LU vs
  // GMRES inner solves: the same fixed point to 1e-9.
  Rng mrng(5, models::stream::memories), qrng(5, models::stream::queries);
  const Matrix X = models::random_binary(6, 120, mrng);
  const models::Model model = models::build_model({"classical_hopfield", {{"gain", 3.0}}, {}}, X);
  const Vector s0 = models::corrupt(X.row(2).transpose(), models::Corruption::flip, 0.15, qrng);
  FixedPointOptions dense_o, krylov_o;
  dense_o.dense_limit = 1000;
  krylov_o.dense_limit = 0;
  const Refinement a = newton(model.network, s0, dense_o), b = newton(model.network, s0, krylov_o);
  ASSERT_TRUE(a.converged && b.converged);
  EXPECT_LE((a.state - b.state).norm(), 1e-9 * a.state.norm());
}

TEST(FixedPoints, SpeedMinimisationReachesAFixedPointFromAnywhere) {
  // q = 1/2 |F|^2 has minima at every fixed point, whatever its stability (Sussillo & Barak 2013):
  // L-BFGS from random states of a two-memory modern network ends with |F| ~ 0 (seed 6).
  Rng mrng(6, models::stream::memories), rng(6, 9);
  const Matrix X = models::random_binary(2, 10, mrng);
  const models::Model model = models::build_model({"modern_hopfield", {{"beta", 0.4}}, {}}, X);
  FixedPointOptions o;
  o.tolerance = 1e-9;
  for (int trial = 0; trial < 5; ++trial) {
    Vector s(10);
    for (auto& x : s) x = rng.normal();
    const Refinement r = minimise_speed(model.network, s, o);
    EXPECT_TRUE(r.converged) << "trial " << trial << " |F| = " << r.residual;
  }
}

TEST(Stability, ReluFixedPointHasOneFlatDirectionPerDeadNeuron) {
  // Fanaskov & Oseledets 2024 (ii): KH2021 compact form with L = sum 1/2 relu(x)^2 (RectifiedPoly
  // n = 2), 8 feature + 6 hidden neurons, xi ~ N(0, 0.3^2), input ~ N(0, 1) shifted by -0.5
  // (seed 7) so that some neurons die. At each fixed point found: the flat dimension (dim ker H)
  // equals the number of dead neurons (x_i < 0); the energy is constant along each dead
  // coordinate; the energy Hessian, by finite differences of the energy gradient, has exactly that
  // many zero eigenvalues; and the Jacobian and range(H) verdicts agree.
  Rng rng(7, 21);
  Matrix xi(6, 8);
  for (auto& x : xi.reshaped()) x = 0.3 * rng.normal();
  Vector input(8);
  for (auto& x : input) x = rng.normal() - 0.5;
  const models::Model model = testing_models::relu_compact_model(xi, input);
  const models::Network& net = model.network;
  Matrix starts(20, 14);
  for (auto& x : starts.reshaped()) x = 2.0 * rng.normal();
  const std::vector<FixedPoint> points = find_fixed_points(model, starts);
  int checked = 0;
  auto ws = net.workspace();
  for (const FixedPoint& p : points) {
    if (p.status != PointStatus::fixed_point) continue;
    if ((p.state.array().abs() < 1e-6).any()) continue;  // touching a kink: no linearisation
    const Eigen::Index dead = (p.state.array() < 0.0).count();
    const StabilityResult st = analyse_stability(net, p.state);
    EXPECT_EQ(st.flat_dimension, dead);
    EXPECT_EQ(st.range_index, st.jacobian_index);
    EXPECT_TRUE(st.from_range || dead == 0);
    const double E = net.energy(p.state, ws);
    for (Eigen::Index i = 0; i < 14; ++i) {
      if (p.state(i) >= 0.0) continue;
      Vector moved = p.state;
      moved(i) -= 5.0;
      EXPECT_NEAR(net.energy(moved, ws), E, 1e-12 * (1.0 + std::abs(E)));
    }
    Matrix fd(14, 14);
    Vector gp(14), gm(14);
    for (Eigen::Index j = 0; j < 14; ++j) {
      Vector e = Vector::Zero(14);
      e(j) = 1e-7;
      net.energy_gradient(p.state + e, gp, ws);
      net.energy_gradient(p.state - e, gm, ws);
      fd.col(j) = (gp - gm) / 2e-7;
    }
    const Eigen::SelfAdjointEigenSolver<Matrix> eig(0.5 * (fd + fd.transpose()), Eigen::EigenvaluesOnly);
    EXPECT_EQ((eig.eigenvalues().array().abs() < 1e-6).count(), dead);
    if (dead > 0) ++checked;
  }
  EXPECT_GE(checked, 1);
}

}  // namespace
}  // namespace mnemo::analysis

// sparse_recovery (Mazumdar & Rawat 2015; LCA of Rozell et al. 2008): learned constraints, the
// network's energy equals the LASSO energy written out, FISTA and the LCA flow reach the same
// minimiser, and FISTA recovers sparse errors below the l1 phase transition.
#include <gtest/gtest.h>


#include "mnemo/dynamics/ensemble.hpp"
#include "mnemo/models/catalogue.hpp"
#include "mnemo/models/patterns.hpp"
#include "mnemo/models/sparse_recovery.hpp"

namespace mnemo::models {
namespace {

Matrix subspace_memories(Eigen::Index K, Eigen::Index N, std::uint64_t seed) {
  Rng rng(seed, stream::memories);
  return random_binary(K, N, rng);
}

TEST(SparseRecovery, ConstraintsAreAnOrthonormalNullSpaceBasis) {
  const Matrix X = subspace_memories(30, 50, 1);
  const Constraints c = learn_constraints(X);
  EXPECT_EQ(c.rank, 30);
  ASSERT_EQ(c.B.rows(), 20);
  ASSERT_EQ(c.B.cols(), 50);
  EXPECT_LT((c.B * X.transpose()).cwiseAbs().maxCoeff(), 1e-10);
  EXPECT_LT((c.B * c.B.transpose() - Matrix::Identity(20, 20)).cwiseAbs().maxCoeff(), 1e-10);
  // Rank-deficient data: 40 memories that are combinations of 10 vectors give m = 50 - 10.
  Rng rng(2, 5);
  Matrix A(40, 10), V(10, 50);
  for (Eigen::Index i = 0; i < A.size(); ++i) A.data()[i] = rng.normal();
  for (Eigen::Index i = 0; i < V.size(); ++i) V.data()[i] = rng.normal();
  const Constraints d = learn_constraints(A * V);
  EXPECT_EQ(d.rank, 10);
  EXPECT_EQ(d.B.rows(), 40);
  EXPECT_LT((d.B * (A * V).transpose()).cwiseAbs().maxCoeff(), 1e-9);
}

TEST(SparseRecovery, FullRankMemoriesAreRejected) {
  // Gaussian memories (a square +-1 matrix of size 12 is singular with probability ~ 1e-2).
  Rng rng(3, stream::memories);
  EXPECT_THROW(learn_constraints(random_gaussian(12, 12, rng)), std::invalid_argument);
  EXPECT_THROW(build_model({"sparse_recovery", {}, {}}, random_gaussian(20, 12, rng)), std::invalid_argument);
}

TEST(SparseRecovery, NetworkEnergyIsTheLassoEnergyPlusTheEstimateTerm) {
  // E_net(x, g; y) = 1/2|B(y - Dg)|^2 + lambda 1^T g + 1/2|x - y + Dg|^2 - 1/2 y^T P y (header).
  const Matrix X = subspace_memories(8, 20, 4);
  const Matrix B = learn_constraints(X).B;
  const double lambda = 0.1;
  const Network net = sparse_recovery_network(B, lambda);
  auto ws = net.workspace();
  Rng rng(5, 6);
  for (int trial = 0; trial < 5; ++trial) {
    Vector s(net.state_size());
    for (Eigen::Index i = 0; i < s.size(); ++i) s[i] = rng.normal();
    const Vector x = s.segment(net.offset(0), 20), u = s.segment(net.offset(1), 40), y = s.segment(net.offset(2), 20);
    const Vector g = u.cwiseMax(0.0);
    const Vector a = g.head(20) - g.tail(20);
    const double expected = 0.5 * (B * (y - a)).squaredNorm() + lambda * g.sum() + 0.5 * (x - y + a).squaredNorm() -
                            0.5 * (B * y).squaredNorm();
    EXPECT_NEAR(net.energy(s, ws), expected, 1e-10 * (1.0 + std::abs(expected)));
  }
}

TEST(SparseRecovery, FistaRecoversSparseErrorsOfStoredPatterns) {
  // N = 200, K = 100 (m = 100 constraints), 10 % of the signs flipped: the l1 phase transition
  // (Donoho-Tanner, about 0.19 N at m/N = 0.5) is far; the corrected vector has every sign right.
  const Matrix X = subspace_memories(100, 200, 7);
  const Matrix B = learn_constraints(X).B;
  Rng rng(8, stream::queries);
  int exact = 0;
  for (int q = 0; q < 20; ++q) {
    const Vector xi = X.row(q).transpose();
    const Vector y = corrupt(xi, Corruption::flip, 0.1, rng);
    const SparseRecoveryResult r = recover_fista(B, y, 0.05);
    EXPECT_TRUE(r.converged);
    exact += (r.estimate.cwiseSign() - xi).cwiseAbs().maxCoeff() == 0.0;
  }
  EXPECT_EQ(exact, 20);
}

TEST(SparseRecovery, LcaFlowEndsAtTheFistaMinimiser) {
  // The continuous-time LCA (the kind's Network) and FISTA minimise the same convex energy R.
  // R is flat along null(B) but for lambda |a|_1, so both converge slowly where the l1 problem is
  // badly conditioned (few constraints, many errors); here m = 50, 5 errors.
  const Matrix X = subspace_memories(50, 100, 9);
  const double lambda = 0.05;
  const Model model = build_model({"sparse_recovery", {{"lambda", lambda}}, {}}, X);
  const Matrix& B = model.extra.at("constraints");
  Rng rng(10, stream::queries);
  auto ws = model.network.workspace();
  for (int q = 0; q < 3; ++q) {
    const Vector y = corrupt(X.row(q).transpose(), Corruption::flip, 0.05, rng);
    const SparseRecoveryResult fista = recover_fista(B, y, lambda, 200000, 1e-12);
    ASSERT_TRUE(fista.converged);
    dynamics::IntegrateOptions o;
    o.t_end = 200.0;
    o.dt_save = 200.0;
    o.rtol = 1e-10;
    o.atol = 1e-12;
    GradientFlow flow(model.network);
    const auto tr = dynamics::integrate([&](const Vector& s, Vector& d, double t) { flow(s, d, t); },
                                        initial_state(model, y), o);
    const Vector s = tr.states.bottomRows(1).transpose();
    Vector x(100);
    model.network.readout(s, x, ws);
    EXPECT_LT((x - fista.estimate).lpNorm<Eigen::Infinity>(), 1e-6) << "query " << q;
    // The query layer held the cue (it drifts like t |P a| / 1e12).
    EXPECT_LT((s.segment(model.network.offset(2), 100) - y).lpNorm<Eigen::Infinity>(), 1e-8);
    const Vector a = y - x;
    EXPECT_NEAR(recovery_energy(B, y, a, lambda), recovery_energy(B, y, fista.error, lambda), 1e-9);
  }
}

}  // namespace
}  // namespace mnemo::models

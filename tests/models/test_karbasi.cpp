// Karbasi, Salavati, Shokrollahi & Varshney 2013 (models/karbasi_constraint_memory.hpp) at a
// reduced size: n = 120 pattern neurons in L = 15 clusters (each neuron in 5, so clusters of ~40
// as in the paper's n = 400, L = 50), k = 20, seed 5. Learned constraints against the subspace,
// single errors corrected below the noise threshold 1 - phi, and the signature: the final
// symbol error rate vs internal noise upsilon is U-shaped at a fixed number of external errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>

#include "mnemo/models/karbasi_constraint_memory.hpp"

namespace {

using namespace mnemo::models;
using Eigen::Index;

const KarbasiMemory& network() {
  static const std::unique_ptr<KarbasiMemory> m = [] {
    KarbasiOptions o;
    o.n = 120;
    o.clusters = 15;
    o.training_patterns = 200;
    o.verify_patterns = 500;
    return std::make_unique<KarbasiMemory>(o, 30, 0.15, 5);
  }();
  return *m;
}

TEST(KarbasiPatterns, IntegerPatternsInTheSubspace) {
  const KarbasiMemory& m = network();
  const Matrix& X = m.memories();
  EXPECT_GE(X.minCoeff(), 0.0);
  EXPECT_LE(X.maxCoeff(), 6.0);
  EXPECT_EQ(X, X.array().round().matrix());
  Matrix stacked(m.generator().rows() + X.rows(), X.cols());
  stacked << m.generator(), X;
  EXPECT_EQ(Eigen::FullPivLU<Matrix>(stacked).rank(), Eigen::FullPivLU<Matrix>(m.generator()).rank());
}

TEST(KarbasiLearning, ConstraintsAreOrthogonalToFreshPatterns) {
  const KarbasiMemory& m = network();
  // The memories were never seen by the learning (training and verification draw from
  // another stream): every constraint neuron must stay silent on them.
  for (Index k = 0; k < m.memories().rows(); ++k) EXPECT_EQ(m.violated(m.memories().row(k).transpose()), 0);
  Index total = 0;
  for (const ConstraintCluster& c : m.clusters()) {
    const Index nl = static_cast<Index>(c.neurons.size());
    ASSERT_GT(nl, 0);
    EXPECT_GT(c.weights.rows(), 0);
    total += c.weights.rows();
    Matrix Gl(m.generator().rows(), nl);
    for (Index j = 0; j < nl; ++j) Gl.col(j) = m.generator().col(c.neurons[static_cast<std::size_t>(j)]);
    // Each learned vector is orthogonal to the subspace (the rows of G_l) within the learning
    // tolerance; near-duplicates beyond the nullity n_l - rank(G_l) (pitfall 7) are allowed only
    // as singular values of the order of that tolerance.
    EXPECT_LT((c.weights * Gl.transpose()).cwiseAbs().maxCoeff(), m.options().learn_tolerance);
    const Vector sv = Eigen::JacobiSVD<Matrix>(c.weights).singularValues();
    const Index nullity = nl - Eigen::FullPivLU<Matrix>(Gl).rank();
    EXPECT_LE((sv.array() > 2.0 * m.options().learn_tolerance).count(), nullity);
    for (Index i = 0; i < c.weights.rows(); ++i) EXPECT_NEAR(c.weights.row(i).norm(), 1.0, 1e-12);
  }
  EXPECT_GE(total, 15 * 10);  // at least half of the 20-per-cluster target
  EXPECT_LT(m.psi0(), 0.02);
}

// Final symbol error rates of `count` queries (the network's own cues, seed 5) after at most
// `rounds` rounds of Algorithm 2.
Vector error_rates(const KarbasiMemory& m, const Cues& cues, Index rounds) {
  Vector ser(cues.cues.rows());
  for (Index b = 0; b < cues.cues.rows(); ++b) {
    auto r = m.recall(cues.cues.row(b).transpose(), recall_rng(5, b));
    for (Index t = 0; t < rounds && !r->converged(); ++t) r->step();
    const Vector target = m.memories().row(cues.targets[b]).transpose();
    ser[b] = double(((r->state() - target).array().abs() > 0.5).count()) / double(target.size());
  }
  return ser;
}

TEST(KarbasiRecall, SingleErrorsCorrectedBelowTheNoiseThreshold) {
  // With upsilon <= 1 - phi = 0.05 a lone +-1 error is corrected (notes section 8, P22 = 0).
  const KarbasiMemory& base = network();
  for (double upsilon : {0.0, 0.05}) {
    const KarbasiMemory m = base.with_noise(upsilon, 0.0);
    const Vector x = m.memories().row(0).transpose();
    for (Index j = 0; j < x.size(); j += 3)
      for (double s : {-1.0, 1.0}) {
        Vector cue = x;
        cue[j] += s;
        auto r = m.recall(cue, recall_rng(5, j));
        for (int t = 0; t < 10 && !r->converged(); ++t) r->step();
        EXPECT_EQ(r->state(), x) << "error " << s << " at neuron " << j << ", upsilon " << upsilon;
      }
  }
}

TEST(KarbasiRecall, ErrorStaysTinyForSmallNoise) {
  // 6 external errors of 120 (epsilon = 0.05), nu = 0, 60 queries, 10 rounds.
  const KarbasiMemory& base = network();
  const KarbasiOptions& o = base.options();
  Rng rng(5, stream::queries);
  // The same network's cue model at epsilon = 0.05: cues made by hand from its memories.
  Cues cues{Matrix(60, o.n), Eigen::VectorXi(60)};
  for (Index b = 0; b < 60; ++b) {
    cues.targets[b] = static_cast<int>(rng.below(30));
    Vector x = base.memories().row(cues.targets[b]).transpose();
    for (int e = 0; e < 6; ++e) x[static_cast<Index>(rng.below(static_cast<std::uint64_t>(o.n)))] += rng.sign();
    cues.cues.row(b) = x.transpose();
  }
  for (double upsilon : {0.0, 0.05, 0.2}) {
    const double ser = error_rates(base.with_noise(upsilon, 0.0), cues, 10).mean();
    EXPECT_LT(ser, 0.005) << "upsilon " << upsilon;
  }
}

TEST(KarbasiRecall, InternalNoiseLowersTheErrorUShape) {
  // 18 external errors of 120 (epsilon = 0.15), nu = 0, 100 queries, 10 rounds, seed 5.
  const KarbasiMemory& base = network();
  Rng rng(5, stream::queries);
  const Cues cues = base.make_cues(100, rng);
  const Vector quiet = error_rates(base.with_noise(0.0, 0.0), cues, 10);
  const Vector moderate = error_rates(base.with_noise(0.4, 0.0), cues, 10);
  const Vector loud = error_rates(base.with_noise(0.8, 0.0), cues, 10);
  const auto se = [](const Vector& d) {
    const double m = d.mean();
    return std::sqrt((d.array() - m).square().sum() / double(d.size() - 1) / double(d.size()));
  };
  const Vector gain = quiet - moderate, loss = loud - moderate;
  std::printf("SER: upsilon 0 -> %.4f, 0.4 -> %.4f, 0.8 -> %.4f (cue 0.15)\n", quiet.mean(), moderate.mean(), loud.mean());
  EXPECT_GT(gain.mean(), 4.0 * se(gain)) << "upsilon = 0.4 must beat upsilon = 0";
  EXPECT_LT(moderate.mean(), 0.5 * quiet.mean());
  EXPECT_GT(loss.mean(), 4.0 * se(loss)) << "upsilon = 0.8 must be worse than 0.4";
}

TEST(KarbasiRecall, ConstraintNoiseBelowPsiLeavesSatisfiedClustersAlone) {
  // nu = 0.3 with psi = nu + psi0: a stored pattern is a fixed point for any upsilon.
  const KarbasiMemory m = network().with_noise(0.6, 0.3);
  auto r = m.recall(m.memories().row(3).transpose(), recall_rng(5, 0));
  EXPECT_TRUE(r->converged());
  r->step();
  EXPECT_EQ(r->state(), Vector(m.memories().row(3).transpose()));
}

}  // namespace

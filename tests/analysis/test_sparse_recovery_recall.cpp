// references.md row 13 (Mazumdar & Rawat 2015): patterns from a subspace (K = 100 random +-1
// memories of N = 200 span a 100-dimensional subspace, m = 100 constraints) are recalled by
// sparse recovery of the cue's error from far more flipped signs than a classical Hopfield network
// of the same N storing the same patterns (load K/N = 0.5) with the Hebbian rule corrects. The
// pseudo-inverse (projection) rule, whose I - W is the same projector B^T B, does about as well as
// l1 decoding on these +-1 patterns: measured and bounded below, reported in the docs. Success = exact recall: the
// sign of the final state equals the target everywhere (McEliece et al. 1987). Seeds 1 (memories)
// and 2 (cues); measured numbers in docs/models/sparse_recovery.md.
#include <gtest/gtest.h>

#include <cstdio>

#include "mnemo/analysis/simulate.hpp"
#include "mnemo/models/catalogue.hpp"
#include "mnemo/models/patterns.hpp"
#include "mnemo/models/sparse_recovery.hpp"

namespace mnemo::analysis {
namespace {

bool exact(const Vector& state, const Vector& target) {
  return (state.cwiseSign() - target).cwiseAbs().maxCoeff() == 0.0;
}

models::Cues cues_at(const Matrix& X, double level, Eigen::Index count) {
  models::Rng qrng(2, models::stream::queries);
  return models::make_cues(X, count, models::Corruption::flip, level, qrng);
}

struct Measured {
  double exact = 0.0;
  Eigen::Index violations = 0;
};

// Through simulate(): ODE integration with the energy audit.
Measured simulated(const models::ModelSpec& spec, const Matrix& X, double level, Eigen::Index count, double t_end) {
  const models::Model model = models::build_model(spec, X);
  const models::Cues c = cues_at(X, level, count);
  dynamics::IntegrateOptions o;
  o.t_end = t_end;
  o.dt_save = t_end / 10.0;
  o.converge_tol = 1e-8;
  const SimulationResult r = simulate(model, c.cues, c.targets, o);
  Measured m;
  for (Eigen::Index b = 0; b < count; ++b)
    m.exact += exact(r.final_readout.row(b).transpose(), X.row(c.targets[b]).transpose());
  m.exact /= static_cast<double>(count);
  m.violations = r.audit.violations;
  return m;
}

// The iterative decoder: FISTA on the LASSO energy, then least squares on its support.
double iterative(const Matrix& X, double level, Eigen::Index count) {
  const Matrix B = models::learn_constraints(X).B;
  const models::Cues c = cues_at(X, level, count);
  double ok = 0.0;
  for (Eigen::Index b = 0; b < count; ++b) {
    const Vector y = c.cues.row(b).transpose();
    const auto r = models::debias(B, y, models::recover_fista(B, y, 0.05));
    ok += exact(r.estimate, X.row(c.targets[b]).transpose());
  }
  return ok / static_cast<double>(count);
}

Matrix subspace_patterns(Eigen::Index K = 100, Eigen::Index N = 200) {
  models::Rng mrng(1, models::stream::memories);
  return models::random_binary(K, N, mrng);
}

const models::ModelSpec kHebbian{"classical_hopfield", {{"gain", 20.0}}, {{"rule", "hebbian"}}};
const models::ModelSpec kProjection{"classical_hopfield", {{"gain", 20.0}}, {{"rule", "pseudo_inverse"}}};

TEST(SparseRecoverySignature, IterativeDecoderCorrectsMoreFlipsThanClassicalHopfield) {
  const Matrix X = subspace_patterns();
  const Eigen::Index count = 40;
  for (double level : {0.10, 0.15}) {
    const double s = iterative(X, level, count);
    const Measured h = simulated(kHebbian, X, level, count, 30.0);
    const Measured p = simulated(kProjection, X, level, count, 30.0);
    std::printf("flips %.2f: exact recall FISTA + debias %.3f, classical hebbian %.3f, pseudo-inverse %.3f\n", level, s,
                h.exact, p.exact);
    // Hebbian at K/N = 0.5 (capacity 0.138) recalls nothing; sparse recovery below the l1 phase
    // transition recalls nearly everything at 10 % and most at 15 %.
    EXPECT_LE(h.exact, 0.05) << "level " << level;
    EXPECT_GE(s, h.exact + 0.5) << "level " << level;
    EXPECT_GE(s, level < 0.12 ? 0.95 : 0.6) << "level " << level;
    // The projection rule uses the same linear structure (I - W = B^T B): l1 decoding is at least
    // as good within the sampling error of 40 queries (measured: equal at these levels).
    EXPECT_LE(p.exact, s + 0.15) << "level " << level;
  }
}

TEST(SparseRecoverySignature, LcaFlowRecallsThroughTheIntegratorWithANonIncreasingEnergy) {
  // Half size (N = 100, K = 50, m = 50) to keep the test fast; the same load K/N = 0.5.
  const Matrix X = subspace_patterns(50, 100);
  const Measured s = simulated({"sparse_recovery", {{"lambda", 0.05}}, {}}, X, 0.10, 16, 100.0);
  const Measured h = simulated(kHebbian, X, 0.10, 16, 30.0);
  std::printf("flips 0.10: exact recall LCA flow %.3f, classical hebbian %.3f\n", s.exact, h.exact);
  EXPECT_EQ(s.violations, 0);
  EXPECT_GE(s.exact, 0.9);
  EXPECT_GE(s.exact, h.exact + 0.5);
}

}  // namespace
}  // namespace mnemo::analysis

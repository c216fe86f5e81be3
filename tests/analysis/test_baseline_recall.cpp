// The two baseline models (contract section 3) recall and descend their energy.
#include <gtest/gtest.h>

#include "mnemo/analysis/simulate.hpp"
#include "mnemo/models/catalogue.hpp"
#include "mnemo/models/patterns.hpp"

namespace mnemo::analysis {
namespace {

using models::Rng;

// Keeps every saved energy so the test can look at the whole curve.
class EnergyRecorder final : public TrajectorySink {
 public:
  Matrix energy;  // B x T
  void begin(const Vector& time, Eigen::Index B, const std::vector<std::string>&) override {
    energy.resize(B, time.size());
  }
  void save(Eigen::Index k, double, const Matrix&, const Vector& e, const std::vector<Matrix>&) override {
    energy.col(k) = e;
  }
};

TEST(ModernHopfield, RecallsNinetyNinePercentOfFlippedCues) {
  // Issue 3: beta = 8, K = 50 random +-1 memories, N = 200, 20 % of the signs flipped,
  // 200 queries: at least 99 % end nearest their target (seed 1).
  Rng mrng(1, models::stream::memories), qrng(1, models::stream::queries);
  const Matrix X = models::random_binary(50, 200, mrng);
  const models::Model model = models::build_model({"modern_hopfield", {{"beta", 8.0}}, {}}, X);
  const models::Cues cues = models::make_cues(X, 200, models::Corruption::flip, 0.2, qrng);
  dynamics::IntegrateOptions o;
  o.converge_tol = 1e-6;
  const SimulationResult r = simulate(model, cues.cues, cues.targets, o);
  EXPECT_GE(r.recall.recall_rate, 0.99);
  EXPECT_GT(r.recall.mean_overlap, 0.99);
  EXPECT_EQ(r.audit.violations, 0);
}

struct Case {
  const char* kind;
  std::map<std::string, double> numbers;
  models::Corruption corruption;
  double level;
};

class EnergyNeverIncreases : public ::testing::TestWithParam<Case> {};

TEST_P(EnergyNeverIncreases, AlongEveryTrajectory) {
  // For several random models and seeds the energy at consecutive saved times never rises by
  // more than a tolerance tied to rtol: 10 rtol (1 + |E|) + 10 atol (analysis/simulate.hpp).
  const Case& c = GetParam();
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    Rng mrng(seed, models::stream::memories), qrng(seed, models::stream::queries);
    const Matrix X = seed % 2 ? models::random_binary(12, 60, mrng) : models::random_gaussian(12, 60, mrng);
    const models::Model model = models::build_model({c.kind, c.numbers, {}}, X);
    const models::Cues cues = models::make_cues(X, 16, c.corruption, c.level, qrng);
    dynamics::IntegrateOptions o;
    o.t_end = 15.0;
    o.dt_save = 0.1;
    EnergyRecorder rec;
    const SimulationResult r = simulate(model, cues.cues, cues.targets, o, &rec);
    const double tol = energy_tolerance(o, rec.energy.cwiseAbs().maxCoeff());
    for (Eigen::Index b = 0; b < rec.energy.rows(); ++b)
      for (Eigen::Index k = 1; k < rec.energy.cols(); ++k)
        ASSERT_LE(rec.energy(b, k) - rec.energy(b, k - 1), tol) << c.kind << " seed " << seed << " traj " << b;
    // ... and it really moves: the cue is not a fixed point.
    EXPECT_LT((r.final_energy - r.initial_energy).maxCoeff(), 0.0);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Baselines, EnergyNeverIncreases,
    ::testing::Values(Case{"modern_hopfield", {{"beta", 8.0}}, models::Corruption::flip, 0.3},
                      Case{"modern_hopfield", {{"beta", 0.5}}, models::Corruption::gaussian, 0.5},
                      Case{"classical_hopfield", {{"gain", 10.0}}, models::Corruption::flip, 0.2},
                      Case{"classical_hopfield", {{"gain", 1.5}}, models::Corruption::mask, 0.3}),
    [](const auto& info) { return std::string(info.param.kind) + std::to_string(info.index); });

TEST(ClassicalHopfield, StoredPatternsAreRecalledAtLowLoad) {
  Rng mrng(2, models::stream::memories), qrng(2, models::stream::queries);
  const Matrix X = models::random_binary(5, 200, mrng);  // alpha = 0.025
  const models::Model model = models::build_model({"classical_hopfield", {{"gain", 10.0}}, {}}, X);
  const models::Cues cues = models::make_cues(X, 40, models::Corruption::flip, 0.15, qrng);
  dynamics::IntegrateOptions o;
  o.converge_tol = 1e-6;
  const SimulationResult r = simulate(model, cues.cues, cues.targets, o);
  EXPECT_EQ(r.recall.recall_rate, 1.0);
  EXPECT_GT(r.recall.mean_overlap, 0.98);
}

}  // namespace
}  // namespace mnemo::analysis

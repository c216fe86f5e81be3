// Noisy recall through analysis::simulate: every catalogue kind runs noisy, sigma = 0 is the
// deterministic fixed-step run to the bit, the energy audit stands down, layer selection and the
// input kind (sigma / tau) reach the right components.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>

#include "mnemo/analysis/noise.hpp"
#include "mnemo/analysis/simulate.hpp"
#include "mnemo/models/catalogue.hpp"
#include "mnemo/models/modern_hopfield.hpp"
#include "mnemo/models/patterns.hpp"

namespace mnemo::analysis {
namespace {

dynamics::IntegrateOptions noisy_options(double sigma, dynamics::StochasticMethod m) {
  dynamics::IntegrateOptions o;
  o.t_end = 1.0;
  o.dt_save = 0.25;
  o.dt = 0.01;
  o.threads = 2;
  o.noise.enabled = true;
  o.noise.sigma = sigma;
  o.noise.method = m;
  o.noise.seed = 5;
  return o;
}

// K = 6 random +-1 memories of N = 24 (seed 3), 4 cues with 20 % flips: every kind of the catalogue
// that builds from such memories with its default parameters runs noisy with both methods, gives
// finite states, and with sigma = 0 reproduces the deterministic Euler run bit for bit.
TEST(NoisyCatalogue, EveryKindRunsNoisyAndZeroSigmaIsDeterministicEuler) {
  models::Rng mrng(3, models::stream::memories), qrng(3, models::stream::queries);
  const Matrix X = models::random_binary(6, 24, mrng);
  const models::Cues cues = models::make_cues(X, 4, models::Corruption::flip, 0.2, qrng);
  int ran = 0;
  for (const models::KindInfo& info : models::catalogue()) {
    std::optional<models::Model> built;
    try {
      built = models::build_model({info.kind, {}, {}}, X);
    } catch (const std::exception& e) {
      ADD_FAILURE() << info.kind << " does not build with defaults from random +-1 memories: " << e.what();
      continue;
    }
    const models::Model& model = *built;
    for (auto m : {dynamics::StochasticMethod::euler_maruyama, dynamics::StochasticMethod::heun}) {
      const SimulationResult r = simulate(model, cues.cues, cues.targets, noisy_options(0.1, m));
      EXPECT_TRUE(r.final_readout.allFinite()) << info.kind;
      EXPECT_FALSE(r.audit.applicable) << info.kind;
      EXPECT_EQ(r.audit.violations, 0) << info.kind;
    }
    const SimulationResult zero =
        simulate(model, cues.cues, cues.targets, noisy_options(0.0, dynamics::StochasticMethod::euler_maruyama));
    dynamics::IntegrateOptions det = noisy_options(0.0, dynamics::StochasticMethod::euler_maruyama);
    det.noise.enabled = false;
    det.method = dynamics::Method::euler;
    const SimulationResult euler = simulate(model, cues.cues, cues.targets, det);
    EXPECT_EQ(zero.final_readout, euler.final_readout) << info.kind;
    EXPECT_EQ(zero.final_energy, euler.final_energy) << info.kind;
    EXPECT_TRUE(euler.audit.applicable);
    ++ran;
    std::printf("%s %.3f s\n", info.kind.c_str(), zero.wall_seconds + euler.wall_seconds);
  }
  EXPECT_GE(ran, 2);
}

// The modern Hopfield network in its two-layer form (KH2021 model B: visible tau = 1, memory layer
// tau_hidden = 0.1): additive noise weights 1 on both layers, input noise 1/tau, a named layer only
// its block.
TEST(NoiseWeights, LayersAndInputKind) {
  Matrix X = Matrix::Ones(3, 5);
  const models::Network net = models::modern_hopfield(X, 4.0, 1.0, 0.1);
  ASSERT_EQ(net.state_size(), 8);
  dynamics::NoiseOptions n;
  n.enabled = true;
  n.sigma = 0.2;
  Vector w = noise_weights(net, n);
  EXPECT_EQ(w, Vector::Ones(8));
  n.kind = dynamics::NoiseKind::input;
  w = noise_weights(net, n);
  EXPECT_EQ(w.head(5), Vector::Ones(5));
  for (int i = 5; i < 8; ++i) EXPECT_DOUBLE_EQ(w[i], 10.0);
  n.layers = {"memory"};
  w = noise_weights(net, n);
  EXPECT_EQ(w.head(5), Vector::Zero(5));
  n.layers = {"nope"};
  EXPECT_THROW(noise_weights(net, n), NoiseLayerError);
  // The reduced form integrates the memory layer out: it cannot carry white noise.
  const models::Network reduced = models::modern_hopfield(X, 4.0, 1.0, 0.0);
  n.layers = {"memory"};
  EXPECT_THROW(noise_weights(reduced, n), NoiseLayerError);
  n.layers = {};
  EXPECT_EQ(noise_weights(reduced, n).size(), 5);
}

// Noise only on the memory layer of the two-layer network leaves the visible layer's trajectory
// different from the deterministic one (the noise reaches it through the synapse), while noise on
// no integrated component at all (weights 0) is the deterministic Euler run.
TEST(NoiseWeights, HiddenLayerNoiseReachesTheVisibleLayer) {
  models::Rng mrng(4, models::stream::memories), qrng(4, models::stream::queries);
  const Matrix X = models::random_binary(5, 20, mrng);
  const models::Model model = models::build_model({"modern_hopfield", {{"beta", 0.5}}, {{"form", "two_layer"}}}, X);
  const models::Cues cues = models::make_cues(X, 3, models::Corruption::flip, 0.3, qrng);
  dynamics::IntegrateOptions o = noisy_options(0.3, dynamics::StochasticMethod::euler_maruyama);
  o.noise.kind = dynamics::NoiseKind::input;
  o.noise.layers = {"memory"};
  const SimulationResult hidden = simulate(model, cues.cues, cues.targets, o);
  dynamics::IntegrateOptions det = o;
  det.noise.enabled = false;
  det.method = dynamics::Method::euler;
  const SimulationResult clean = simulate(model, cues.cues, cues.targets, det);
  EXPECT_GT((hidden.final_readout - clean.final_readout).cwiseAbs().maxCoeff(), 1e-4);
  o.noise.diffusion = [](const Vector& x, double, Vector& g) { g.setZero(x.size()); };
  EXPECT_EQ(simulate(model, cues.cues, cues.targets, o).final_readout, clean.final_readout);
}

}  // namespace
}  // namespace mnemo::analysis

// predictive_coding (Salvatori et al. 2021; docs/models/predictive_coding.md;
// /work/shared/papers/salvatori-2021-predictive-coding.md section 6):
//   - the Network's energy is the predictive-coding energy F of the training code;
//   - dF/dx (the flow) and dF/dW (the learning rule) match central finite differences, for tanh
//     and softplus, with a cue whose zero pixels are free and the rest clamped, and with nothing clamped;
//   - along a recall the energy never increases and the known pixels stay at the cue;
//   - training lowers the mean energy per image by a large factor;
//   - signature at reduced size (20 sklearn 8x8 digits, pixels in [0, 1]): recall from half-masked
//     cues and from Gaussian noise (sd 0.2) ends far closer to the stored image than the cue; the
//     modern Hopfield network on the same images is run alongside and both are printed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "mnemo/dynamics/ensemble.hpp"
#include "mnemo/io/datasets.hpp"
#include "mnemo/models/catalogue.hpp"
#include "mnemo/models/patterns.hpp"
#include "mnemo/models/predictive_coding.hpp"
#include "mnemo/models/random.hpp"

namespace mnemo::models {
namespace {

Matrix uniform_memories(Eigen::Index K, Eigen::Index N, std::uint64_t seed) {
  Rng rng(seed, stream::memories);
  Matrix X(K, N);
  for (Eigen::Index i = 0; i < K; ++i)
    for (Eigen::Index j = 0; j < N; ++j) X(i, j) = 0.1 + 0.9 * rng.uniform();  // no exact zeros
  return X;
}

// A state off equilibrium: the model's start for `cue`, hidden layers perturbed by N(0, 0.3^2).
Vector perturbed_start(const Model& m, const Vector& cue, std::uint64_t seed) {
  Vector s = initial_state(m, cue);
  Rng rng(seed, 31);
  const Network& net = m.network;
  for (int l = 1; l + 1 < static_cast<int>(net.layers().size()); ++l)
    for (Eigen::Index i = 0; i < net.layers()[l].size; ++i) s[net.offset(l) + i] += 0.3 * rng.normal();
  return s;
}

ModelSpec spec(const std::string& activation, const std::string& clamp, int epochs) {
  ModelSpec s{"predictive_coding", {{"train_epochs", epochs}}, {{"activation", activation}, {"clamp", clamp}}};
  s.arrays["sizes"] = {9, 5};
  s.seed = 3;
  return s;
}

dynamics::Trajectory recall(const Network& net, const Vector& s0, double t_end) {
  dynamics::IntegrateOptions o;
  o.t_end = t_end;
  o.dt_save = t_end / 50.0;
  o.rtol = 1e-8;
  o.atol = 1e-10;
  GradientFlow flow(net);
  return dynamics::integrate([&](const Vector& x, Vector& d, double t) { flow(x, d, t); }, s0, o);
}

TEST(PredictiveCoding, NetworkEnergyIsThePredictiveCodingEnergy) {
  const Matrix X = uniform_memories(4, 10, 1);
  PcTraining o;
  o.sizes = {7, 3};
  o.seed = 5;
  const PredictiveCodingWeights w = initial_pc_weights(10, o);
  const Network net = predictive_coding_network(w, PcClamp::nonzero);
  // Every cue pixel non-zero: all clamped, x_0 = c, so F_c = F of the training code.
  std::vector<Matrix> xs = pc_initial_values(w, X.row(0).transpose());
  pc_infer(w, xs, 7, 0.1);
  Vector s(net.state_size());
  for (int l = 0; l <= 2; ++l) s.segment(net.offset(l), xs[l].rows()) = xs[l].col(0);
  s.segment(net.offset(3), 10) = X.row(0).transpose();
  auto ws = net.workspace();
  EXPECT_NEAR(net.energy(s, ws), pc_energy(w, xs), 1e-12 * (1.0 + pc_energy(w, xs)));
  EXPECT_EQ(net.layers().size(), 4u);
  EXPECT_EQ(net.layers()[3].name, "cue");
}

TEST(PredictiveCoding, FlowGradientMatchesFiniteDifferences) {
  const Matrix X = uniform_memories(5, 12, 2);
  for (const std::string act : {"tanh", "softplus"})
    for (const std::string clamp : {"nonzero", "none"}) {
      const Model m = build_model(spec(act, clamp, 50), X);
      Vector cue = X.row(1).transpose();
      for (Eigen::Index i = 0; i < 12; i += 2) cue[i] = 0.0;  // half the pixels masked
      const Vector s = perturbed_start(m, cue, 7);
      auto ws = m.network.workspace();
      Vector grad(s.size()), rate(s.size());
      m.network.energy_gradient(s, grad, ws);
      m.network.rhs(s, rate, ws);
      const double h = 1e-6;
      double worst = 0.0;
      const Eigen::Index cue_at = m.network.offset(static_cast<int>(m.network.layers().size()) - 1);
      for (Eigen::Index i = 0; i < s.size(); ++i) {
        // The clamp mask is a step function of the cue: a zero cue entry has no derivative.
        if (i >= cue_at && s[i] == 0.0) continue;
        Vector sp = s, sm = s;
        sp[i] += h;
        sm[i] -= h;
        const double fd = (m.network.energy(sp, ws) - m.network.energy(sm, ws)) / (2 * h);
        worst = std::max(worst, std::abs(grad[i] - fd) / (1.0 + std::abs(fd)));
      }
      EXPECT_LT(worst, 1e-6) << act << ", clamp " << clamp;
      // A gradient flow: ds/dt = -dE/ds on every layer but the held cue (tau 1e12).
      const Eigen::Index v = m.network.offset(static_cast<int>(m.network.layers().size()) - 1);
      EXPECT_LT((rate.head(v) + grad.head(v)).norm(), 1e-12 * (1.0 + grad.norm())) << act << ", clamp " << clamp;
      // Known pixels (clamp nonzero) start at the cue and have rate 0.
      if (clamp == "nonzero") {
        for (Eigen::Index i = 1; i < 12; i += 2) EXPECT_EQ(rate[i], 0.0) << act << ", pixel " << i;
      }
    }
}

TEST(PredictiveCoding, WeightGradientMatchesFiniteDifferences) {
  const Matrix X = uniform_memories(6, 10, 3);
  for (PcActivation a : {PcActivation::tanh, PcActivation::softplus}) {
    PcTraining o;
    o.sizes = {8, 4};
    o.activation = a;
    o.seed = 9;
    PredictiveCodingWeights w = initial_pc_weights(10, o);
    std::vector<Matrix> xs = pc_initial_values(w, X.transpose());
    pc_infer(w, xs, 5, 0.1);
    const std::vector<Matrix> grad = pc_weight_gradient(w, xs);
    const double h = 1e-6;
    double worst = 0.0;
    for (std::size_t l = 0; l < w.W.size(); ++l)
      for (Eigen::Index i = 0; i < w.W[l].size(); ++i) {
        PredictiveCodingWeights p = w, q = w;
        p.W[l].data()[i] += h;
        q.W[l].data()[i] -= h;
        const double fd = (pc_energy(p, xs) - pc_energy(q, xs)) / (2 * h);
        worst = std::max(worst, std::abs(grad[l].data()[i] - fd) / (1.0 + std::abs(fd)));
      }
    EXPECT_LT(worst, 1e-6) << (a == PcActivation::tanh ? "tanh" : "softplus");
  }
}

TEST(PredictiveCoding, RecallNeverRaisesTheEnergyAndHoldsTheKnownPixels) {
  const Matrix X = uniform_memories(5, 16, 4);
  const Model m = build_model(spec("tanh", "nonzero", 300), X);
  Vector cue = X.row(2).transpose();
  cue.tail(8).setZero();  // lower half masked
  const auto tr = recall(m.network, initial_state(m, cue), 50.0);
  ASSERT_NE(tr.status, dynamics::Status::failed);
  auto ws = m.network.workspace();
  double previous = m.network.energy(tr.states.row(0).transpose(), ws);
  const double first = previous;
  for (Eigen::Index k = 1; k < tr.states.rows(); ++k) {
    const Vector s = tr.states.row(k).transpose();
    const double E = m.network.energy(s, ws);
    EXPECT_LE(E, previous + 1e-10 * (1.0 + std::abs(previous))) << "t = " << tr.time[k];
    previous = E;
    // Held up to the cue layer's drift (tau 1e12).
    EXPECT_LT((s.head(8) - cue.head(8)).lpNorm<Eigen::Infinity>(), 1e-9) << "known pixels moved, t = " << tr.time[k];
  }
  EXPECT_LT(previous, 0.5 * first);
}

TEST(PredictiveCoding, TrainingLowersTheEnergy) {
  const Matrix X = uniform_memories(10, 20, 5);
  PcTraining o;
  o.sizes = {32, 8};
  o.epochs = 600;
  o.learning_rate = 3e-3;
  o.seed = 2;
  std::vector<double> history;
  const PredictiveCodingWeights w = train_predictive_coding(X, o, &history);
  ASSERT_EQ(history.size(), 600u);
  const double best = *std::min_element(history.begin(), history.end());
  std::printf("training energy per image: %.4f -> %.5f (600 epochs)\n", history.front(), best);
  EXPECT_LT(best, 0.02 * history.front());
  // The returned weights are the best checkpoint: re-running its epoch's inference gives `best`.
  std::vector<Matrix> xs = pc_initial_values(w, X.transpose());
  pc_infer(w, xs, o.inference_steps, o.gamma);
  EXPECT_NEAR(pc_energy(w, xs) / 10.0, best, 1e-9 * (1.0 + best));
}

// 8x8 digits in [0, 1], the first K.
Matrix digits(Eigen::Index K) {
  if (!std::ifstream(io::digits_csv)) return {};
  return io::read_digits_csv(io::digits_csv).pixels.topRows(K);
}

struct Scores {
  double cue_mse = 0, mse = 0, below_005 = 0;
};

Scores score_recalls(const Model& m, const Matrix& X, Corruption how, double level, std::uint64_t seed) {
  Rng rng(seed, stream::queries);
  Scores sc;
  auto ws = m.network.workspace();
  const Eigen::Index N = X.cols();
  for (Eigen::Index mu = 0; mu < X.rows(); ++mu) {
    const Vector xi = X.row(mu).transpose();
    const Vector cue = corrupt(xi, how, level, rng);
    const auto tr = recall(m.network, initial_state(m, cue), 100.0);
    Vector g(N);
    m.network.readout(tr.states.bottomRows(1).transpose(), g, ws);
    const double e = (g - xi).squaredNorm() / double(N);
    sc.cue_mse += (cue - xi).squaredNorm() / double(N);
    sc.mse += e;
    sc.below_005 += e < 0.005;
  }
  const double K = static_cast<double>(X.rows());
  sc.cue_mse /= K;
  sc.mse /= K;
  sc.below_005 /= K;
  return sc;
}

TEST(PredictiveCoding, SignatureRetrievesDigitsFromMaskedAndNoisyCues) {
  const Matrix X = digits(20);
  if (X.size() == 0) GTEST_SKIP() << "sklearn's digits.csv.gz is not installed";
  // One training, two recall networks (the clamp only changes recall).
  PcTraining o;
  o.sizes = {128, 16};
  o.epochs = 1500;
  o.learning_rate = 3e-3;
  o.seed = 1;
  const PredictiveCodingWeights w = train_predictive_coding(X, o);
  const ModelSpec s{"predictive_coding", {}, {}};
  Model pc_mask{s, X, predictive_coding_network(w, PcClamp::nonzero)};
  pc_mask.start = predictive_coding_start(pc_mask.network, w);
  Model pc_noise{s, X, predictive_coding_network(w, PcClamp::none)};
  pc_noise.start = predictive_coding_start(pc_noise.network, w);
  const Model mhn = build_model(ModelSpec{"modern_hopfield", {{"beta", 50.0}}, {}}, X);
  const Scores pm = score_recalls(pc_mask, X, Corruption::mask, 0.5, 1);
  const Scores mm = score_recalls(mhn, X, Corruption::mask, 0.5, 1);
  const Scores pn = score_recalls(pc_noise, X, Corruption::gaussian, 0.2, 2);
  const Scores mn = score_recalls(mhn, X, Corruption::gaussian, 0.2, 2);
  std::printf("20 digits, half masked: cue MSE %.4f; predictive coding %.4f (%.0f %% < 0.005); modern Hopfield "
              "beta 50 %.4f (%.0f %%)\n",
              pm.cue_mse, pm.mse, 100 * pm.below_005, mm.mse, 100 * mm.below_005);
  std::printf("20 digits, noise sd 0.2: cue MSE %.4f; predictive coding %.4f (%.0f %% < 0.005); modern Hopfield "
              "beta 50 %.4f (%.0f %%)\n",
              pn.cue_mse, pn.mse, 100 * pn.below_005, mn.mse, 100 * mn.below_005);
  // What holds robustly at this size (docs/models/predictive_coding.md): completion cuts the
  // masked cue's error several-fold, denoising at least halves it; on masked cues the mean error
  // of predictive coding is well below the modern Hopfield network's, whose recalls are exact or
  // a wrong digit (measured 0.009 vs 0.036). The modern Hopfield network retrieves more images
  // exactly (55 % / 75 % vs 35 % / 5 %): printed, not asserted either way.
  EXPECT_LT(pm.mse, 0.25 * pm.cue_mse);
  EXPECT_LT(pn.mse, 0.5 * pn.cue_mse);
  EXPECT_LT(pm.mse, 0.5 * mm.mse);
}

TEST(PredictiveCoding, BadParametersAreParamErrors) {
  const Matrix X = uniform_memories(3, 6, 6);
  auto key_of = [&](ModelSpec s) -> std::string {
    try {
      build_model(s, X);
    } catch (const ParamError& e) {
      return e.key;
    }
    return "";
  };
  ModelSpec empty = spec("tanh", "nonzero", 1);
  empty.arrays["sizes"] = {};
  EXPECT_EQ(key_of(empty), "sizes");
  ModelSpec zero = spec("tanh", "nonzero", 1);
  zero.arrays["sizes"] = {4, 0};
  EXPECT_EQ(key_of(zero), "sizes");
  ModelSpec g = spec("tanh", "nonzero", 1);
  g.numbers["gamma"] = 1.5;
  EXPECT_EQ(key_of(g), "gamma");
  ModelSpec a = spec("tanh", "nonzero", 1);
  a.words["activation"] = "sigmoid";
  EXPECT_EQ(key_of(a), "activation");
  // The run file gets the weights, the top start and the training curve.
  const Model m = build_model(spec("softplus", "none", 4), X);
  EXPECT_EQ(m.extra.at("weights_1").rows(), 6);
  EXPECT_EQ(m.extra.at("weights_1").cols(), 9);
  EXPECT_EQ(m.extra.at("weights_2").rows(), 9);
  EXPECT_EQ(m.extra.at("top_init").cols(), 5);
  EXPECT_EQ(m.extra.at("training_energy").cols(), 4);
}

}  // namespace
}  // namespace mnemo::models

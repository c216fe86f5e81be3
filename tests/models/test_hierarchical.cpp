// Kind "hierarchical" (Krotov 2021, "Hierarchical associative memory", arXiv:2107.06446, Sec. 2):
// a stack of layers joined by one weight matrix per consecutive pair, used feedforward (W_A g_A)
// and as feedback (W_A^T g_{A+1}). Signature: along trajectories of a three-layer stack with
// random weights the energy decreases (and its numerical derivative is the analytic
// -sum_A tau_A xdot_A^T (d2 L_A) xdot_A), and the stack's energy equals the sum of its Legendre
// terms and synapse terms computed here independently of Network::energy:
//
//   E = sum_A [x_A^T g_A - L_A(x_A)] - sum_A g_{A+1}^T W_A g_A.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "mnemo/dynamics/ensemble.hpp"
#include "mnemo/models/catalogue.hpp"
#include "mnemo/models/hierarchical.hpp"
#include "mnemo/models/patterns.hpp"
#include "mnemo/models/random.hpp"

namespace mnemo::models {
namespace {

Matrix memories(Eigen::Index K, Eigen::Index N) {
  Rng rng(6, stream::memories);
  return random_binary(K, N, rng);
}

// The three-layer random stack of the signature: 14 -> 9 -> 5 neurons, logcosh / softmax /
// rectified_poly, every layer integrated, every weight random (first_synapse = "random").
ModelSpec random_stack(std::uint64_t seed, std::vector<double> taus = {1.0, 0.5, 0.3}) {
  ModelSpec s;
  s.kind = "hierarchical";
  s.seed = seed;
  s.words["first_synapse"] = "random";
  s.numbers["weight_scale"] = 2.0;
  s.arrays["sizes"] = {14, 9, 5};
  s.word_arrays["lagrangians"] = {"logcosh", "softmax", "rectified_poly"};
  s.arrays["parameters"] = {2.0, 1.5, 2.0};
  s.arrays["taus"] = std::move(taus);
  return complete_spec(s);
}

Vector random_state(const Network& net, std::uint64_t seed) {
  Rng rng(seed, 41);
  Vector s(net.state_size());
  for (Eigen::Index i = 0; i < s.size(); ++i) s[i] = rng.normal();
  return s;
}

// Krotov 2021 Sec. 2 energy from the layers' Lagrangians and the synapses' weights. Layers with
// tau = 0 sit at their input x_A = W_{A-1} g_{A-1} + W_A^T g_{A+1} (never two adjacent ones).
double written_out_energy(const Network& net, const Vector& s) {
  const auto& layers = net.layers();
  const std::size_t L = layers.size();
  std::vector<Vector> x(L), g(L);
  for (std::size_t a = 0; a < L; ++a)
    if (net.is_integrated(int(a))) {
      x[a] = s.segment(net.offset(int(a)), layers[a].size);
      g[a].resize(layers[a].size);
      activation(layers[a].lagrangian, x[a], g[a]);
    }
  for (std::size_t a = 0; a < L; ++a)
    if (!net.is_integrated(int(a))) {
      x[a] = Vector::Zero(layers[a].size);
      for (const Synapse& syn : net.synapses()) {
        if (syn.to == int(a)) x[a] += syn.weights * g[syn.from];
        if (syn.from == int(a)) x[a] += syn.weights.transpose() * g[syn.to];
      }
      g[a].resize(layers[a].size);
      activation(layers[a].lagrangian, x[a], g[a]);
    }
  double legendre_terms = 0.0, synapse_terms = 0.0;
  for (std::size_t a = 0; a < L; ++a) legendre_terms += x[a].dot(g[a]) - value(layers[a].lagrangian, x[a]);
  for (const Synapse& syn : net.synapses()) synapse_terms -= g[syn.to].dot(syn.weights * g[syn.from]);
  return legendre_terms + synapse_terms;
}

TEST(Hierarchical, StackHasTheConfiguredLayersAndRandomWeightsOfTheStatedScale) {
  const Model m = build_model(random_stack(3), memories(4, 14));
  const Network& net = m.network;
  ASSERT_EQ(net.layers().size(), 3u);
  ASSERT_EQ(net.synapses().size(), 2u);
  const std::vector<Eigen::Index> sizes = {14, 9, 5};
  for (int a = 0; a < 3; ++a) EXPECT_EQ(net.layers()[a].size, sizes[a]);
  EXPECT_EQ(name(net.layers()[2].lagrangian), "rectified_poly");
  for (int a = 0; a < 2; ++a) {
    const Synapse& syn = net.synapses()[a];
    EXPECT_EQ(syn.from, a);
    EXPECT_EQ(syn.to, a + 1);
    ASSERT_EQ(syn.weights.rows(), sizes[a + 1]);
    ASSERT_EQ(syn.weights.cols(), sizes[a]);
    // W_A ~ N(0, scale^2 / N_A): sum of squares / (scale^2 / N_A) ~ chi^2 with N_{A+1} N_A dof.
    const double dof = double(sizes[a] * sizes[a + 1]);
    const double chi2 = syn.weights.squaredNorm() / (4.0 / double(sizes[a]));
    EXPECT_NEAR(chi2 / dof, 1.0, 5.0 * std::sqrt(2.0 / dof));
  }
  // Same seed, same weights; another seed, other weights.
  const Model same = build_model(random_stack(3), memories(4, 14)), other = build_model(random_stack(4), memories(4, 14));
  EXPECT_EQ((same.network.synapses()[1].weights - net.synapses()[1].weights).norm(), 0.0);
  EXPECT_GT((other.network.synapses()[1].weights - net.synapses()[1].weights).norm(), 1.0);
  // The spec as run records the resolved arrays (written to /model in the run file).
  EXPECT_EQ(m.spec.array("sizes"), (std::vector<double>{14, 9, 5}));
}

TEST(Hierarchical, EnergyIsTheSumOfLegendreAndSynapseTerms) {
  for (std::vector<double> taus : {std::vector<double>{1.0, 0.5, 0.3}, std::vector<double>{1.0, 0.0, 0.3}}) {
    const Model m = build_model(random_stack(5, taus), memories(4, 14));
    auto ws = m.network.workspace();
    for (std::uint64_t seed : {1, 2, 3}) {
      const Vector s = random_state(m.network, seed);
      const double expected = written_out_energy(m.network, s);
      EXPECT_NEAR(m.network.energy(s, ws), expected, 1e-10 * (1.0 + std::abs(expected)))
          << "taus[1] = " << taus[1] << ", seed " << seed;
    }
  }
  // Default stack [N, K, K] on the memories: identity / softmax / softmax, W_0 = the memories.
  const Matrix X = memories(5, 14);
  ModelSpec d;
  d.kind = "hierarchical";
  const Model m = build_model(complete_spec(d), X);
  ASSERT_EQ(m.network.layers().size(), 3u);
  EXPECT_EQ((m.network.synapses()[0].weights - X).norm(), 0.0);
  auto ws = m.network.workspace();
  const Vector s = random_state(m.network, 9);
  const double expected = written_out_energy(m.network, s);
  EXPECT_NEAR(m.network.energy(s, ws), expected, 1e-10 * (1.0 + std::abs(expected)));
}

// The signature: the energy of the three-layer random stack never increases along trajectories
// from random states, and its numerical derivative is the analytic Krotov 2021 rate.
TEST(Hierarchical, EnergyDecreasesAlongTrajectoriesOfARandomThreeLayerStack) {
  for (std::uint64_t seed : {1, 2, 3}) {
    const Model m = build_model(random_stack(seed), memories(4, 14));
    const Network& net = m.network;
    dynamics::IntegrateOptions o;
    o.t_end = 4.0;
    o.dt_save = 2e-3;
    o.rtol = 1e-11;
    o.atol = 1e-13;
    GradientFlow flow(net);
    const auto tr = dynamics::integrate([&](const Vector& x, Vector& dx, double t) { flow(x, dx, t); },
                                        random_state(net, 10 + seed), o);
    ASSERT_EQ(tr.status, dynamics::Status::reached_end);
    auto ws = net.workspace();
    Vector E(tr.states.rows());
    for (Eigen::Index k = 0; k < E.size(); ++k) E[k] = net.energy(tr.states.row(k).transpose(), ws);
    for (Eigen::Index k = 1; k < E.size(); ++k)
      ASSERT_LE(E[k], E[k - 1] + 1e-10 * (1.0 + std::abs(E[k]))) << "seed " << seed << ", t = " << tr.time[k];
    EXPECT_GT(E[0] - E[E.size() - 1], 0.1) << "the flow moves";
    double worst = 0.0;
    const double h = o.dt_save;
    for (Eigen::Index k = 2; k + 2 < E.size(); k += 25) {
      const Vector s = tr.states.row(k).transpose();
      Vector ds(s.size());
      net.rhs(s, ds, ws);
      double analytic = 0.0;  // -sum_A tau_A xdot_A^T H_A xdot_A from the Lagrangians' Hessians
      for (int a = 0; a < 3; ++a) {
        const Layer& L = net.layers()[a];
        const Vector x = s.segment(net.offset(a), L.size), xd = ds.segment(net.offset(a), L.size);
        analytic -= L.tau * xd.dot(hessian(L.lagrangian, x) * xd);
      }
      const double numerical = (E[k - 2] - 8.0 * E[k - 1] + 8.0 * E[k + 1] - E[k + 2]) / (12.0 * h);
      EXPECT_LE(analytic, 0.0);
      worst = std::max(worst, std::abs(numerical - analytic) / (std::abs(analytic) + 1e-6 * (1.0 + std::abs(E[k]))));
    }
    EXPECT_LT(worst, 1e-5) << "seed " << seed;
  }
}

TEST(Hierarchical, LayersThatDoNotChainAreParamErrors) {
  const Matrix X = memories(4, 14);
  auto expect_error = [&](ModelSpec s, const std::string& key, const std::string& reason) {
    s.kind = "hierarchical";
    try {
      build_model(complete_spec(s), X);
      ADD_FAILURE() << "no error for " << key << " (" << reason << ")";
    } catch (const ParamError& e) {
      EXPECT_EQ(e.key, key);
      EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
    }
  };
  ModelSpec s;
  s.arrays["sizes"] = {12, 4, 3};
  expect_error(s, "sizes", "must equal the memory dimension N = 14");
  s.arrays["sizes"] = {14, 5, 3};
  expect_error(s, "sizes", "must equal the number of memories K = 4");
  s.arrays["sizes"] = {14};
  expect_error(s, "sizes", "at least 2 layers");
  s.arrays["sizes"] = {14, 4, 3};
  s.word_arrays["lagrangians"] = {"identity", "softmax"};
  expect_error(s, "lagrangians", "has 2 entries but sizes has 3");
  s.word_arrays["lagrangians"] = {};
  s.arrays["taus"] = {1.0, 0.2};
  expect_error(s, "taus", "has 2 entries but sizes has 3");
  s.arrays["taus"] = {1.0, 0.0, 0.0};
  expect_error(s, "taus", "both instantaneous");
  s.arrays["taus"] = {};
  s.arrays["parameters"] = {0.0, 0.0, 1.0};
  expect_error(s, "parameters", "softmax needs beta > 0");
}

}  // namespace
}  // namespace mnemo::models

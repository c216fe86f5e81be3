#include "mnemo/models/hierarchical.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "mnemo/models/lagrangian_choice.hpp"
#include "mnemo/models/random.hpp"

namespace mnemo::models {

Network hierarchical_network(const std::vector<HierarchicalLayer>& spec, const std::vector<Matrix>& weights) {
  if (spec.size() < 2) throw std::invalid_argument("a hierarchy needs at least two layers");
  if (weights.size() + 1 != spec.size())
    throw std::invalid_argument("a hierarchy of " + std::to_string(spec.size()) + " layers needs " +
                                std::to_string(spec.size() - 1) + " weight matrices, got " +
                                std::to_string(weights.size()));
  std::vector<Layer> layers;
  std::vector<Synapse> synapses;
  for (std::size_t a = 0; a < spec.size(); ++a) {
    const std::string name = a == 0 ? "feature" : "layer" + std::to_string(a);
    layers.push_back(Layer{name, spec[a].size, spec[a].tau, spec[a].lagrangian, {}});
    if (a > 0 && spec[a].tau == 0.0 && spec[a - 1].tau == 0.0)
      throw std::invalid_argument("layers " + std::to_string(a - 1) + " and " + std::to_string(a) +
                                  " are adjacent and both instantaneous (tau = 0)");
  }
  // One synapse per consecutive pair: the Network applies W feedforward and W^T as feedback,
  // which is the symmetry Krotov 2021 needs for an energy.
  for (std::size_t a = 0; a + 1 < spec.size(); ++a)
    synapses.push_back(Synapse{static_cast<int>(a), static_cast<int>(a + 1), weights[a]});
  return Network(std::move(layers), std::move(synapses), 0);
}

namespace {

std::string show(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

Model build(const ModelSpec& s, const Matrix& memories) {
  const Eigen::Index N = memories.cols(), K = memories.rows();
  const bool memory_synapse = s.word("first_synapse") == "memories";

  std::vector<double> sizes = s.array("sizes");
  if (sizes.empty()) sizes = {double(N), double(K), double(K)};
  const std::size_t L = sizes.size();
  if (L < 2) throw ParamError("sizes", "a hierarchy needs at least 2 layers, got " + std::to_string(L));
  if (sizes[0] != double(N))
    throw ParamError("sizes", "entry 0 = " + show(sizes[0]) + " must equal the memory dimension N = " +
                                  std::to_string(N) + " (layer 0 is the feature layer)");
  if (memory_synapse && sizes[1] != double(K))
    throw ParamError("sizes", "entry 1 = " + show(sizes[1]) + " must equal the number of memories K = " +
                                  std::to_string(K) +
                                  " (first_synapse = \"memories\": layer 1 has one neuron per memory)");

  std::vector<std::string> names = s.word_array("lagrangians");
  if (names.empty()) {
    names.assign(L, "softmax");
    names[0] = "identity";
  }
  if (names.size() != L)
    throw ParamError("lagrangians", "has " + std::to_string(names.size()) + " entries but sizes has " +
                                        std::to_string(L) + " (one Lagrangian per layer)");
  std::vector<double> params = s.array("parameters");
  if (params.empty())
    for (const std::string& n : names) params.push_back(default_lagrangian_parameter(n));
  if (params.size() != L)
    throw ParamError("parameters", "has " + std::to_string(params.size()) + " entries but sizes has " +
                                       std::to_string(L) + " (one Lagrangian parameter per layer)");
  std::vector<double> taus = s.array("taus");
  if (taus.empty()) {
    taus.assign(L, 0.2);
    taus[0] = 1.0;
  }
  if (taus.size() != L)
    throw ParamError("taus", "has " + std::to_string(taus.size()) + " entries but sizes has " + std::to_string(L) +
                                 " (one time constant per layer)");
  if (!(taus[0] > 0.0)) throw ParamError("taus", "entry 0 must be > 0: the feature layer is integrated");

  std::vector<HierarchicalLayer> layers(L);
  for (std::size_t a = 0; a < L; ++a) {
    const std::string what = "layer " + std::to_string(a);
    layers[a].size = static_cast<Eigen::Index>(sizes[a]);
    layers[a].tau = taus[a];
    layers[a].lagrangian = make_lagrangian(names[a], params[a], "parameters", what);
    if (a > 0 && taus[a] == 0.0 && taus[a - 1] == 0.0)
      throw ParamError("taus", "layers " + std::to_string(a - 1) + " and " + std::to_string(a) +
                                   " are adjacent and both instantaneous (tau = 0); one must be integrated");
    if (taus[a] > 0.0 && !is_convex(layers[a].lagrangian))
      throw ParamError("lagrangians", what + ": '" + names[a] +
                                          "' with odd n has no PSD Hessian, so the layer cannot be integrated "
                                          "(Krotov 2021; set its tau to 0 or use rectified_poly)");
  }

  // Random weights from the model stream, in layer order, row by row: same seed, same network.
  Rng rng(s.seed, stream::model);
  const double scale = s.number("weight_scale");
  std::vector<Matrix> weights;
  for (std::size_t a = 0; a + 1 < L; ++a) {
    if (a == 0 && memory_synapse) {
      weights.push_back(memories);
      continue;
    }
    const Eigen::Index rows = layers[a + 1].size, cols = layers[a].size;
    Matrix W(rows, cols);
    const double sd = scale / std::sqrt(static_cast<double>(cols));
    for (Eigen::Index i = 0; i < rows; ++i)
      for (Eigen::Index j = 0; j < cols; ++j) W(i, j) = sd * rng.normal();
    weights.push_back(std::move(W));
  }
  // The spec as run, defaults resolved, so that the run file's /model attributes say which stack ran.
  ModelSpec as_run = s;
  as_run.arrays["sizes"] = sizes;
  as_run.word_arrays["lagrangians"] = names;
  as_run.arrays["parameters"] = params;
  as_run.arrays["taus"] = taus;
  return Model{as_run, memories, hierarchical_network(layers, weights)};
}

}  // namespace

KindInfo hierarchical_kind() {
  using T = ParamSpec::Type;
  KindInfo k;
  k.kind = "hierarchical";
  k.reference = "Krotov 2021, Hierarchical associative memory (arXiv:2107.06446), Sec. 2: layer dynamics, "
                "energy and dE/dt; two-layer memory of Krotov & Hopfield 2021 (ICLR) as its first block";
  k.summary = "stack of layers with symmetric feedforward/feedback synapses, one energy";
  k.params = {
      {"sizes", T::integer_array, 0, 1.0, 1e9, false, {},
       "layer sizes, feature layer first (= memory dim); empty: [N, K, K]", {}},
      {"lagrangians", T::word_array, 0, 0, 0, false, lagrangian_names(),
       "one Lagrangian per layer; empty: identity, then softmax", {}, {}},
      {"parameters", T::number_array, 0, 0.0, 1e300, false, {},
       "one Lagrangian parameter per layer (gain, beta, n or gamma; ignored for identity); empty: defaults", {}},
      {"taus", T::number_array, 0, 0.0, 1e300, false, {},
       "one time constant per layer, 0 = integrated out (never two adjacent); empty: [1, 0.2, ...]", {}},
      {"first_synapse", T::choice, 0, 0, 0, false, {"memories", "random"},
       "memories: layer 0 -> 1 weights are the stored patterns (sizes[1] = K); random: drawn like the rest"},
      {"weight_scale", T::number, 1.0, 0.0, 1e300, false, {},
       "random weights W_A ~ N(0, weight_scale^2 / N_A), seeded by the run's seed"},
  };
  k.build = build;
  // Default stack [N, K, K], identity/softmax/softmax: the top layer perturbs the memory layer's
  // input by O(weight_scale) against a margin of O(N) between the stored and the other overlaps.
  k.memories_are_fixed_points = true;
  return k;
}

}  // namespace mnemo::models

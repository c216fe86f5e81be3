#include "mnemo/models/krotov_hopfield.hpp"

#include <stdexcept>

#include "mnemo/models/lagrangian_choice.hpp"

namespace mnemo::models {

Network krotov_hopfield(const Matrix& memories, const KrotovHopfieldOptions& o) {
  // KH2021 eq. 6 needs PSD Hessians only in the integrated layers; an integrated-out layer's
  // Hessian never enters dE/dt.
  if (!is_convex(o.feature))
    throw std::invalid_argument("feature Lagrangian '" + name(o.feature) + "' has no PSD Hessian (KH2021 eq. 6)");
  if (o.tau_hidden > 0.0 && !is_convex(o.hidden))
    throw std::invalid_argument("hidden Lagrangian '" + name(o.hidden) +
                                "' has no PSD Hessian, so the memory layer cannot be integrated (KH2021 eq. 6)");
  Layer v{"feature", memories.cols(), o.tau, o.feature, {}};
  Layer h{"memory", memories.rows(), o.tau_hidden, o.hidden, {}};
  return Network({v, h}, {Synapse{0, 1, memories}}, 0);
}

namespace {

// A preset's Lagrangian names (KH2021 Sec. 3 models A, B, C).
struct Preset {
  const char* feature;
  const char* hidden;
};
Preset preset(const std::string& model) {
  if (model == "B") return {"identity", "softmax"};
  if (model == "C") return {"layernorm", "rectified_poly"};
  return {"logcosh", "rectified_poly"};  // A
}

// The named parameter that goes with a Lagrangian (gain, beta, n or gamma; identity takes none).
double parameter_for(const std::string& lagrangian, const ModelSpec& s, std::string& key) {
  if (lagrangian == "logcosh") key = "gain";
  else if (lagrangian == "softmax" || lagrangian == "exp") key = "beta";
  else if (lagrangian == "rectified_poly" || lagrangian == "poly") key = "n";
  else if (lagrangian == "layernorm") key = "gamma";
  else return 0.0;
  return s.number(key);
}

}  // namespace

KrotovHopfieldOptions krotov_hopfield_options(const ModelSpec& s) {
  const Preset p = preset(s.word("model"));
  const std::string fname = s.word("feature_lagrangian") == "auto" ? p.feature : s.word("feature_lagrangian");
  const std::string hname = s.word("hidden_lagrangian") == "auto" ? p.hidden : s.word("hidden_lagrangian");
  KrotovHopfieldOptions o;
  std::string key;
  double par = parameter_for(fname, s, key);
  o.feature = make_lagrangian(fname, par, key.empty() ? "feature_lagrangian" : key, "feature layer");
  key.clear();
  par = parameter_for(hname, s, key);
  o.hidden = make_lagrangian(hname, par, key.empty() ? "hidden_lagrangian" : key, "memory layer");
  o.tau = s.number("tau");
  o.tau_hidden = s.number("tau_hidden");
  if (!is_convex(o.feature))
    throw ParamError("feature_lagrangian", "'" + fname +
                                               "' with odd n has no PSD Hessian; the feature layer is integrated (KH2021 eq. 6)");
  if (o.tau_hidden > 0.0 && !is_convex(o.hidden))
    throw ParamError("hidden_lagrangian", "'" + hname +
                                              "' with odd n has no PSD Hessian; integrate it out (tau_hidden = 0) "
                                              "or use rectified_poly (KH2021 eq. 6)");
  return o;
}

KindInfo krotov_hopfield_kind() {
  using T = ParamSpec::Type;
  std::vector<std::string> lagrangians = lagrangian_names();
  lagrangians.insert(lagrangians.begin(), "auto");
  KindInfo k;
  k.kind = "krotov_hopfield";
  k.reference = "Krotov & Hopfield 2021 (ICLR), Sec. 2 eqs. 1-6 (network, energy, dE/dt) and Sec. 3 (models A, B, C)";
  k.summary = "two-layer feature/memory network, any Lagrangian per layer; presets A, B, C";
  k.params = {
      {"model", T::choice, 0, 0, 0, false, {"A", "B", "C"},
       "KH2021 preset: A separable (logcosh / rectified_poly), B softmax memory layer (identity / softmax), "
       "C layer-norm feature layer (layernorm / rectified_poly)"},
      {"feature_lagrangian", T::choice, 0, 0, 0, false, lagrangians, "feature layer Lagrangian (auto: the preset's)"},
      {"hidden_lagrangian", T::choice, 0, 0, 0, false, lagrangians, "memory layer Lagrangian (auto: the preset's)"},
      {"beta", T::number, 1.0, 0.0, 1e300, true, {}, "inverse temperature of a softmax or exp Lagrangian"},
      {"n", T::number, 3.0, 2.0, 1000.0, false, {}, "power of a rectified_poly or poly Lagrangian (poly: whole)"},
      {"gain", T::number, 1.0, 0.0, 1e300, true, {}, "gain of a logcosh Lagrangian, g = tanh(gain v)"},
      {"gamma", T::number, 1.0, 0.0, 1e300, true, {}, "scale of a layernorm Lagrangian"},
      {"tau", T::number, 1.0, 0.0, 1e300, true, {}, "time constant of the feature neurons"},
      {"tau_hidden", T::number, 0.0, 0.0, 1e300, false, {},
       "time constant of the memory neurons; 0 integrates the memory layer out"},
  };
  k.build = [](const ModelSpec& s, const Matrix& memories) {
    return Model{s, memories, krotov_hopfield(memories, krotov_hopfield_options(s))};
  };
  // Preset A with n = 3 and tanh features: the crosstalk of the other memories is O(sqrt(N)^2)
  // against N^2 for the stored one, so every stored pattern is a near fixed point of g.
  k.memories_are_fixed_points = true;
  return k;
}

}  // namespace mnemo::models

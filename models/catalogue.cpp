#include "mnemo/models/catalogue.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "mnemo/models/classical_hopfield.hpp"
#include "mnemo/models/dense.hpp"
#include "mnemo/models/discrete_memory.hpp"
#include "mnemo/models/hierarchical.hpp"
#include "mnemo/models/iamm.hpp"
#include "mnemo/models/kernelized_hopfield.hpp"
#include "mnemo/models/krotov_hopfield.hpp"
#include "mnemo/models/modern_hopfield.hpp"
#include "mnemo/models/predictive_coding.hpp"
#include "mnemo/models/random_features.hpp"
#include "mnemo/models/sequential_dam.hpp"
#include "mnemo/models/sparse_recovery.hpp"

namespace mnemo::models {

const std::vector<KindInfo>& catalogue() {
  static const std::vector<KindInfo> kinds = {
      classical_hopfield_kind(),
      modern_hopfield_kind(),
      dense_kind(),
      krotov_hopfield_kind(),
      hierarchical_kind(),
      random_features_kind(),
      kernelized_hopfield_kind(),
      sparse_recovery_kind(),
      iamm_kind(),
      predictive_coding_kind(),
      sequential_dam_kind(),
  };
  return kinds;
}

const KindInfo* find_kind(const std::string& kind) {
  for (const KindInfo& k : catalogue())
    if (k.kind == kind) return &k;
  // Discrete-time kinds (no Network) live in their own list; configs and sweeps see them here.
  if (const DiscreteKind* d = find_discrete_kind(kind)) return &d->info;
  return nullptr;
}

std::string known_kinds() {
  std::string s;
  for (const KindInfo& k : catalogue()) s += (s.empty() ? "" : ", ") + k.kind;
  for (const DiscreteKind& d : discrete_catalogue()) s += (s.empty() ? "" : ", ") + d.info.kind;
  return s;
}

namespace {
std::string show(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}
}  // namespace

ModelSpec complete_spec(const ModelSpec& spec) {
  const KindInfo* info = find_kind(spec.kind);
  if (!info) throw ParamError("kind", "unknown model kind '" + spec.kind + "' (known: " + known_kinds() + ")");
  ModelSpec out;
  out.kind = spec.kind;
  out.seed = spec.seed;
  for (const auto& [name, v] : spec.numbers) {
    bool known = false;
    for (const ParamSpec& p : info->params) known |= (p.name == name && p.is_scalar_number());
    if (!known) throw ParamError(name, "not a numeric parameter of kind '" + spec.kind + "'");
  }
  for (const auto& [name, v] : spec.words) {
    bool known = false;
    for (const ParamSpec& p : info->params) known |= (p.name == name && p.type == ParamSpec::Type::choice);
    if (!known) throw ParamError(name, "not a word parameter of kind '" + spec.kind + "'");
  }
  for (const auto& [name, v] : spec.arrays) {
    bool known = false;
    for (const ParamSpec& p : info->params) known |= (p.name == name && p.is_number_array());
    if (!known) throw ParamError(name, "not an array-of-numbers parameter of kind '" + spec.kind + "'");
  }
  for (const auto& [name, v] : spec.word_arrays) {
    bool known = false;
    for (const ParamSpec& p : info->params) known |= (p.name == name && p.type == ParamSpec::Type::word_array);
    if (!known) throw ParamError(name, "not an array-of-words parameter of kind '" + spec.kind + "'");
  }
  // One value against its spec; `what` names the entry of an array ("entry 2"), "" for a scalar.
  auto check_number = [](const ParamSpec& p, double v, const std::string& what) {
    const std::string pre = what.empty() ? "" : what + " ";
    if (!std::isfinite(v)) throw ParamError(p.name, pre + "must be finite, got " + show(v));
    if ((p.type == ParamSpec::Type::integer || p.type == ParamSpec::Type::integer_array) && v != std::floor(v))
      throw ParamError(p.name, pre + "must be a whole number, got " + show(v));
    if (p.min_exclusive ? !(v > p.min) : !(v >= p.min))
      throw ParamError(p.name, pre + std::string("must be ") + (p.min_exclusive ? "> " : ">= ") + show(p.min) +
                                   ", got " + show(v));
    if (!(v <= p.max)) throw ParamError(p.name, pre + "must be <= " + show(p.max) + ", got " + show(v));
  };
  for (const ParamSpec& p : info->params) {
    if (p.is_number_array()) {
      auto it = spec.arrays.find(p.name);
      const std::vector<double>& a = it == spec.arrays.end() ? p.default_array : it->second;
      for (std::size_t i = 0; i < a.size(); ++i) check_number(p, a[i], "entry " + std::to_string(i));
      out.arrays[p.name] = a;
      continue;
    }
    if (p.type == ParamSpec::Type::word_array) {
      auto it = spec.word_arrays.find(p.name);
      const std::vector<std::string>& a = it == spec.word_arrays.end() ? p.default_words : it->second;
      std::string list;
      for (const std::string& c : p.choices) list += (list.empty() ? "" : ", ") + c;
      for (std::size_t i = 0; i < a.size(); ++i)
        if (std::find(p.choices.begin(), p.choices.end(), a[i]) == p.choices.end())
          throw ParamError(p.name, "entry " + std::to_string(i) + " must be one of " + list + ", got '" + a[i] + "'");
      out.word_arrays[p.name] = a;
      continue;
    }
    if (p.type == ParamSpec::Type::choice) {
      auto it = spec.words.find(p.name);
      const std::string w = it == spec.words.end() ? p.choices.front() : it->second;
      bool ok = false;
      std::string list;
      for (const std::string& c : p.choices) {
        ok |= (c == w);
        list += (list.empty() ? "" : ", ") + c;
      }
      if (!ok) throw ParamError(p.name, "must be one of " + list + ", got '" + w + "'");
      out.words[p.name] = w;
      continue;
    }
    auto it = spec.numbers.find(p.name);
    const double v = it == spec.numbers.end() ? p.default_number : it->second;
    check_number(p, v, "");
    out.numbers[p.name] = v;
  }
  return out;
}

Model build_model(const ModelSpec& spec, const Matrix& memories) {
  const ModelSpec full = complete_spec(spec);
  if (memories.rows() < 1 || memories.cols() < 1)
    throw std::invalid_argument("a model needs at least one memory of dimension >= 1");
  if (!memories.allFinite()) throw std::invalid_argument("memories contain NaN or Inf");
  return find_kind(full.kind)->build(full, memories);
}

Vector initial_state(const Network& net, VectorCRef cue) {
  const int f = net.feature_layer();
  if (cue.size() != net.layers()[f].size)
    throw std::invalid_argument("cue has " + std::to_string(cue.size()) + " entries, the feature layer " +
                                std::to_string(net.layers()[f].size));
  Vector s = Vector::Zero(net.state_size());
  s.segment(net.offset(f), cue.size()) = cue;
  auto ws = net.workspace();
  net.evaluate(s, ws);
  for (int i = 0; i < static_cast<int>(net.layers().size()); ++i) {
    if (i == f || !net.is_integrated(i)) continue;
    Vector x = ws.input[i];
    if (net.layers()[i].bias.size()) x += net.layers()[i].bias;
    s.segment(net.offset(i), x.size()) = x;
  }
  return s;
}

Vector initial_state(const Model& model, VectorCRef cue) {
  if (!model.start) return initial_state(model.network, cue);
  if (cue.size() != model.network.readout_size())
    throw std::invalid_argument("cue has " + std::to_string(cue.size()) + " entries, the feature layer " +
                                std::to_string(model.network.readout_size()));
  return model.start(cue);
}

}  // namespace mnemo::models

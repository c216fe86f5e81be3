#pragma once
// The model catalogue: every `[model] kind` a config may name, its parameters (names, defaults,
// ranges, one line of meaning each) and the function that composes its Network from stored
// memories. A new model is a new entry here built from layers and synapses, not a new RHS.
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "mnemo/models/network.hpp"

namespace mnemo::models {

struct ParamSpec {
  enum class Type { number, integer, choice };
  std::string name;
  Type type = Type::number;
  double default_number = 0.0;
  double min = -1e300, max = 1e300;
  bool min_exclusive = false;  // min < value instead of min <= value
  std::vector<std::string> choices;  // Type::choice: allowed words, the first is the default
  std::string description;
};

// A model as configured: its kind and parameter values (numbers and words).
struct ModelSpec {
  std::string kind;
  std::map<std::string, double> numbers;
  std::map<std::string, std::string> words;
  double number(const std::string& name) const { return numbers.at(name); }
  const std::string& word(const std::string& name) const { return words.at(name); }
};

// A bad parameter: `key` is the parameter's name, what() the reason ("must be > 0, got -1").
struct ParamError : std::invalid_argument {
  std::string key;
  ParamError(std::string k, const std::string& why) : std::invalid_argument(why), key(std::move(k)) {}
};

struct Model {
  ModelSpec spec;    // with every default filled in
  Matrix memories;   // K x N, one pattern per row, in the feature layer's space
  Network network;
};

struct KindInfo {
  std::string kind;
  std::string reference;  // paper and equations
  std::string summary;
  std::vector<ParamSpec> params;
  std::function<Model(const ModelSpec&, const Matrix&)> build;
};

const std::vector<KindInfo>& catalogue();
const KindInfo* find_kind(const std::string& kind);  // nullptr when unknown
std::string known_kinds();                            // "a, b, c" for error messages

// Fills defaults and checks every value against its ParamSpec; throws ParamError.
ModelSpec complete_spec(const ModelSpec& spec);
// complete_spec + the kind's builder; throws ParamError or std::invalid_argument.
Model build_model(const ModelSpec& spec, const Matrix& memories);

// The network state a cue starts from: the feature layer's state set to the cue, every other
// integrated layer at rest with its input (x = I + b), so hidden layers start in equilibrium.
Vector initial_state(const Network& network, VectorCRef cue);

}  // namespace mnemo::models

#pragma once
// The model catalogue: every `[model] kind` a config may name, its parameters (names, defaults,
// ranges, one line of meaning each) and the function that composes its Network from stored
// memories. A new model is a new entry here built from layers and synapses, not a new RHS.
#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "mnemo/models/network.hpp"

namespace mnemo::models {

struct ParamSpec {
  // number, integer, choice: one value. number_array, integer_array: a list of numbers, each
  // checked against min/max (config: `sizes = [12, 5, 8]`); word_array: a list of words, each one
  // of `choices` (config: `lagrangians = ["identity", "softmax"]`). Arrays may be empty unless a
  // kind's builder says otherwise; their lengths are checked by the builder (ParamError).
  enum class Type { number, integer, choice, number_array, integer_array, word_array };
  std::string name;
  Type type = Type::number;
  double default_number = 0.0;
  double min = -1e300, max = 1e300;
  bool min_exclusive = false;  // min < value instead of min <= value
  std::vector<std::string> choices;  // Type::choice: allowed words, the first is the default
  std::string description;
  std::vector<double> default_array = {};       // number_array, integer_array
  std::vector<std::string> default_words = {};  // word_array
  bool is_scalar_number() const { return type == Type::number || type == Type::integer; }
  bool is_number_array() const { return type == Type::number_array || type == Type::integer_array; }
};

// A model as configured: its kind and parameter values (numbers, words and their arrays), and
// the run's seed for kinds whose weights are random (drawn from Rng(seed, stream::model)).
struct ModelSpec {
  std::string kind;
  std::map<std::string, double> numbers;
  std::map<std::string, std::string> words;
  std::map<std::string, std::vector<double>> arrays = {};
  std::map<std::string, std::vector<std::string>> word_arrays = {};
  std::uint64_t seed = 1;
  double number(const std::string& name) const { return numbers.at(name); }
  const std::string& word(const std::string& name) const { return words.at(name); }
  const std::vector<double>& array(const std::string& name) const { return arrays.at(name); }
  const std::vector<std::string>& word_array(const std::string& name) const { return word_arrays.at(name); }
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
  // Learned or derived matrices a kind wants in the run file, written as /model/<name>
  // (e.g. kernelized_hopfield's "feature_map"). Names must not collide with "memories".
  std::map<std::string, Matrix> extra = {};
  // Where a cue starts, for kinds whose start is not initial_state(network, cue) (sparse_recovery:
  // the cue also fills the query layer and the error layer starts at zero). Empty: the default.
  std::function<Vector(VectorCRef cue)> start = {};
};

struct KindInfo {
  std::string kind;
  std::string reference;  // paper and equations
  std::string summary;
  std::vector<ParamSpec> params;
  std::function<Model(const ModelSpec&, const Matrix&)> build;
  // True where the theory makes every stored pattern a (near) fixed point of the default model
  // (read by the conformance suite, tests/models/test_catalogue_conformance.cpp).
  bool memories_are_fixed_points = false;
  // Kinds that learn their memories from labelled images (sequential_dam) set this: every image
  // of [memories] source = digits | fashion_mnist (rows, pixels in [0, 1]), its label, and
  // [memories] count. It returns the trained Model, whose `memories` are the learned patterns;
  // `build` rebuilds the same network from them (mnemo analyze). Throws as `build` does.
  std::function<Model(const ModelSpec&, const Matrix& images, const Eigen::VectorXi& labels, Eigen::Index count)>
      learn_from_images = nullptr;
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
// The model's start for a cue: model.start when the kind sets one, else the above.
Vector initial_state(const Model& model, VectorCRef cue);

}  // namespace mnemo::models

#pragma once
// Discrete-time memories: models whose recall is an algorithm of iterations (rounds over
// clusters, asynchronous sweeps), not a gradient flow of a Network. Their stored patterns are
// part of the model (each kind has its own pattern generator), and so is their cue-noise model.
//
// A kind yields, for each cue, a recall object that advances one iteration at a time; after
// every iteration it exposes the state (the compared state of the run file) and the algorithm's
// objective (the run file's `energy`: e.g. the number of violated constraints, or a negative
// log-posterior). analysis/discrete_recall.hpp drives B of them and streams the iterates.
//
// Catalogue: discrete kinds are listed by discrete_catalogue(), not catalogue() (whose kinds all
// build a Network); models::find_kind and known_kinds see both lists, so configs, ParamSpec
// checks and sweeps (io::with_value) treat them like every other kind.
#include <Eigen/Dense>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "mnemo/models/catalogue.hpp"
#include "mnemo/models/patterns.hpp"
#include "mnemo/models/random.hpp"

namespace mnemo::models {

// One query's recall, advanced by the caller one iteration at a time.
class DiscreteRecall {
 public:
  virtual ~DiscreteRecall() = default;
  virtual const Vector& state() const = 0;  // N entries, in the memories' alphabet
  virtual double objective() const = 0;     // at the current state; the algorithm lowers it
  virtual bool converged() const = 0;       // further iterations would change nothing
  virtual void step() = 0;                  // one iteration (what one is: DiscreteMemory::iteration)
};

struct DiscreteAttribute {
  std::string name;
  double value;
};

// A kind's own recall score over a whole run (entropic: the papers' precision and recall),
// written as a /recall attribute by `mnemo run` and as /sweep/<name> by `mnemo sweep`.
struct DiscreteMetric {
  std::string name;
  double value;
  std::string description;
};

class DiscreteMemory {
 public:
  virtual ~DiscreteMemory() = default;
  virtual const Matrix& memories() const = 0;      // K x N: the patterns queries are made from
  virtual std::string structure() const = 0;       // neurons, clusters, synapses in words (/model)
  virtual std::string iteration() const = 0;       // what one iteration is, in words
  virtual std::string objective_name() const = 0;  // what objective() measures, in words
  // True where every iteration lowers the objective or leaves it (savin's MAP sweeps); false
  // where it may rise (karbasi: a cluster's accepted move can violate a neighbouring cluster).
  virtual bool objective_never_rises() const = 0;
  // Derived quantities worth recording (thresholds, variances, learned sizes).
  virtual std::vector<DiscreteAttribute> attributes() const = 0;
  // `count` cues from the kind's own noise model at the level given to the builder (the
  // decoders of a Bayesian kind need it); targets chosen uniformly (with replacement).
  virtual Cues make_cues(Eigen::Index count, Rng& rng) const = 0;
  // Recall of one cue; `rng` feeds every random choice of that recall (internal noise, update
  // order), so a query's result does not depend on which thread runs it.
  virtual std::unique_ptr<DiscreteRecall> recall(const Vector& cue, Rng rng) const = 0;
  // Kind-specific scores from the cues, the final states and the targets (B rows each); none by default.
  virtual std::vector<DiscreteMetric> recall_metrics(const Matrix& /*cues*/, const Matrix& /*finals*/,
                                                     const Eigen::VectorXi& /*targets*/) const {
    return {};
  }
  // Learned tables a kind wants in the run file, written as /model/<name> (as Model::extra).
  virtual std::map<std::string, Matrix> matrices() const { return {}; }
};

// A cue-noise level the kind's noise model cannot produce; what() is the reason.
struct CueLevelError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

struct DiscreteKind {
  // kind, reference, summary and parameters, as for every kind; info.build throws (no Network).
  KindInfo info;
  // The model from its completed spec, its sizes ([memories] count = K, dim = N), the cue
  // noise level ([queries] level: the expected fraction of wrong entries of a cue) and the
  // run's seed (patterns from Rng(seed, stream::memories), learning from Rng(seed, stream::model)).
  // Throws ParamError (a parameter), CueLevelError (the level) or std::invalid_argument (sizes).
  std::function<std::shared_ptr<const DiscreteMemory>(const ModelSpec&, Eigen::Index count, Eigen::Index dim,
                                                      double level, std::uint64_t seed)>
      build;
  // Kinds that store images of a dataset ([memories] source = "digits" or "fashion_mnist") set
  // this instead of `build`: every image of the source (pixels in [0, 1]) and its label, the
  // number to store ([memories] count; the others are held out for cues), how each image is
  // normalised after any corruption ([memories] normalize), the cue corruption and level, the seed.
  std::function<std::shared_ptr<const DiscreteMemory>(const ModelSpec&, const Matrix& images,
                                                      const Eigen::VectorXi& labels, Eigen::Index count,
                                                      Normalize normalize, Corruption corruption, double level,
                                                      std::uint64_t seed)>
      build_from_images = nullptr;
};

const std::vector<DiscreteKind>& discrete_catalogue();
const DiscreteKind* find_discrete_kind(const std::string& kind);  // nullptr for ODE and unknown kinds

// complete_spec + the kind's builder.
std::shared_ptr<const DiscreteMemory> build_discrete(const ModelSpec& spec, Eigen::Index count, Eigen::Index dim,
                                                     double level, std::uint64_t seed);

// The Rng of query b's recall: stream `stream::recall + b` of the run's seed.
Rng recall_rng(std::uint64_t seed, Eigen::Index query);

}  // namespace mnemo::models

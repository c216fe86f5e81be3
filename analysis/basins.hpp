#pragma once
// Basins of attraction and the attractors recall ends in.
//
// Every final state is labelled by its pattern of cosine overlaps with the stored memories:
// a retrieved memory, another memory or a memory's negative, a degraded retrieval state (one
// memory stands out, below the recall overlap: what the classical network settles into near and
// above capacity), a mixture of several memories (Amit, Gutfreund & Sompolinsky 1985: e.g. the
// symmetric 3-mixture sign(xi_1 + xi_2 + xi_3) with overlap 1/2 on each), a metastable average
// (Ramsauer et al. 2020, sec. "metastable states": a fixed point near the mean of a subset of
// patterns that are not well separated), or a spin-glass state (Amit et al. 1985: no memory above
// the noise floor, or overlaps with many memories without a gap, as the classical network's states
// from a stored pattern above capacity: ~0.3 on the pattern, 0.2-0.27 on several others).
// Mixtures and averages are told apart by the span of the memories involved: an average lies in
// it, a sign mixture does not (sign(a+b+c) = (a+b+c)/2 - abc/2 for +-1 entries, half its norm is
// outside the span).
//
// The basin of a memory is measured as its recall probability against the distance of the
// initial state (flip/mask fraction or Gaussian noise level); its radius is the largest tested
// distance up to which recall holds with probability >= threshold (90 % by default) at that
// distance and every smaller tested one.
#include <array>
#include <vector>

#include "mnemo/analysis/recall.hpp"
#include "mnemo/dynamics/ensemble.hpp"
#include "mnemo/models/catalogue.hpp"
#include "mnemo/models/patterns.hpp"

namespace mnemo::analysis {

enum class Attractor : int {
  retrieved = 0,     // nearest memory is the target, overlap >= recall_overlap
  other_memory = 1,  // another memory retrieved (overlap >= recall_overlap)
  reversed = 2,      // a memory's negative, overlap <= -recall_overlap (odd activations)
  partial = 3,       // one memory stands out above the noise floor, below recall_overlap
  mixture = 4,       // >= 2 memories of similar |overlap| stand out, state far from their span
  metastable = 5,    // >= 2 memories of similar |overlap| stand out, state in their span (an average)
  spin_glass = 6,    // no memory above the noise floor, or many of similar |overlap| with no gap
  failed = 7,        // the integration failed (non-finite state, step limit)
};
inline constexpr int attractor_kinds = 8;
const char* to_string(Attractor kind);
using AttractorCounts = std::array<long, attractor_kinds>;

struct AttractorOptions {
  double recall_overlap = 0.9;  // |cosine| at or above which a memory counts as retrieved
  double similar = 0.5;         // mixture members: |overlap| >= similar * the largest |overlap|
  double noise_floor = -1.0;    // < 0: noise_floor(K, N) below
  double separation = 1.5;      // members must exceed every other |overlap| above the floor by this factor
  double span_residual = 0.25;  // metastable iff |state - projection on the members' span| < this * |state|
};

// Overlaps of a state uncorrelated with K random patterns are ~N(0, 1/N); the largest of K of
// them in absolute value is about sqrt(2 ln(2K) / N). The floor adds one standard deviation.
double noise_floor(Eigen::Index memories, Eigen::Index dim);

struct AttractorLabel {
  Attractor kind = Attractor::spin_glass;
  Eigen::Index memory = -1;  // memory of largest |overlap|
  double overlap = 0.0;      // its signed cosine overlap
  int members = 0;           // memories above the floor and within `similar` of the largest
};

AttractorLabel classify_attractor(const Matrix& memories, const Eigen::Ref<const Vector>& state, int target,
                                  const AttractorOptions& options = {});
// One label per row of `finals`; a failed status gives Attractor::failed.
std::vector<AttractorLabel> classify_attractors(const Matrix& memories, const Matrix& finals,
                                                const Eigen::VectorXi& targets,
                                                const std::vector<dynamics::Status>& status,
                                                const AttractorOptions& options = {});
AttractorCounts count_kinds(const std::vector<AttractorLabel>& labels);

// Exact recall (McEliece et al. 1987): every sign of the final state equals its target's, on the
// target's non-zero entries. For +-1 memories this is recall without a single bit error.
std::vector<bool> exact_recall(const Matrix& memories, const Matrix& finals, const Eigen::VectorXi& targets);

// Largest levels[j] such that probability[i] >= threshold for every i <= j (levels ascending;
// NaN probabilities, i.e. untested levels, are skipped); 0 when the first tested level fails,
// NaN when nothing was tested.
double basin_radius(const Vector& levels, const Vector& probability, double threshold);

// Recall probability per memory and distance.
struct BasinTable {
  Vector levels;             // L distances, ascending
  Eigen::MatrixXi trials;    // L x K queries made from each memory at each distance
  Eigen::MatrixXi recalled;  // L x K of them labelled `retrieved`
  Matrix probability;        // L x K recalled / trials (NaN where trials = 0)
  Vector pooled;             // L: every memory together
  Vector radius;             // K: basin_radius of each memory (NaN if never tested)
  double pooled_radius = 0.0;
  double threshold = 0.9;
};

// levels: L distances in any order; targets[l], retrieved[l]: the queries made at levels[l].
// The table is sorted by level.
BasinTable tabulate_basins(const std::vector<double>& levels, const std::vector<Eigen::VectorXi>& targets,
                           const std::vector<std::vector<bool>>& retrieved, Eigen::Index memories,
                           double threshold = 0.9);

struct BasinOptions {
  std::vector<double> levels{0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45};
  models::Corruption corruption = models::Corruption::flip;
  Eigen::Index trials = 10;        // cues per memory per level
  Eigen::Index max_memories = 0;   // probe the first this many memories (0: all)
  double threshold = 0.9;
  AttractorOptions attractors;
  dynamics::IntegrateOptions integrate;
};

struct BasinResult {
  BasinTable table;              // columns beyond the probed memories have no trials
  Eigen::MatrixXi kinds;         // L x attractor_kinds: final states of each kind, all memories
  Vector mean_overlap;           // L: mean overlap of the final state with its target
  long rhs_evaluations = 0;
  double wall_seconds = 0.0;
};

// `trials` corrupted copies of each probed memory at every level (drawn from `rng`, level by level,
// memory by memory), integrated as one ensemble, labelled and tabulated.
BasinResult basins(const models::Model& model, const BasinOptions& options, models::Rng& rng);

}  // namespace mnemo::analysis

#pragma once
// Entropic associative memory (EAM): Pineda, Fuentes & Morales, "An entropic associative memory",
// Sci Rep 11:6948 (2021); Hernandez, Morales & Pineda, "Entropic associative memory for real
// world images", arXiv 2405.12500 (2024). Notes: shared/papers/hernandez-2024-entropic-am.md
// (semantics transcribed from the authors' code, sections 2-3); docs/models/entropic.md.
//
// Not an ODE and has no energy: a memory register is a relation table, and recall is table
// look-up plus sampling. It runs as a discrete-time kind (models/discrete_memory.hpp).
//
//  register (AMR)  an (m+1) x n table of counts w_ij: n columns (features), m rows (quantised
//                  values 0..m-1) and row m for "undefined" (notes section 3, W-EAM).
//  lambda          register an object v (one value per column): w[v_j, j] += 1 (saturating at 1023).
//  eta             recognise a cue v: mismatches = #columns whose cue cell is empty in the
//                  iota-thresholded relation, undefined cue features counted as mismatches;
//                  recognised iff mismatches <= xi (and, weighted cells, cue weight >= kappa * mean).
//  beta            retrieve: per column, sample a row near v_j among the marked cells. Binary
//                  cells (2021): triangular on the contiguous run of marked cells around v_j;
//                  weighted cells (2024): P(i) ~ w_ij exp(-(i - v_j)^2 / (2 (sigma m)^2)).
//  entropy         binary: mean_j log2(#marked cells of column j); weighted: mean_j of the
//                  Shannon entropy of column j's counts (rows 0..m-1; empty columns give 0).
//
// The classifying system is the 2021 one: one register per class, filled with that class's
// objects; a cue goes to the recognising register of least entropy (ties: lowest class), and
// the answer is the object that register retrieves. Features: PCA of the stored images
// (replacing the papers' CNN autoencoder), quantised per feature between the stored objects'
// min and max (2024 code); a feature outside that range is undefined.
#include <cstdint>
#include <vector>

#include "mnemo/models/discrete_memory.hpp"

namespace mnemo::models {

enum class EamCells { binary, weighted };

struct EamOptions {
  int rows = 16;                 // m
  EamCells cells = EamCells::binary;
  int tolerance = 0;             // xi: mismatches allowed by eta
  double iota = 0.0;             // cell threshold factor (weighted)
  double kappa = 0.0;            // cue-weight threshold factor (weighted)
  double sigma = 0.025;          // retrieval spread as a fraction of m (weighted)
};

// One associative memory register (AMR).
class AssociativeRegister {
 public:
  AssociativeRegister(int columns, const EamOptions& options);
  int rows() const { return m_; }
  int columns() const { return n_; }
  bool undefined(double v) const { return !(v >= 0.0 && v <= m_ - 1); }
  void register_object(const Vector& v);  // lambda; undefined features count in row m
  int mismatches(const Vector& cue) const;  // eta's count (undefined features included)
  bool recognise(const Vector& cue) const;  // eta
  Vector retrieve(const Vector& cue, Rng& rng) const;  // beta (assumes recognised)
  double entropy() const;                   // mean over columns, bits
  // Defined features of the cue that fall on empty cells (the recall objective).
  int defined_mismatches(const Vector& cue) const;
  const Eigen::MatrixXi& counts() const { return w_; }

 private:
  bool marked(int row, int column) const;   // the iota-relation (binary cells: count > 0)
  int m_, n_;
  EamOptions o_;
  Eigen::MatrixXi w_;  // (m+1) x n
  Eigen::VectorXd column_threshold_;  // iota * S_j / c_j
};

// Principal components of the rows of X: the mean and the top `count` directions (columns).
struct Pca {
  Vector mean;
  Matrix components;  // pixels x count
  Matrix project(const Matrix& X) const;
};
Pca fit_pca(const Matrix& X, Eigen::Index count);

// Per-feature quantisation between lo and hi into 0..m-1 (round); outside -> m (undefined).
struct Quantiser {
  Vector lo, hi;
  int m = 1;
  Vector operator()(const Vector& f) const;
};

class EntropicMemory final : public DiscreteMemory {
 public:
  // `images` (rows, pixels in [0, 1]) with `labels`; `stored` of them (seeded choice) fill the
  // registers, the others are held out for cues corrupted by `corruption` at `level` (in pixel
  // space, clipped to [0, 1]); every image is then normalised by `normalize` before its features.
  EntropicMemory(const Matrix& images, const Eigen::VectorXi& labels, Eigen::Index stored, Eigen::Index features,
                 const EamOptions& options, Normalize normalize, Corruption corruption, double level,
                 std::uint64_t seed);
  const Matrix& memories() const override { return memories_; }
  std::string structure() const override;
  std::string iteration() const override;
  std::string objective_name() const override;
  bool objective_never_rises() const override { return true; }
  std::vector<DiscreteAttribute> attributes() const override;
  Cues make_cues(Eigen::Index count, Rng& rng) const override;
  std::unique_ptr<DiscreteRecall> recall(const Vector& cue, Rng rng) const override;
  std::vector<DiscreteMetric> recall_metrics(const Matrix& cues, const Matrix& finals,
                                             const Eigen::VectorXi& targets) const override;
  std::map<std::string, Matrix> matrices() const override;

  // The class a cue is assigned to (least-entropy recognising register), -1 if none recognises.
  int classify(const Vector& cue) const;
  const std::vector<AssociativeRegister>& registers() const { return registers_; }
  const Eigen::VectorXi& memory_labels() const { return memory_labels_; }
  double mean_entropy() const;
  Eigen::Index held_out() const { return static_cast<Eigen::Index>(held_out_.size()); }
  // The quantised features of image rows (pixels in [0, 1], normalised here; for tests).
  Matrix encode(const Matrix& images) const;

 private:
  EamOptions o_;
  Pca pca_;
  Quantiser quantiser_;
  Matrix memories_;               // K x n quantised stored objects
  Eigen::VectorXi memory_labels_;
  std::vector<AssociativeRegister> registers_;  // one per class 0..C-1
  Matrix images_;                 // held-out images (for cues)
  Eigen::VectorXi image_labels_;
  std::vector<Eigen::Index> held_out_;
  Normalize normalize_;
  Corruption corruption_;
  double level_;
};

DiscreteKind entropic_kind();

}  // namespace mnemo::models

#pragma once
// Noise-enhanced clustered constraint memory: Karbasi, Salavati, Shokrollahi & Varshney,
// "Noise-Enhanced Associative Memories", NIPS 2013 (notes: shared/papers/karbasi-2013-noise-enhanced.md;
// parameters as in the authors' MATLAB code, saloot/NeuralAssociativeMemory, folder
// "Noise-enhanced associative memories (NIPS 2013)").
//
//  patterns   x = z G, z in {0,1}^k a message (message_active random positions set to random
//             bits), G in {0,1}^{k x n} a socket-model bipartite matrix of column degree
//             generator_degree (collisions merged): entries of x in {0..6}, x in a k-dim subspace.
//  clusters   each pattern neuron joins cluster_degree of L clusters; cluster l holds constraint
//             neurons W^(l) (m_l x n_l) with W^(l) x^(l) ~ 0 for every pattern, learned one
//             vector at a time by the iterative minor-component rule with a sparsity penalty
//             (notes section 4, `faulty_neural_learn.m`).
//  recall     Algorithm 1 inside a cluster (noisy bit flipping, internal noise upsilon on pattern
//             neurons and nu on constraint neurons, thresholds phi and psi = nu + psi0); Algorithm 2
//             over clusters: a cluster keeps its new state only if its constraints are then
//             satisfied (noiseless |W x| < psi0), else it reverts. The test is constraint
//             satisfaction, never the true pattern (notes section 7, pitfall 1).
#include <cstdint>
#include <vector>

#include "mnemo/models/discrete_memory.hpp"

namespace mnemo::models {

struct KarbasiOptions {
  // pattern model
  Eigen::Index n = 400;                // pattern neurons ([memories] dim)
  Eigen::Index subspace_dim = 20;      // k: rows of G
  Eigen::Index message_active = 17;    // message positions set to random bits per pattern
  Eigen::Index generator_degree = 6;   // column degree of G (sockets per pattern neuron)
  // architecture
  Eigen::Index clusters = 50;          // L
  Eigen::Index cluster_degree = 5;     // clusters each pattern neuron joins
  Eigen::Index constraints = 20;       // constraint neurons to learn per cluster (target)
  Eigen::Index support = 24;           // pattern neurons per constraint neuron (capped at n_l)
  // learning (notes section 4; code defaults alpha0 = 0.95, beta0 = 0.75, theta0 = 0.05)
  Eigen::Index training_patterns = 400;
  Eigen::Index verify_patterns = 1000;
  Eigen::Index learn_epochs = 300;
  double alpha = 0.95;
  double beta = 0.75;
  double theta = 0.05;
  double learn_tolerance = 0.005;      // keep a vector only if max |w . x| below this on fresh patterns
  // recall (notes sections 6, 7)
  double phi = 0.95;                   // pattern-neuron threshold
  double upsilon = 0.0;                // pattern-neuron internal noise, U[-upsilon, upsilon]
  double nu = 0.0;                     // constraint-neuron internal noise, U[-nu, nu]
  double psi_margin = 1e-3;            // psi0 = max(psi_margin, 2 max learned residual); psi = nu + psi0
  Eigen::Index cluster_iterations = 80;  // Algorithm 1 iterations at most
};

// G: k x n, entries 0/1, socket model with `degree` sockets per column (notes section 2).
Matrix karbasi_generator(Eigen::Index k, Eigen::Index n, Eigen::Index degree, Rng& rng);
// `count` patterns x = z G, one per row.
Matrix karbasi_patterns(const Matrix& generator, Eigen::Index count, Eigen::Index message_active, Rng& rng);

struct ConstraintCluster {
  std::vector<Eigen::Index> neurons;  // pattern neurons of the cluster, ascending
  Matrix weights;                     // m_l x n_l learned constraint vectors, one per row
  Matrix signs;                       // sgn(weights)
  Eigen::VectorXd degree;             // d_j: nonzero weights in column j
};

struct LearnedConstraint {
  Vector w;               // on the support (zero entries allowed)
  double residual = 0.0;  // max |w . x| over the verification patterns
  bool accepted = false;
};
// The iterative rule of notes section 4 on `training` (T x s sub-patterns on the support),
// verified on `verify`; `fraction` = s / n_l sets the penalty threshold theta1.
LearnedConstraint learn_constraint(const Matrix& training, const Matrix& verify, double fraction,
                                   const KarbasiOptions& options, Rng& rng);

// Algorithm 1 on one cluster's sub-pattern x (in place); returns the iterations used.
int karbasi_cluster_recall(const ConstraintCluster& cluster, Vector& x, double phi, double psi, double upsilon,
                           double nu, Eigen::Index max_iterations, Rng& rng);
// Constraint neurons of the cluster violated by x without noise: |W x|_i >= psi0.
Eigen::Index violated_constraints(const ConstraintCluster& cluster, const Vector& x, double psi0);

class KarbasiMemory final : public DiscreteMemory {
 public:
  // Patterns, clusters and learned constraints; memories: `count` patterns for the queries;
  // `level`: fraction of entries a cue has changed by +-1.
  KarbasiMemory(const KarbasiOptions& options, Eigen::Index count, double level, std::uint64_t seed);

  const Matrix& memories() const override { return memories_; }
  std::string structure() const override;
  std::string iteration() const override;
  std::string objective_name() const override;
  bool objective_never_rises() const override { return false; }
  std::vector<DiscreteAttribute> attributes() const override;
  // External errors: round(level n) distinct entries changed by +-1 (random sign).
  Cues make_cues(Eigen::Index count, Rng& rng) const override;
  std::unique_ptr<DiscreteRecall> recall(const Vector& cue, Rng rng) const override;

  const KarbasiOptions& options() const { return options_; }
  const Matrix& generator() const { return generator_; }
  const std::vector<ConstraintCluster>& clusters() const { return clusters_; }
  double psi0() const { return psi0_; }
  double max_residual() const { return max_residual_; }
  Eigen::Index violated(const Vector& x) const;  // over every cluster
  // The same learned network with other internal-noise levels (sweeps without relearning).
  KarbasiMemory with_noise(double upsilon, double nu) const {
    KarbasiMemory m(*this);
    m.options_.upsilon = upsilon;
    m.options_.nu = nu;
    return m;
  }
  // One round of Algorithm 2 (every cluster in turn, rollback unless satisfied).
  void round(Vector& x, Rng& rng) const;

 private:
  KarbasiOptions options_;
  Matrix generator_;
  Matrix memories_;
  std::vector<ConstraintCluster> clusters_;
  double psi0_ = 0.0;
  double max_residual_ = 0.0;
  Eigen::Index rejected_ = 0;
  double level_ = 0.0;
};

DiscreteKind karbasi_kind();

}  // namespace mnemo::models

#pragma once
// Kernelized Hopfield model (KHM) with a U-Hop+ learned feature map (Wu, Hu, Hsiao & Liu 2024,
// "Uniform memory retrieval with larger capacity for modern Hopfield models", ICML 2024;
// Hu, Wu & Liu 2024, "Provably optimal memory capacity for modern Hopfield models", NeurIPS 2024).
// Notes: /work/shared/papers/hu-2024-khm-uhop.md; docs/models/kernelized_hopfield.md.
//
// Feature map Phi(x) = W x (W: D x N, D = feature_dim >= N keeps G = W^T W invertible), kernel
// K(u, v) = u^T G v. Energy (notes section 2, softmax case):
//
//   E_K(x) = 1/2 x^T G x - beta^-1 log sum_mu exp(beta xi_mu^T G x)
//
// which is the modern Hopfield energy of the feature-space state z = W x with stored features
// W xi_mu. In a Network: an identity visible layer (1/2 |x|^2), a softmax memory layer reading x
// through the synapse Xi G (integrated out: -beta^-1 lse), and a quadratic coupling
// 1/2 x^T (G - I) x. The flow is the Euclidean gradient flow tau dx/dt = -grad E_K =
// G (Xi^T p - x), p = softmax(beta Xi G x): the same fixed points as the paper's retrieval map
// T_K(x) = Xi^T p and the same energy; the paper's flow tau dx/dt = T_K(x) - x is the gradient
// flow of the same energy in feature space (dz/dt = -grad_z E).
//
// U-Hop+ stage 1 (separation training, notes section 3): with unit features
// phihat_i = W xi_i / |W xi_i|, minimise the average-separation loss
//
//   L_t(W) = log( mean_{i<j} exp(<phihat_i, phihat_j> / t) ),   temperature t (0.1 in the code)
//
// with Adam. Decisions (documented in the docs page): the gradient flows through both members of
// a pair (no stop-gradient), the code's zero-padding offset inside the log is not replicated, no
// bias (Phi linear, so E_K stays a quadratic-plus-lse energy). After training W is rescaled so
// that mean |W xi|^2 = mean |xi|^2, which leaves L_t unchanged and keeps beta comparable with the
// plain modern Hopfield model (W = I).
#include <cstdint>

#include "mnemo/models/catalogue.hpp"

namespace mnemo::models {

struct SeparationTraining {
  Eigen::Index feature_dim = 0;  // D; 0 means N
  int steps = 200;               // full-batch Adam steps
  double learning_rate = 0.01;   // Adam step size
  double temperature = 0.1;      // t of the separation loss
  std::uint64_t seed = 1;        // W0 ~ N(0, 1/N) entries drawn from Rng(seed, stream::model)
};

// L_t(W) and dL_t/dW (D x N) for memories Xi (K x N, K >= 2).
double separation_loss(const Matrix& W, const Matrix& memories, double temperature, Matrix* gradient = nullptr);
// The seeded initial map W0 (D x N, N(0, 1/N) entries).
Matrix initial_feature_map(Eigen::Index D, Eigen::Index N, std::uint64_t seed);
// Stage 1: W0 trained by Adam on L_t, then rescaled (see above). `loss_history` (optional)
// receives L_t after every step (steps + 1 values, the first at W0).
Matrix train_feature_map(const Matrix& memories, const SeparationTraining& o, std::vector<double>* loss_history = nullptr);
// Rescale W so that mean_mu |W xi_mu|^2 = mean_mu |xi_mu|^2.
Matrix match_feature_scale(const Matrix& W, const Matrix& memories);

// Minimal pairwise separation of the unit features, 1 - max_{i != j} cos(W xi_i, W xi_j) (the
// spherical-code Delta_min^Phi of the notes, section 5); W = identity gives the raw patterns'.
double min_feature_separation(const Matrix& W, const Matrix& memories);
// Kernel separation Delta_min = min_mu [K(xi_mu, xi_mu) - max_{nu != mu} K(xi_mu, xi_nu)].
double min_kernel_separation(const Matrix& W, const Matrix& memories);

// The retrieval map T_K(x) = Xi^T softmax(beta Xi G x) (the paper's update rule), `steps` times.
Vector kernelized_update(const Matrix& memories, const Matrix& W, double beta, VectorCRef x, int steps = 1);
// E_K(x) written out (stable log-sum-exp), for checks.
double kernelized_energy(const Matrix& memories, const Matrix& W, double beta, VectorCRef x);

// The Network whose energy is E_K: identity "feature" layer (tau), softmax "memory" layer
// (integrated out) with synapse Xi G, quadratic coupling 1/2 x^T (G - I) x.
Network kernelized_hopfield(const Matrix& memories, const Matrix& W, double beta, double tau = 1.0);

// Model::extra["feature_map"] = W (written as /model/feature_map).
KindInfo kernelized_hopfield_kind();

}  // namespace mnemo::models

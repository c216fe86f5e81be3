#pragma once
// Predictive-coding associative memory (Salvatori, Song, Hong, Sha, Frieder, Xu, Bogacz &
// Lukasiewicz 2021, "Associative memories via predictive coding", NeurIPS 34; arXiv 2109.08063).
// Notes: /work/shared/papers/salvatori-2021-predictive-coding.md; docs/models/predictive_coding.md.
//
// A hierarchical generative network: value nodes x_0 (sensory, N pixels), x_1 ... x_L (hidden,
// x_L the top), weights W_l (n_l x n_{l+1}) predicting each layer from the one above with the
// activation applied to the upper layer first (pre-synaptic convention, notes section 1, P6):
//
//   mu_l = W_l f(x_{l+1}),   eps_l = x_l - mu_l,   F = sum_{l=0}^{L-1} 1/2 |eps_l|^2
//
// (no top prior: notes P2; the top layer starts at a fixed seeded vector b ~ N(0, 1), P1).
// Inference is the gradient flow dx_l/dt = -dF/dx_l = -eps_l + f'(x_l) (W_{l-1}^T eps_{l-1})
// (notes section 2). Learning (Algorithm 1 of the notes): per epoch, every stored image clamped
// on x_0, upper layers initialised top-down from b, T Euler steps of inference with step gamma,
// then one weight step on dF/dW_l = -eps_l f(x_{l+1})^T summed over the images (Adam here; the
// paper's plain SGD is slower; the best-energy checkpoint is kept, notes P9).
//
// Recall is the same flow as an ODE integrated by mnemo like every other kind. Clamping: with
// clamp = "nonzero" the sensory pixels where the cue is non-zero are known and held at the cue,
// the zero ones (queries.corruption = "mask" sets the masked pixels to 0) are free value nodes;
// with clamp = "none" every sensory node is free and starts at the cue (the continuous-time
// counterpart of the paper's iterated retrieval map for noisy cues, which alternates inference of
// the hidden nodes with x_0 <- mu_0: block coordinate descent on the same F).
//
// As a Network (identity Lagrangians everywhere, so the Legendre terms are 1/2 |x|^2 per layer):
//   layer 0      "sensory" x_0 (N), tau 1, the feature layer (compared state),
//   layers 1..L  "hidden_1" ... "hidden_L" (x_L the top), tau 1,
//   layer L+1    "cue" c (N), tau 1e12: the cue held fixed (moves by < 1e-9 over t_end <= 1e3),
// and one Coupling with energy F_c - 1/2 sum_layers |x|^2, where F_c is F with the known pixels'
// error taken from the cue, plus a term pinning the known sensory nodes to it:
//   F_c = 1/2 |s - W_0 f(x_1)|^2 + sum_{l>=1} 1/2 |eps_l|^2 + 1/2 sum_i m_i (x_0i - c_i)^2,
//   s_i = c_i where m_i = 1 (known), x_0i where m_i = 0 (free),   m_i = [clamp = nonzero and c_i != 0].
// The network's energy is then exactly F_c, its flow dx/dt = -dF_c/dx (a gradient flow with unit
// Hessians, so dE/dt = -|dx/dt|^2 <= 0), and a known sensory node started at its cue value stays
// there exactly (its rate is c_i - x_0i).
#include <cstdint>
#include <vector>

#include "mnemo/models/catalogue.hpp"

namespace mnemo::models {

// The paper's image networks use ReLU (notes section 3, third-party). ReLU makes the flow's
// right-hand side discontinuous (f' jumps at 0); trajectories then slide along x = 0 and adaptive
// integrators stall there (a conformance trajectory hit 1e7 steps). softplus, the smooth ReLU,
// is offered instead; it also has no dead units (notes P1).
enum class PcActivation { tanh, softplus };
enum class PcClamp { nonzero, none };

struct PredictiveCodingWeights {
  std::vector<Matrix> W;  // W[l]: n_l x n_{l+1}, l = 0 .. L-1 (n_0 = N)
  Vector top_init;        // b, the top layer's start (n_L)
  PcActivation activation = PcActivation::tanh;
  Eigen::Index layers() const { return static_cast<Eigen::Index>(W.size()); }  // L
};

struct PcTraining {
  std::vector<Eigen::Index> sizes;  // n_1 .. n_L (hidden widths, top last)
  PcActivation activation = PcActivation::tanh;
  int epochs = 1000;                // full-batch weight updates
  int inference_steps = 20;         // T Euler steps of inference per epoch
  double gamma = 0.1;               // inference step
  double learning_rate = 1e-3;      // Adam step on the weights
  std::uint64_t seed = 1;           // W ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), b ~ N(0, 1) from Rng(seed, stream::model)
};

// Seeded initial weights and top start (PyTorch-style uniform initialisation, notes section 3).
PredictiveCodingWeights initial_pc_weights(Eigen::Index N, const PcTraining& o);

// The value nodes of a batch (columns = images) initialised top-down: x_L = b, x_l = W_l f(x_{l+1}),
// x_0 = data. xs[l] is n_l x B.
std::vector<Matrix> pc_initial_values(const PredictiveCodingWeights& w, const Matrix& data_columns);
// F summed over the batch (columns), every sensory node clamped to xs[0].
double pc_energy(const PredictiveCodingWeights& w, const std::vector<Matrix>& xs);
// `steps` Euler steps x_l += gamma (-dF/dx_l) on the hidden layers (x_0 clamped).
void pc_infer(const PredictiveCodingWeights& w, std::vector<Matrix>& xs, int steps, double gamma);
// dF/dW_l (summed over the batch) at the values xs.
std::vector<Matrix> pc_weight_gradient(const PredictiveCodingWeights& w, const std::vector<Matrix>& xs);

// Algorithm 1 of the notes on the memories (K x N, rows). `energy_history` (optional) receives the
// mean energy per image after inference at every epoch (epochs values); the weights returned are
// those with the lowest such energy (the initial ones when epochs = 0).
PredictiveCodingWeights train_predictive_coding(const Matrix& memories, const PcTraining& o,
                                                std::vector<double>* energy_history = nullptr);

// The Network described above.
Network predictive_coding_network(const PredictiveCodingWeights& w, PcClamp clamp);
// x_0 = c = cue, x_L = b, hidden layers top-down (Model::start).
std::function<Vector(VectorCRef)> predictive_coding_start(const Network& net, const PredictiveCodingWeights& w);

// Model::extra: "weights_1" ... "weights_L" (W_0 ... W_{L-1}), "top_init" (1 x n_L),
// "training_energy" (1 x epochs, mean F per image after inference).
KindInfo predictive_coding_kind();

}  // namespace mnemo::models

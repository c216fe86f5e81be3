#pragma once
// Hierarchical associative memory (Krotov 2021, "Hierarchical associative memory",
// arXiv:2107.06446, Sec. 2): layers A = 0..L-1 with states x_A, Lagrangians L_A and activations
// g_A = dL_A/dx_A, joined only between consecutive layers by one weight matrix W_A (size
// N_{A+1} x N_A) used feedforward (W_A g_A into layer A+1) and feedback (W_A^T g_{A+1} into layer A):
//
//   tau_A dx_A/dt = W_{A-1} g_{A-1} + W_A^T g_{A+1} - x_A
//   E = sum_A [x_A^T g_A - L_A(x_A)] - sum_A g_{A+1}^T W_A g_A
//   dE/dt = -sum_A tau_A x_A'^T (d2 L_A) x_A' <= 0    (every integrated L_A with PSD Hessian)
//
// The symmetric feedback (the transpose of the feedforward weights) is what gives the energy.
// In mnemo the stored patterns enter as the first weight matrix (W_0 = memories, layer 1 has one
// neuron per memory, so the first two layers are KH2021's two-layer memory); deeper weights are
// random, W_A ~ N(0, scale^2 / N_A) from Rng(seed, stream::model). With first_synapse = "random"
// W_0 is random too and the memories only fix N_0 and are stored for recall scoring.
#include "mnemo/models/catalogue.hpp"

namespace mnemo::models {

struct HierarchicalLayer {
  Eigen::Index size = 0;
  Lagrangian lagrangian = Identity{};
  double tau = 1.0;  // 0: instantaneous (integrated out); never two adjacent
};

// Layer 0 is the feature layer; weights[A] joins layer A to A+1 (N_{A+1} x N_A).
// Throws std::invalid_argument if sizes do not chain.
Network hierarchical_network(const std::vector<HierarchicalLayer>& layers, const std::vector<Matrix>& weights);

KindInfo hierarchical_kind();

}  // namespace mnemo::models

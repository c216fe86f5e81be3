#pragma once
// Classical continuous Hopfield network (Hopfield 1984), as a one-layer Lagrangian network:
// L = gain^-1 sum log cosh(gain u), g = tanh(gain u), a symmetric self-synapse W with zero
// diagonal; du/dt = -u + W g(u) and E = -1/2 g^T W g + sum_i int_0^{g_i} g^-1(s) ds
// (contract section 3). Hebbian W = (1/N) sum_mu xi_mu xi_mu^T (Hopfield 1982).
#include "mnemo/models/catalogue.hpp"

namespace mnemo::models {

Matrix hebbian_weights(const Matrix& memories);  // (1/N) X^T X with zero diagonal
Network classical_hopfield(const Matrix& memories, double gain, double tau = 1.0);
KindInfo classical_hopfield_kind();

}  // namespace mnemo::models

#pragma once
// Classical continuous Hopfield network (Hopfield 1984), as a one-layer Lagrangian network:
// L = gain^-1 sum log cosh(gain u), g = tanh(gain u), a symmetric self-synapse W (zero diagonal
// unless asked otherwise) and an optional constant external input b:
//   du/dt = -u + W g(u) + b,   E = -1/2 g^T W g - b^T g + sum_i int_0^{g_i} g^-1(s) ds
// (contract section 3; Hopfield 1984 eqs. 5 and 7, with I_i the input currents).
// Learning rules for W from the memories X (K x N, rows xi_mu), all symmetric:
//   hebbian         W = (1/N) sum_mu xi_mu xi_mu^T                      (Hopfield 1982)
//   pseudo_inverse  W = X^T (X X^T)^+ X, the projector onto span{xi_mu} (Personnaz, Guyon &
//                   Dreyfus 1985; Kanter & Sompolinsky 1987): every stored pattern is an
//                   eigenvector with eigenvalue 1, so storage holds up to alpha < 1
//   storkey         W^mu = W^{mu-1} + (1/N) [xi xi^T - xi h^T - h xi^T] with the local fields
//                   h_ij = sum_{k != i,j} W^{mu-1}_ik xi_k                (Storkey 1997)
#include <string>

#include "mnemo/models/catalogue.hpp"

namespace mnemo::models {

enum class LearningRule { hebbian, pseudo_inverse, storkey };

// Weights with the diagonal as each rule makes it; the builder zeroes it unless self_coupling.
Matrix hebbian_weights(const Matrix& memories);  // (1/N) X^T X with zero diagonal
Matrix pseudo_inverse_weights(const Matrix& memories);  // projector onto the span of the rows
Matrix storkey_weights(const Matrix& memories);
Matrix learning_rule_weights(const Matrix& memories, LearningRule rule, bool self_coupling);

struct ClassicalOptions {
  double gain = 10.0;
  double tau = 1.0;
  LearningRule rule = LearningRule::hebbian;
  bool self_coupling = false;  // keep the diagonal W_ii the rule produces
  Vector input;                // constant external input b (empty: none)
};

Network classical_hopfield(const Matrix& memories, double gain, double tau = 1.0);
Network classical_hopfield(const Matrix& memories, const ClassicalOptions& options);
KindInfo classical_hopfield_kind();

}  // namespace mnemo::models

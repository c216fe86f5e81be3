#pragma once
// Dense associative memory (Krotov & Hopfield 2016, "Dense associative memory for pattern
// recognition", NIPS 2016, eq. 2: E = -sum_mu F(xi_mu . sigma)) in continuous time, written as
// the two-layer network of Krotov & Hopfield 2021 (ICLR 2021, Sec. 2 and model A, eq. 8) with a
// separable hidden Lagrangian and the hidden layer integrated out (KH2021 Sec. 3, tau_h -> 0):
//
//   visible layer: N neurons, L_v = gain^-1 sum log cosh(gain x), g = tanh(gain x)
//   hidden layer : K memory neurons, one per stored pattern, h_mu = m_mu = xi_mu . g / N
//   E(x) = sum_i [x_i g_i - L_v(x)] - N sum_mu F(m_mu)                  (docs/models/dense.md)
//   tau dx/dt = sum_mu xi_mu F'(m_mu) - x
//
// The overlap is divided by N (McAlister et al. 2024's normalised argument) so that F'(m) is
// O(1) for every N and n; for the homogeneous F of KH2016 this only rescales the energy
// (N sum F(xi.g/N) = N^(1-n) sum F(xi.g)). Interactions:
//   poly            F(m) = m^n                     (KH2016 eq. 3 with even or odd n)
//   rectified_poly  F(m) = max(m, 0)^n              (KH2016 eq. 3, the rectified form)
//   exp             F(m) = beta^-1 exp(beta (m-1))  (Demircigil et al. 2017, F(x) = e^x:
//                   with beta = N, N F(m) = exp(xi.g - N), the same energy times e^-N)
// The engine's hidden Lagrangians carry other constants (L = (1/n) sum h^n, L = beta^-1 sum
// e^{beta h}); the builder absorbs them exactly in the synapse scale (homogeneous F) or in a
// constant hidden bias (exp), so the reduced energy is the one above.
#include "mnemo/models/catalogue.hpp"

namespace mnemo::models {

enum class DenseInteraction { poly, rectified_poly, exp };

struct DenseOptions {
  DenseInteraction interaction = DenseInteraction::rectified_poly;
  double n = 3.0;        // power of poly / rectified_poly (integer >= 2)
  double beta = 10.0;    // sharpness of exp
  double gain = 10.0;    // slope of the visible tanh
  double tau = 1.0;      // visible time constant
  double tau_hidden = 0.0;  // 0: hidden layer integrated out (reduced form)
};

// The separable interaction F and its derivative F' on the normalised overlap m.
double dense_interaction(DenseInteraction f, double n, double beta, double m);
double dense_interaction_derivative(DenseInteraction f, double n, double beta, double m);

Network dense_associative_memory(const Matrix& memories, const DenseOptions& options);
KindInfo dense_kind();

}  // namespace mnemo::models

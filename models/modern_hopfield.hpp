#pragma once
// Modern Hopfield network (Ramsauer et al. 2020) as KH2021 model B: a visible layer with the
// identity Lagrangian and a hidden layer of K memory neurons with L_h = beta^-1 lse(beta h),
// joined by the memories X (K x N):
//   tau_v dv/dt = X^T softmax(beta h) - v,   tau_h dh/dt = X v - h.
// With the hidden layer integrated out (tau_h = 0, h = X v; KH2021 eq. 16):
//   dv/dt = X^T softmax(beta X v) - v,   E(v) = 1/2 v^T v - beta^-1 log sum_mu exp(beta xi_mu . v).
#include "mnemo/models/catalogue.hpp"

namespace mnemo::models {

// tau_hidden = 0 gives the reduced one-layer dynamics; > 0 integrates the hidden layer too.
Network modern_hopfield(const Matrix& memories, double beta, double tau = 1.0, double tau_hidden = 0.0);

// The reduced form written out by hand (contract section 3), independent of Network: used to
// check the general construction and as the fast path for single queries.
struct ModernHopfieldFlow {
  Matrix memories;  // K x N
  double beta = 1.0;
  Vector scores;    // scratch, K
  void operator()(const Vector& v, Vector& dvdt, double /*t*/);
  double energy(const Vector& v) const;
};

KindInfo modern_hopfield_kind();

}  // namespace mnemo::models

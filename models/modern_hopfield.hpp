#pragma once
// Modern Hopfield network (Ramsauer et al. 2020) as KH2021 model B: a visible layer with the
// identity Lagrangian and a hidden layer of K memory neurons with L_h = beta^-1 lse(beta h),
// joined by the memories X (K x N):
//   tau_v dv/dt = X^T softmax(beta h) - v,   tau_h dh/dt = X v - h.
// With the hidden layer integrated out (tau_h = 0, h = X v; KH2021 eq. 16):
//   dv/dt = X^T softmax(beta X v) - v,   E(v) = 1/2 v^T v - beta^-1 log sum_mu exp(beta xi_mu . v).
// Separation functions (the memory layer's Lagrangian): softmax (above) or rectified_norm,
// L_h = ||max(h, 0)||_n, a normalised polynomial separation (Millidge et al. 2022):
//   dv/dt = X^T (r / ||r||_n)^(n-1) - v,  r = max(X v, 0),  E(v) = 1/2 v^T v - ||r||_n.
// Besides the ODE, Ramsauer et al. 2020's update is a map: v_new = X^T softmax(beta X v) (eq. 3),
// a CCCP step on E that retrieves well-separated patterns in one step (Theorems 4-5).
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

// Memory-layer Lagrangian: softmax(beta) or rectified_norm(n).
enum class Separation { softmax, rectified_norm };
Network modern_hopfield(const Matrix& memories, Separation separation, double beta, double n, double tau,
                        double tau_hidden);

// Ramsauer et al. 2020 eq. 3, one step of the update rule: X^T softmax(beta X v).
Vector one_step_update(const Matrix& memories, double beta, const Vector& v);

// Separation of pattern i from the others (Ramsauer et al. 2020, Sec. 2 and Theorem 4):
// Delta_i = xi_i . xi_i - max_{j != i} xi_i . xi_j.
double separation(const Matrix& memories, Eigen::Index i);

// The principal branch W_0 of the Lambert W function (w e^w = x) for x >= -1/e.
double lambert_w0(double x);

// Ramsauer et al. 2020, Theorem 3 (storage capacity of random patterns on the sphere of radius
// M = K sqrt(d - 1), failure probability p): with a = 2/(d-1) (1 + ln(2 beta K^2 p (d-1))) and
// b = 2 K^2 beta / 5, c = b / W_0(exp(a + ln b)); then sqrt(p) c^((d-1)/4) patterns are stored
// with probability 1 - p. K here is the paper's radius scale, not a number of memories.
struct StorageConstant {
  double a = 0.0, b = 0.0, c = 0.0;
  double patterns = 0.0;  // sqrt(p) c^((d-1)/4)
};
StorageConstant storage_capacity_constant(double beta, double K, double d, double p);

KindInfo modern_hopfield_kind();

}  // namespace mnemo::models

#pragma once
// Dense associative memory through random features (Hoover, Chau, Strobelt, Ram & Krotov 2024,
// "Dense associative memory through the lens of random features", NeurIPS 2024; DrDAM), notes in
// docs/models/random_features.md. The exact DAM ("MrDAM") with squared-Euclidean similarity,
//
//   E(v) = -beta^-1 log sum_mu exp(-beta/2 |v - xi_mu|^2)                   (tutorial eq. 1)
//
// is approximated with Y random features phi (E<phi(x), phi(y)> = exp(-beta/2 |x - y|^2)):
//
//   E~(v) = -beta^-1 log <phi(v), T>,   T = sum_mu phi(xi_mu)                (tutorial eq. 2)
//
// so the weights are T (2Y numbers for SinCos, Y for positive features) plus the projections
// Omega (Y x N, drawn from the seed): a new memory is T += phi(xi), the patterns are not kept.
//
// Feature maps (authors' code, kernel_sims.py), Omega rows omega_i ~ N(0, I_N):
//   sincos    phi(x) = Y^-1/2 [cos(sqrt(beta) Omega x), sin(sqrt(beta) Omega x)]   (Rahimi-Recht)
//   positive  phi(x) = Y^-1/2 exp(sqrt(beta) Omega x - beta |x|^2)            (Performer PRF)
//
// In a Network the memory is a Coupling on an identity visible layer. That layer already
// contributes its Legendre term 1/2 |v|^2, so the coupling's energy is E_c(v) = E~(v) - 1/2 |v|^2
// and the network energy is exactly E~; the flow is tau dv/dt = -grad E~(v).
//
// SinCos inner products <phi(v), T> are estimates of a positive sum and can be <= 0 far from
// every memory. There E~ is clipped as in the authors' code: <phi, T> is replaced by `clip`
// (flat energy, zero gradient, the flow stops) and every clipped evaluation is counted
// (clipped_evaluations()). Positive features never clip.
#include <atomic>
#include <cstdint>
#include <memory>

#include "mnemo/models/catalogue.hpp"

namespace mnemo::models {

enum class FeatureMap { sincos, positive };

class RandomFeatureMemory final : public Coupling {
 public:
  // An empty memory (T = 0) over dimension `dim` with Y random projections drawn from
  // Rng(seed, stream::model); `layer` is the visible layer it reads.
  RandomFeatureMemory(FeatureMap map, Eigen::Index dim, Eigen::Index Y, double beta, std::uint64_t seed,
                      double clip = 1e-5, int layer = 0);

  void add_memory(VectorCRef xi);          // T += phi(xi)
  void add_memories(const Matrix& memories);  // every row

  Eigen::Index dim() const { return omega_.cols(); }
  Eigen::Index num_projections() const { return omega_.rows(); }  // Y
  double beta() const { return beta_; }
  FeatureMap map() const { return map_; }
  const Vector& memory_vector() const { return T_; }  // T, 2Y (sincos) or Y (positive)
  const Matrix& projections() const { return omega_; }
  // Numbers the model holds: T and Omega. Independent of the number of memories.
  Eigen::Index parameter_count() const { return T_.size() + omega_.size(); }

  Vector features(VectorCRef x) const;       // phi(x)
  double inner_product(VectorCRef v) const;  // <phi(v), T>, unclipped (positive: may under/overflow)
  double approximate_energy(VectorCRef v) const;                  // E~(v)
  void approximate_gradient(VectorCRef v, VectorRef grad) const;  // grad E~(v)
  // (d^2 E~)(v) dv, for Jacobian-vector products.
  void approximate_hessian_vector(VectorCRef v, VectorCRef dv, VectorRef out) const;
  long clipped_evaluations() const { return clipped_.load(std::memory_order_relaxed); }

  // Coupling: E_c = E~(g) - 1/2 |g|^2 on the visible layer (see above).
  std::vector<int> layers() const override { return {layer_}; }
  double energy(const std::vector<Vector>& g) const override;
  void add_input(const std::vector<Vector>& g, std::vector<Vector>& inputs) const override;
  void add_input_derivative(const std::vector<Vector>& g, const std::vector<Vector>& dg,
                            std::vector<Vector>& dinputs) const override;
  std::string describe() const override;

 private:
  struct Eval;  // the shared pieces of energy, gradient and Hessian at one point
  Eval& evaluate(VectorCRef v) const;  // a per-thread scratch, valid until the next call

  FeatureMap map_;
  double beta_, clip_;
  int layer_;
  Matrix omega_;  // Y x N, N(0, 1) entries
  Vector T_;
  mutable std::atomic<long> clipped_{0};
};

// The exact DAM (MrDAM) as a Network of the same family: identity visible layer, a softmax
// memory layer (integrated out) with weights xi and bias -1/2 |xi_mu|^2, since
// -beta/2 |v - xi|^2 = beta (xi.v - 1/2 |xi|^2) - beta/2 |v|^2 and the identity layer adds 1/2 |v|^2:
// the network energy is exactly E(v) and the flow dv/dt = sum_mu p_mu xi_mu - v = -grad E.
Network exact_dam_network(const Matrix& memories, double beta, double tau = 1.0);
// E(v) and grad E(v) written out directly (log-sum-exp, stable), for checks.
double exact_dam_energy(const Matrix& memories, double beta, VectorCRef v);
Vector exact_dam_gradient(const Matrix& memories, double beta, VectorCRef v);

// Identity visible layer + RandomFeatureMemory holding every row of `memories`.
Network random_feature_network(const Matrix& memories, FeatureMap map, Eigen::Index Y, double beta,
                               std::uint64_t seed, double tau = 1.0, double clip = 1e-5);

KindInfo random_features_kind();

}  // namespace mnemo::models

#pragma once
// Linear stability of a fixed point s* of T ds/dt = I(g(s)) + b - s.
//
// From the Jacobian J = T^-1 (M H - I) (analysis/operators.hpp): the index is the number of
// eigenvalues with positive real part; stable when there are none, marginal when the largest
// real part is within a tolerance of 0, a saddle of that index otherwise.
//
// In the range of H (Fanaskov & Oseledets 2024, "Associative memory and dead neurons", claim (ii),
// for the KH2021 compact form T xdot = W grad L(x) - x + b): with R = H^1/2 and S = R M R,
// s* is stable iff lambda_max(S) < 1, and the index is the number of eigenvalues of S above 1.
// Directions in ker H (dead neurons: flat directions of the energy) are eigenvectors of J with
// eigenvalue -1/tau and never unstable; their count is the flat dimension. Why the two indices
// agree (derived for these notes, not quoted): J^T = (H M - I) T^-1 leaves range(H) invariant,
// where it is similar to (S - I) T^-1, which by Sylvester's law of inertia has as many positive
// eigenvalues as S - I (T commutes with H: one tau per layer, H block-diagonal by layer).
// The label comes from the range of H when H is singular there (flat_dimension > 0) and H is PSD,
// from the Jacobian otherwise; both indices are kept.
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "mnemo/analysis/operators.hpp"
#include "mnemo/analysis/spectrum.hpp"

namespace mnemo::analysis {

enum class Stability : int { stable = 0, saddle = 1, marginal = 2, unknown = 3 };
const char* to_string(Stability s);

struct StabilityOptions {
  Eigen::Index dense_limit = 200;  // full dense spectra up to this state size, Spectra above
  Eigen::Index dense_fallback_limit = 2000;  // dense again where Spectra fails (low-rank operators)
  Eigen::Index eigenvalues = 10;   // Jacobian / energy-Hessian eigenvalues kept per point
  double tolerance = 1e-7;         // marginal: |Re lambda| <= tolerance / tau_min, |mu - 1| <= tolerance
  double null_tolerance = 1e-10;   // ker H: eigenvalues of H <= null_tolerance * max(1, |H|)
  Eigen::Index dense_layer_limit = 3000;  // non-separable Lagrangians: dense H per layer up to this
  // Energy-Hessian eigenvalues above dense_limit: off by default. Saturated or dead neurons give a
  // continuum of eigenvalues in [0, 1e-3] that Lanczos resolves only after thousands of products
  // (measured: no convergence in 50 restarts at N = 500, classical Hopfield, gain 10).
  bool large_hessian_spectrum = false;
  SpectrumOptions spectrum;
};

// H^1/2 of the stacked integrated layers at a state: diagonal for separable Lagrangians, from a
// dense eigendecomposition per layer otherwise (softmax, layer norm).
class HessianRoot {
 public:
  HessianRoot(const Linearisation& lin, double null_tolerance, Eigen::Index dense_layer_limit = 3000);
  void apply(VectorCRef v, VectorRef out) const;  // H^1/2 v
  Eigen::Index null_dimension() const { return null_dimension_; }
  bool valid() const { return valid_; }  // false when H is not PSD or a layer was too large
  Vector live_mask() const;  // 1 on separable coordinates with H_ii > 0, 0 on dead ones (NaN: dense layer)

 private:
  struct Block {
    Eigen::Index offset = 0, size = 0;
    bool diagonal = true;
    Vector root;  // diagonal: sqrt(H_ii); dense: sqrt of the eigenvalues
    Matrix basis; // dense: eigenvectors
  };
  std::vector<Block> blocks_;
  Eigen::Index null_dimension_ = 0;
  bool valid_ = true;
};

// S = H^1/2 M H^1/2 (symmetric) for Spectra.
class RangeOp {
 public:
  using Scalar = double;
  RangeOp(std::shared_ptr<const Linearisation> lin, std::shared_ptr<const HessianRoot> root)
      : lin_(std::move(lin)), root_(std::move(root)), a_(lin_->size()), b_(lin_->size()) {}
  Eigen::Index rows() const { return lin_->size(); }
  Eigen::Index cols() const { return lin_->size(); }
  void perform_op(const double* x, double* y) const;

 private:
  std::shared_ptr<const Linearisation> lin_;
  std::shared_ptr<const HessianRoot> root_;
  mutable Vector a_, b_;
};

struct StabilityResult {
  Stability label = Stability::unknown;
  Eigen::Index index = -1;             // unstable directions (from the method that labels)
  Eigen::Index jacobian_index = -1;    // eigenvalues of J with Re > tolerance / tau_min
  Eigen::Index range_index = -1;       // eigenvalues of S above 1 + tolerance (-1: not computed)
  Eigen::Index flat_dimension = -1;    // dim ker H (-1: not computed)
  double range_lambda_max = std::numeric_limits<double>::quiet_NaN();  // lambda_max(S)
  double jacobian_max_real = std::numeric_limits<double>::quiet_NaN();
  Eigen::VectorXcd jacobian_eigenvalues;  // up to `eigenvalues`, largest real part first
  Vector hessian_eigenvalues;             // up to `eigenvalues` smallest of the energy Hessian (empty: skipped)
  bool from_range = false;                // label decided in range(H)
  bool converged = true;                  // every iterative spectrum converged
};

StabilityResult analyse_stability(const models::Network& network, const Vector& state,
                                  const StabilityOptions& options = {});

}  // namespace mnemo::analysis

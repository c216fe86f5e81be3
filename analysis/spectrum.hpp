#pragma once
// Extremal and shift-invert eigenvalues of matrix-free operators through Spectra (Qiu, "Spectra",
// implicitly restarted Lanczos / Arnoldi as in ARPACK): SymEigsSolver for the symmetric energy
// and Lagrangian Hessians, GenEigsSolver for the non-symmetric Jacobian of the ODE, and
// SymEigsShiftSolver with (A - sigma I)^-1 applied by MINRES (dense LU for small n) for interior
// eigenvalues near sigma. Any type with Spectra's op shape works (analysis/operators.hpp).
#include <Spectra/GenEigsSolver.h>
#include <Spectra/SymEigsShiftSolver.h>
#include <Spectra/SymEigsSolver.h>

#include <algorithm>
#include <complex>
#include <limits>
#include <memory>
#include <stdexcept>

#include "mnemo/analysis/minres.hpp"
#include "mnemo/analysis/operators.hpp"

namespace mnemo::analysis {

enum class Which { largest_algebraic, smallest_algebraic, largest_magnitude, smallest_magnitude, largest_real };

struct SpectrumOptions {
  double tolerance = 1e-10;  // Spectra's relative convergence tolerance on the Ritz values
  int max_restarts = 1000;
  int ncv = 0;               // Krylov subspace size; 0: min(n, max(2k + 1, 20))
};

struct SymmetricSpectrum {
  Vector values;      // sorted descending for largest_*, ascending for smallest_*
  Matrix vectors;     // n x k when asked for
  bool converged = false;
  long products = 0;  // operator applications
};

struct GeneralSpectrum {
  Eigen::VectorXcd values;  // sorted by descending real part
  bool converged = false;
  long products = 0;
};

namespace detail {
inline Eigen::Index ncv_for(Eigen::Index n, Eigen::Index k, int ncv) {
  if (ncv > 0) return std::min<Eigen::Index>(n, std::max<Eigen::Index>(ncv, k + 2));
  return std::min<Eigen::Index>(n, std::max<Eigen::Index>(2 * k + 1, 20));
}
}  // namespace detail

// c I - A: the smallest eigenvalues of A as the largest of this op. Spectra's convergence test is
// relative to each Ritz value, so a cluster of eigenvalues at ~0 (flat directions of an energy,
// saturated neurons) never converges as "smallest algebraic"; shifted by c = |A| it converges to
// the absolute accuracy tolerance * c.
template <class Op>
class ReflectedOp {
 public:
  using Scalar = double;
  ReflectedOp(const Op& op, double c) : op_(&op), c_(c) {}
  Eigen::Index rows() const { return op_->rows(); }
  Eigen::Index cols() const { return op_->cols(); }
  void perform_op(const double* x, double* y) const {
    op_->perform_op(x, y);
    Eigen::Map<Vector> out(y, rows());
    out = c_ * Eigen::Map<const Vector>(x, rows()) - out;
  }

 private:
  const Op* op_;
  double c_;
};

namespace detail {
template <class Op>
SymmetricSpectrum lanczos(Op& op, Eigen::Index k, Spectra::SortRule rule, Spectra::SortRule sorting,
                          const SpectrumOptions& o, bool want_vectors) {
  SymmetricSpectrum out;
  try {
    Spectra::SymEigsSolver<Op> solver(op, k, ncv_for(op.rows(), k, o.ncv));
    solver.init();
    solver.compute(rule, o.max_restarts, o.tolerance, sorting);
    out.converged = solver.info() == Spectra::CompInfo::Successful;
    out.products = solver.num_operations();
    if (out.converged) {
      out.values = solver.eigenvalues();
      if (want_vectors) out.vectors = solver.eigenvectors();
    }
  } catch (const std::exception&) {
    // Spectra throws on a breakdown of the Lanczos tridiagonal (e.g. operators of rank < k):
    // reported as not converged, callers fall back to dense solvers.
    out.converged = false;
  }
  return out;
}
}  // namespace detail

// k extremal eigenvalues of a symmetric op (k < n). The Lanczos start vector is Spectra's fixed
// pseudo-random one: same op, same bits. smallest_algebraic goes through ReflectedOp.
template <class Op>
SymmetricSpectrum symmetric_eigenvalues(Op& op, Eigen::Index k, Which which, const SpectrumOptions& o = {},
                                        bool want_vectors = false) {
  using Spectra::SortRule;
  const Eigen::Index n = op.rows();
  k = std::min<Eigen::Index>(k, n - 1);
  if (k < 1) return {};
  switch (which) {
    case Which::smallest_algebraic: {
      const SymmetricSpectrum big = detail::lanczos(op, 1, SortRule::LargestMagn, SortRule::LargestMagn, o, false);
      if (!big.converged) return big;
      const double c = std::abs(big.values(0)) * (1.0 + 1e-3) + std::numeric_limits<double>::min();
      ReflectedOp<Op> reflected(op, c);
      SymmetricSpectrum r = detail::lanczos(reflected, k, SortRule::LargestAlge, SortRule::LargestAlge, o, want_vectors);
      r.products += big.products;
      if (r.converged) r.values = (c - r.values.array()).matrix();  // ascending
      return r;
    }
    case Which::largest_magnitude: return detail::lanczos(op, k, SortRule::LargestMagn, SortRule::LargestMagn, o, want_vectors);
    case Which::smallest_magnitude: return detail::lanczos(op, k, SortRule::SmallestMagn, SortRule::SmallestMagn, o, want_vectors);
    case Which::largest_algebraic:
    case Which::largest_real: break;
  }
  return detail::lanczos(op, k, SortRule::LargestAlge, SortRule::LargestAlge, o, want_vectors);
}

// k eigenvalues of largest real part (or magnitude) of a general op (k < n - 1).
template <class Op>
GeneralSpectrum general_eigenvalues(Op& op, Eigen::Index k, Which which = Which::largest_real,
                                    const SpectrumOptions& o = {}) {
  using Spectra::SortRule;
  const Eigen::Index n = op.rows();
  k = std::min<Eigen::Index>(k, n - 2);
  GeneralSpectrum out;
  if (k < 1) return out;
  const Eigen::Index ncv = std::max<Eigen::Index>(detail::ncv_for(n, k, o.ncv), std::min<Eigen::Index>(n, k + 2));
  try {
    Spectra::GenEigsSolver<Op> solver(op, k, ncv);
    solver.init();
    const SortRule rule = which == Which::largest_magnitude ? SortRule::LargestMagn : SortRule::LargestReal;
    solver.compute(rule, o.max_restarts, o.tolerance, SortRule::LargestReal);
    out.converged = solver.info() == Spectra::CompInfo::Successful;
    out.products = solver.num_operations();
    if (out.converged) out.values = solver.eigenvalues();
  } catch (const std::exception&) {
    out.converged = false;  // as in detail::lanczos
  }
  return out;
}

// (A - sigma I)^-1 of a symmetric op for Spectra's shift-invert solvers: a dense LU for
// n <= dense_limit (A formed once, n products), otherwise MINRES per application (the accuracy of
// the eigenvalues found is limited by its tolerance).
template <class Op>
class ShiftInvertOp {
 public:
  using Scalar = double;
  explicit ShiftInvertOp(const Op& op, Eigen::Index dense_limit = 600, MinresOptions solve = {1e-13, 100000})
      : op_(&op), n_(op.rows()), solve_(solve) {
    if (n_ <= dense_limit) dense_ = std::make_unique<Matrix>(dense(op));
  }
  Eigen::Index rows() const { return n_; }
  Eigen::Index cols() const { return n_; }
  void set_shift(double sigma) {
    sigma_ = sigma;
    if (dense_) lu_.compute(*dense_ - sigma * Matrix::Identity(n_, n_));
  }
  void perform_op(const double* x, double* y) const {
    Eigen::Map<const Vector> in(x, n_);
    Eigen::Map<Vector> out(y, n_);
    if (dense_) {
      out = lu_.solve(in);
      return;
    }
    const Vector b = in;
    Vector sol = Vector::Zero(n_);
    const LinearMap shifted = [this](const Vector& v, Vector& w) {
      w.resize(n_);
      op_->perform_op(v.data(), w.data());
      w -= sigma_ * v;
    };
    last_ = minres(shifted, b, sol, solve_);
    out = sol;
  }
  const GmresResult& last_solve() const { return last_; }

 private:
  const Op* op_;
  Eigen::Index n_;
  MinresOptions solve_;
  double sigma_ = 0.0;
  std::unique_ptr<Matrix> dense_;
  Eigen::PartialPivLU<Matrix> lu_;
  mutable GmresResult last_;
};

// k eigenvalues of a symmetric op nearest sigma (shift-invert), sorted by distance to sigma.
template <class Op>
SymmetricSpectrum symmetric_eigenvalues_near(const Op& op, double sigma, Eigen::Index k,
                                             const SpectrumOptions& o = {}, Eigen::Index dense_limit = 600) {
  const Eigen::Index n = op.rows();
  k = std::min<Eigen::Index>(k, n - 1);
  SymmetricSpectrum out;
  if (k < 1) return out;
  ShiftInvertOp<Op> inv(op, dense_limit);
  Spectra::SymEigsShiftSolver<ShiftInvertOp<Op>> solver(inv, k, detail::ncv_for(n, k, o.ncv), sigma);
  try {
    solver.init();
    solver.compute(Spectra::SortRule::LargestMagn, o.max_restarts, o.tolerance, Spectra::SortRule::LargestMagn);
    out.converged = solver.info() == Spectra::CompInfo::Successful;
  } catch (const std::exception&) {
    out.converged = false;
  }
  out.products = solver.num_operations();
  if (out.converged) {
    out.values = solver.eigenvalues();
    std::sort(out.values.data(), out.values.data() + out.values.size(),
              [sigma](double a, double b) { return std::abs(a - sigma) < std::abs(b - sigma); });
  }
  return out;
}

}  // namespace mnemo::analysis

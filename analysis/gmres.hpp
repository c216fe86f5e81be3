#pragma once
// Restarted GMRES(m) (Saad & Schultz 1986; Saad, "Iterative Methods for Sparse Linear Systems",
// 2nd ed., Alg. 6.9 with Givens rotations, Sec. 6.5.3) for a matrix-free linear operator: the
// inner solver of Newton-Krylov (analysis/fixed_points.hpp) and of matrix-free shift-invert
// spectra (analysis/spectrum.hpp). Only products A v are needed, never A itself.
#include <Eigen/Dense>
#include <functional>

namespace mnemo::analysis {

using Vector = Eigen::VectorXd;
using Matrix = Eigen::MatrixXd;

// y = A x
using LinearMap = std::function<void(const Vector& x, Vector& y)>;

struct GmresOptions {
  double tolerance = 1e-10;  // stop when ||b - A x|| <= tolerance ||b||
  int restart = 50;          // Krylov dimension m before a restart
  int max_iterations = 1000; // products with A, over all restarts
};

struct GmresResult {
  bool converged = false;
  int iterations = 0;               // products with A
  double relative_residual = 0.0;   // ||b - A x|| / ||b|| (true residual at the end)
};

// Solves A x = b starting from the given x (pass zeros for no guess).
GmresResult gmres(const LinearMap& A, const Vector& b, Vector& x, const GmresOptions& options = {});

}  // namespace mnemo::analysis

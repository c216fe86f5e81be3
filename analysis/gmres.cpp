#include "mnemo/analysis/gmres.hpp"

#include <cmath>

namespace mnemo::analysis {

GmresResult gmres(const LinearMap& A, const Vector& b, Vector& x, const GmresOptions& o) {
  const Eigen::Index n = b.size();
  GmresResult res;
  if (x.size() != n) x = Vector::Zero(n);
  const double bnorm = b.norm();
  if (bnorm == 0.0) {
    x.setZero();
    res.converged = true;
    return res;
  }
  const int m = static_cast<int>(std::max<Eigen::Index>(1, std::min<Eigen::Index>(o.restart, n)));
  Matrix V(n, m + 1);
  Matrix Hh = Matrix::Zero(m + 1, m);
  Vector cs(m), sn(m), g(m + 1), w(n), Ax(n);

  while (true) {
    A(x, Ax);
    ++res.iterations;
    Vector r = b - Ax;
    double beta = r.norm();
    res.relative_residual = beta / bnorm;
    if (res.relative_residual <= o.tolerance) {
      res.converged = true;
      return res;
    }
    if (res.iterations >= o.max_iterations) return res;
    V.col(0) = r / beta;
    g.setZero();
    g(0) = beta;
    Hh.setZero();
    int j = 0;
    for (; j < m && res.iterations < o.max_iterations; ++j) {
      A(V.col(j), w);
      ++res.iterations;
      // Modified Gram-Schmidt, twice: Newton-Krylov near a singular Jacobian loses orthogonality.
      for (int pass = 0; pass < 2; ++pass)
        for (int i = 0; i <= j; ++i) {
          const double h = V.col(i).dot(w);
          Hh(i, j) += h;
          w.noalias() -= h * V.col(i);
        }
      Hh(j + 1, j) = w.norm();
      const bool breakdown = Hh(j + 1, j) <= 1e-14 * Hh.col(j).head(j + 1).norm();
      if (!breakdown) V.col(j + 1) = w / Hh(j + 1, j);
      for (int i = 0; i < j; ++i) {
        const double t = cs(i) * Hh(i, j) + sn(i) * Hh(i + 1, j);
        Hh(i + 1, j) = -sn(i) * Hh(i, j) + cs(i) * Hh(i + 1, j);
        Hh(i, j) = t;
      }
      const double d = std::hypot(Hh(j, j), Hh(j + 1, j));
      cs(j) = d == 0.0 ? 1.0 : Hh(j, j) / d;
      sn(j) = d == 0.0 ? 0.0 : Hh(j + 1, j) / d;
      Hh(j, j) = d;
      Hh(j + 1, j) = 0.0;
      g(j + 1) = -sn(j) * g(j);
      g(j) = cs(j) * g(j);
      if (std::abs(g(j + 1)) <= o.tolerance * bnorm || breakdown) {
        ++j;
        break;
      }
    }
    // x += V_j y with H_j y = g_j (upper triangular after the rotations).
    const Vector y = Hh.topLeftCorner(j, j).triangularView<Eigen::Upper>().solve(g.head(j));
    x.noalias() += V.leftCols(j) * y;
  }
}

}  // namespace mnemo::analysis

#include "mnemo/models/sparse_recovery.hpp"

#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace mnemo::models {

namespace {

// Soft threshold T_lambda (the proximal map of lambda |.|_1; Rozell et al. 2008 eq. 6 with the
// soft-threshold activation).
Vector soft_threshold(const Vector& v, double lambda) {
  return (v.array().abs() - lambda).max(0.0).matrix().cwiseProduct(v.cwiseSign());
}

// Time constant of the query layer: large enough that the cue is held over any t_end mnemo runs
// (the layer's rate is |P a| / tau_q, so it moves by ~ t_end |a| / 1e12).
constexpr double kQueryTau = 1e12;

}  // namespace

Constraints learn_constraints(const Matrix& memories, double rank_tolerance) {
  const Eigen::Index N = memories.cols();
  // Full V (N x N): its last N - r columns span the null space of the memories (notes section 3a;
  // the SVD instead of Gram-Schmidt for a rank decision that does not depend on the row order).
  Eigen::BDCSVD<Matrix> svd(memories, Eigen::ComputeFullV);
  const Vector& sigma = svd.singularValues();
  const double top = sigma.size() ? sigma[0] : 0.0;
  Eigen::Index rank = 0;
  for (Eigen::Index i = 0; i < sigma.size(); ++i)
    if (sigma[i] > rank_tolerance * top) ++rank;
  if (rank >= N)
    throw std::invalid_argument("the " + std::to_string(memories.rows()) + " memories span all of R^" +
                                std::to_string(N) +
                                ": no linear constraint holds on them (sparse_recovery needs memories in a proper "
                                "subspace, e.g. count < dim)");
  Constraints c;
  c.rank = rank;
  c.B = svd.matrixV().rightCols(N - rank).transpose();
  return c;
}

double recovery_energy(const Matrix& B, VectorCRef y, VectorCRef a, double lambda) {
  return 0.5 * (B * (y - a)).squaredNorm() + lambda * a.lpNorm<1>();
}

SparseRecoveryResult recover_fista(const Matrix& B, VectorCRef y, double lambda, int max_iterations, double tol) {
  // FISTA (Beck & Teboulle 2009, Algorithm 2 with constant step 1/L, L = |B|_2^2 = 1).
  const Vector s = B * y;  // the syndrome B y = B e
  const Eigen::Index N = B.cols();
  Vector a = Vector::Zero(N), z = a, previous = a;
  double t = 1.0;
  SparseRecoveryResult r;
  for (int k = 0; k < max_iterations; ++k) {
    previous = a;
    a = soft_threshold(z + B.transpose() * (s - B * z), lambda);
    const double t_next = 0.5 * (1.0 + std::sqrt(1.0 + 4.0 * t * t));
    z = a + ((t - 1.0) / t_next) * (a - previous);
    t = t_next;
    r.iterations = k + 1;
    if ((a - previous).lpNorm<Eigen::Infinity>() < tol) {
      r.converged = true;
      break;
    }
  }
  r.error = a;
  r.estimate = y - a;
  return r;
}

SparseRecoveryResult debias(const Matrix& B, VectorCRef y, const SparseRecoveryResult& lasso, double threshold) {
  // Least squares on the LASSO's support (standard debiasing): the l1 weight shrinks every
  // recovered error by ~ lambda; the syndrome equations restricted to the support are exact.
  SparseRecoveryResult r = lasso;
  const double top = lasso.error.lpNorm<Eigen::Infinity>();
  std::vector<Eigen::Index> support;
  for (Eigen::Index i = 0; i < lasso.error.size(); ++i)
    if (std::abs(lasso.error[i]) > threshold * top) support.push_back(i);
  if (support.empty() || static_cast<Eigen::Index>(support.size()) > B.rows()) return r;
  Matrix BS(B.rows(), static_cast<Eigen::Index>(support.size()));
  for (std::size_t j = 0; j < support.size(); ++j) BS.col(static_cast<Eigen::Index>(j)) = B.col(support[j]);
  const Vector aS = BS.colPivHouseholderQr().solve(B * y);
  r.error.setZero();
  for (std::size_t j = 0; j < support.size(); ++j) r.error[support[j]] = aS[static_cast<Eigen::Index>(j)];
  r.estimate = y - r.error;
  return r;
}

Network sparse_recovery_network(const Matrix& B, double lambda, double tau_estimate) {
  const Eigen::Index N = B.cols();
  const Matrix I = Matrix::Identity(N, N);
  const Matrix P = B.transpose() * B;
  Matrix D(N, 2 * N);  // a = D g = g+ - g-
  D << I, -I;
  Layer estimate{"estimate", N, tau_estimate, Identity{}, {}};
  Layer error{"error", 2 * N, 1.0, RectifiedPoly{2.0}, Vector::Constant(2 * N, -lambda)};
  Layer query{"query", N, kQueryTau, Identity{}, {}};
  Matrix self = Matrix::Identity(2 * N, 2 * N) - D.transpose() * (P + I) * D;
  self = 0.5 * (self + self.transpose()).eval();  // exact symmetry for the self-synapse check
  std::vector<Synapse> synapses = {
      Synapse{2, 0, I},                          // query -> estimate: -x^T y
      Synapse{1, 0, -D},                         // error -> estimate: +x^T a
      Synapse{2, 1, D.transpose() * (P + I)},    // query -> error:    -a^T (P + I) y
      Synapse{1, 1, std::move(self)},            // error self:        1/2 a^T (P + I) a - 1/2 |g|^2
  };
  return Network({estimate, error, query}, std::move(synapses), 0);
}

std::function<Vector(VectorCRef)> sparse_recovery_start(const Network& net) {
  const Eigen::Index n = net.readout_size(), size = net.state_size();
  const Eigen::Index x = net.offset(0), y = net.offset(2);
  return [n, size, x, y](VectorCRef cue) {
    Vector s = Vector::Zero(size);  // error layer u = 0: a = 0, the LCA's start (Rozell et al. 2008)
    s.segment(x, n) = cue;
    s.segment(y, n) = cue;
    return s;
  };
}

KindInfo sparse_recovery_kind() {
  using T = ParamSpec::Type;
  KindInfo k;
  k.kind = "sparse_recovery";
  k.reference =
      "Mazumdar & Rawat 2015 (NIPS): constraints B xi = 0 learned from the memories, recall by sparse recovery of the "
      "error from the syndrome B y; recovery as the LCA of Rozell et al. 2008 on R(a) = 1/2|B(y - a)|^2 + lambda|a|_1";
  k.summary = "null-space constraints + continuous-time sparse coding (LCA) of the cue's error; recalls y - a*";
  k.params = {
      {"lambda", T::number, 0.05, 0.0, 1e300, true, {}, "l1 weight of the error's sparsity (LASSO / LCA threshold)"},
      {"tau", T::number, 0.1, 0.0, 1e300, true, {}, "time constant of the estimate layer (the error layer has 1; fast x = plain LCA)"},
      {"rank_tolerance", T::number, 1e-9, 0.0, 1.0, true, {},
       "singular values below this times the largest count as zero when learning B"},
  };
  k.build = [](const ModelSpec& s, const Matrix& memories) {
    Constraints c = learn_constraints(memories, s.number("rank_tolerance"));
    Model m{s, memories, sparse_recovery_network(c.B, s.number("lambda"), s.number("tau"))};
    m.extra["constraints"] = std::move(c.B);
    m.start = sparse_recovery_start(m.network);
    return m;
  };
  return k;
}

}  // namespace mnemo::models

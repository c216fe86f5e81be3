#include "mnemo/analysis/stability.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <variant>

namespace mnemo::analysis {

const char* to_string(Stability s) {
  switch (s) {
    case Stability::stable: return "stable";
    case Stability::saddle: return "saddle";
    case Stability::marginal: return "marginal";
    case Stability::unknown: return "unknown";
  }
  return "?";
}

namespace {
// Lagrangians that are sums over neurons (diagonal Hessians); any other gets a dense Hessian.
bool separable(const models::Lagrangian& L) {
  return std::holds_alternative<models::Identity>(L) || std::holds_alternative<models::LogCosh>(L) ||
         std::holds_alternative<models::RectifiedPoly>(L) || std::holds_alternative<models::Polynomial>(L) ||
         std::holds_alternative<models::Exponential>(L);
}
}  // namespace

HessianRoot::HessianRoot(const Linearisation& lin, double null_tol, Eigen::Index dense_layer_limit) {
  const models::Network& net = lin.network();
  const auto& layers = net.layers();
  for (int i = 0; i < static_cast<int>(layers.size()); ++i) {
    if (!net.is_integrated(i)) continue;
    Block b;
    b.offset = net.offset(i);
    b.size = layers[i].size;
    const Vector x = lin.state().segment(b.offset, b.size);
    Vector lambda;
    if (separable(layers[i].lagrangian)) {
      lambda.resize(b.size);
      models::hessian_vector(layers[i].lagrangian, x, Vector::Ones(b.size), lambda);  // the diagonal
    } else if (b.size <= dense_layer_limit) {
      b.diagonal = false;
      const Eigen::SelfAdjointEigenSolver<Matrix> eig(models::hessian(layers[i].lagrangian, x));
      lambda = eig.eigenvalues();
      b.basis = eig.eigenvectors();
    } else {
      valid_ = false;
      return;
    }
    const double scale = std::max(1.0, lambda.cwiseAbs().maxCoeff());
    for (Eigen::Index k = 0; k < lambda.size(); ++k) {
      if (lambda(k) < -null_tol * scale) valid_ = false;  // not PSD: no H^1/2
      if (lambda(k) <= null_tol * scale) {
        ++null_dimension_;
        lambda(k) = 0.0;
      }
    }
    b.root = lambda.cwiseMax(0.0).cwiseSqrt();
    blocks_.push_back(std::move(b));
  }
}

void HessianRoot::apply(VectorCRef v, VectorRef out) const {
  for (const Block& b : blocks_) {
    if (b.diagonal)
      out.segment(b.offset, b.size) = b.root.cwiseProduct(v.segment(b.offset, b.size));
    else
      out.segment(b.offset, b.size) = b.basis * b.root.cwiseProduct(b.basis.transpose() * v.segment(b.offset, b.size));
  }
}

Vector HessianRoot::live_mask() const {
  Eigen::Index n = 0;
  for (const Block& b : blocks_) n = std::max(n, b.offset + b.size);
  Vector m = Vector::Constant(n, std::numeric_limits<double>::quiet_NaN());
  for (const Block& b : blocks_)
    if (b.diagonal) m.segment(b.offset, b.size) = (b.root.array() > 0.0).cast<double>().matrix();
  return m;
}

void RangeOp::perform_op(const double* x, double* y) const {
  Eigen::Map<const Vector> in(x, rows());
  Eigen::Map<Vector> out(y, rows());
  root_->apply(in, a_);
  lin_->input_derivative(a_, b_);
  root_->apply(b_, out);
}

namespace {

// Number of eigenvalues above `threshold` and the largest, by Lanczos with growing k.
template <class Op>
Eigen::Index count_above(Op& op, double threshold, const StabilityOptions& o, double& largest, bool& converged) {
  const Eigen::Index n = op.rows();
  for (Eigen::Index k = std::min<Eigen::Index>(6, n - 1);; k = std::min<Eigen::Index>(2 * k, n - 1)) {
    const SymmetricSpectrum sp = symmetric_eigenvalues(op, k, Which::largest_algebraic, o.spectrum);
    if (!sp.converged) {
      converged = false;
      return -1;
    }
    largest = sp.values(0);
    const Eigen::Index above = (sp.values.array() > threshold).count();
    if (above < sp.values.size() || k >= n - 1) return above;
  }
}

template <class Op>
Eigen::Index count_unstable(Op& op, double threshold, const StabilityOptions& o, Eigen::VectorXcd& values,
                            bool& converged) {
  const Eigen::Index n = op.rows();
  for (Eigen::Index k = std::min<Eigen::Index>(std::max<Eigen::Index>(o.eigenvalues, 6), n - 2);;
       k = std::min<Eigen::Index>(2 * k, n - 2)) {
    const GeneralSpectrum sp = general_eigenvalues(op, k, Which::largest_real, o.spectrum);
    if (!sp.converged) {
      converged = false;
      return -1;
    }
    values = sp.values;
    const Eigen::Index above = (sp.values.real().array() > threshold).count();
    if (above < sp.values.size() || k >= n - 2) return above;
  }
}

}  // namespace

StabilityResult analyse_stability(const models::Network& net, const Vector& s, const StabilityOptions& o) {
  StabilityResult res;
  const auto lin = std::make_shared<Linearisation>(net, s);
  const Eigen::Index n = lin->size();
  double tau_min = std::numeric_limits<double>::infinity();
  for (Eigen::Index k = 0; k < n; ++k) tau_min = std::min(tau_min, lin->tau(k));
  const double jtol = o.tolerance / tau_min;
  const bool small = n <= o.dense_limit;
  const Eigen::Index keep = std::min<Eigen::Index>(o.eigenvalues, n);

  // Jacobian spectrum (dense when small, or when Arnoldi fails on a small operator).
  JacobianOp J(lin);
  bool jacobian_done = false;
  if (!small) {
    Eigen::VectorXcd ev;
    bool ok = true;
    res.jacobian_index = count_unstable(J, jtol, o, ev, ok);
    jacobian_done = ok || n > o.dense_fallback_limit;
    res.converged = res.converged && ok;
    if (ev.size()) res.jacobian_eigenvalues = ev.head(std::min<Eigen::Index>(keep, ev.size()));
  }
  if (!jacobian_done) {
    const Eigen::EigenSolver<Matrix> eig(dense(J), false);
    Eigen::VectorXcd ev = eig.eigenvalues();
    std::sort(ev.data(), ev.data() + ev.size(), [](const auto& a, const auto& b) { return a.real() > b.real(); });
    res.jacobian_index = (ev.real().array() > jtol).count();
    res.jacobian_eigenvalues = ev.head(keep);
  }
  if (res.jacobian_eigenvalues.size()) res.jacobian_max_real = res.jacobian_eigenvalues(0).real();

  // Energy Hessian: its smallest eigenvalues (negative ones are the unstable directions of E).
  EnergyHessianOp Hop(lin);
  if (small) {
    const Matrix A = dense(Hop);
    const Eigen::SelfAdjointEigenSolver<Matrix> eig(0.5 * (A + A.transpose()), Eigen::EigenvaluesOnly);
    res.hessian_eigenvalues = eig.eigenvalues().head(keep);
  } else if (o.large_hessian_spectrum) {
    const SymmetricSpectrum sp = symmetric_eigenvalues(Hop, keep, Which::smallest_algebraic, o.spectrum);
    res.converged = res.converged && sp.converged;
    res.hessian_eigenvalues = sp.values;
  }

  // Range of H (Fanaskov & Oseledets 2024).
  const auto root = std::make_shared<HessianRoot>(*lin, o.null_tolerance, o.dense_layer_limit);
  if (root->valid()) {
    res.flat_dimension = root->null_dimension();
    RangeOp S(lin, root);
    bool range_done = false;
    if (!small) {
      double largest = std::numeric_limits<double>::quiet_NaN();
      bool ok = true;
      res.range_index = count_above(S, 1.0 + o.tolerance, o, largest, ok);
      res.range_lambda_max = largest;
      range_done = ok || n > o.dense_fallback_limit;
      res.converged = res.converged && ok;
    }
    if (!range_done) {
      const Matrix A = dense(S);
      const Eigen::SelfAdjointEigenSolver<Matrix> eig(0.5 * (A + A.transpose()), Eigen::EigenvaluesOnly);
      res.range_lambda_max = eig.eigenvalues().maxCoeff();
      res.range_index = (eig.eigenvalues().array() > 1.0 + o.tolerance).count();
    }
  }

  res.from_range = root->valid() && res.flat_dimension > 0 && res.range_index >= 0;
  if (res.from_range) {
    res.index = res.range_index;
    const bool near_one = std::abs(res.range_lambda_max - 1.0) <= o.tolerance;
    res.label = res.index > 0 ? Stability::saddle : near_one ? Stability::marginal : Stability::stable;
  } else if (res.jacobian_index >= 0) {
    res.index = res.jacobian_index;
    const bool near_zero = std::abs(res.jacobian_max_real) <= jtol;
    res.label = res.index > 0 ? Stability::saddle : near_zero ? Stability::marginal : Stability::stable;
  }
  return res;
}

}  // namespace mnemo::analysis

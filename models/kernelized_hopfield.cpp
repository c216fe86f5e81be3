#include "mnemo/models/kernelized_hopfield.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <sstream>

#include "mnemo/models/optimizer.hpp"
#include "mnemo/models/random.hpp"

namespace mnemo::models {

namespace {

// 1/2 g^T A g on one layer (A symmetric): input -A g.
class QuadraticCoupling final : public Coupling {
 public:
  QuadraticCoupling(Matrix A, int layer) : A_(std::move(A)), layer_(layer) {}
  std::vector<int> layers() const override { return {layer_}; }
  double energy(const std::vector<Vector>& g) const override { return 0.5 * g[layer_].dot(A_ * g[layer_]); }
  void add_input(const std::vector<Vector>& g, std::vector<Vector>& inputs) const override {
    inputs[layer_].noalias() -= A_ * g[layer_];
  }
  void add_input_derivative(const std::vector<Vector>&, const std::vector<Vector>& dg,
                            std::vector<Vector>& dinputs) const override {
    dinputs[layer_].noalias() -= A_ * dg[layer_];
  }
  std::string describe() const override { return "kernel quadratic term 1/2 x^T (W^T W - I) x"; }

 private:
  Matrix A_;
  int layer_;
};

double log_sum_exp(const Vector& s) {
  const double m = s.maxCoeff();
  return m + std::log((s.array() - m).exp().sum());
}

Matrix unit_rows(const Matrix& F, Vector& norms) {
  norms = F.rowwise().norm();
  Matrix U = F;
  for (Eigen::Index i = 0; i < F.rows(); ++i) U.row(i) /= std::max(norms[i], 1e-300);
  return U;
}

}  // namespace

double separation_loss(const Matrix& W, const Matrix& memories, double t, Matrix* gradient) {
  const Eigen::Index K = memories.rows();
  if (K < 2) throw std::invalid_argument("separation_loss needs at least two memories");
  const Matrix F = memories * W.transpose();  // K x D, rows W xi_i
  Vector norms;
  const Matrix U = unit_rows(F, norms);
  const Matrix S = U * U.transpose();
  // Stable log-mean-exp over the pairs i < j.
  double top = -std::numeric_limits<double>::infinity();
  for (Eigen::Index j = 1; j < K; ++j)
    for (Eigen::Index i = 0; i < j; ++i) top = std::max(top, S(i, j) / t);
  Matrix w = Matrix::Zero(K, K);
  double Z = 0.0;
  for (Eigen::Index j = 1; j < K; ++j)
    for (Eigen::Index i = 0; i < j; ++i) {
      w(i, j) = std::exp(S(i, j) / t - top);
      Z += w(i, j);
    }
  const double pairs = 0.5 * static_cast<double>(K) * static_cast<double>(K - 1);
  const double loss = top + std::log(Z / pairs);
  if (gradient) {
    // dL/dS_ij = w_ij / (Z t) on the pairs; symmetric in (i, j): dL/dU = A U with A symmetric.
    Matrix A = w / (Z * t);
    A = A + A.transpose().eval();
    const Matrix dU = A * U;  // K x D
    Matrix dF(F.rows(), F.cols());
    for (Eigen::Index i = 0; i < K; ++i) {
      // d(f/|f|) = (I - u u^T) df / |f|
      const double n = std::max(norms[i], 1e-300);
      dF.row(i) = (dU.row(i) - dU.row(i).dot(U.row(i)) * U.row(i)) / n;
    }
    *gradient = dF.transpose() * memories;  // D x N
  }
  return loss;
}

Matrix initial_feature_map(Eigen::Index D, Eigen::Index N, std::uint64_t seed) {
  Rng rng(seed, stream::model);
  Matrix W(D, N);
  const double s = 1.0 / std::sqrt(static_cast<double>(N));
  for (Eigen::Index j = 0; j < N; ++j)
    for (Eigen::Index i = 0; i < D; ++i) W(i, j) = s * rng.normal();
  return W;
}

Matrix match_feature_scale(const Matrix& W, const Matrix& memories) {
  const double raw = memories.rowwise().squaredNorm().mean();
  const double feat = (memories * W.transpose()).rowwise().squaredNorm().mean();
  if (!(feat > 0.0)) throw std::invalid_argument("feature map sends every memory to zero");
  return W * std::sqrt(raw / feat);
}

Matrix train_feature_map(const Matrix& memories, const SeparationTraining& o, std::vector<double>* history) {
  const Eigen::Index N = memories.cols();
  const Eigen::Index D = o.feature_dim > 0 ? o.feature_dim : N;
  Matrix W = initial_feature_map(D, N, o.seed);
  if (memories.rows() < 2) return match_feature_scale(W, memories);
  Adam adam(AdamOptions{o.learning_rate});
  Matrix grad;
  for (int it = 0; it < o.steps; ++it) {
    const double L = separation_loss(W, memories, o.temperature, &grad);
    if (history) history->push_back(L);
    adam.step(W, grad);
  }
  if (history) history->push_back(separation_loss(W, memories, o.temperature));
  return match_feature_scale(W, memories);
}

double min_feature_separation(const Matrix& W, const Matrix& memories) {
  Vector norms;
  const Matrix U = unit_rows(memories * W.transpose(), norms);
  Matrix S = U * U.transpose();
  S.diagonal().setConstant(-std::numeric_limits<double>::infinity());
  return 1.0 - S.maxCoeff();
}

double min_kernel_separation(const Matrix& W, const Matrix& memories) {
  const Matrix F = memories * W.transpose();
  const Matrix Kmat = F * F.transpose();
  double best = std::numeric_limits<double>::infinity();
  for (Eigen::Index m = 0; m < Kmat.rows(); ++m) {
    double others = -std::numeric_limits<double>::infinity();
    for (Eigen::Index n = 0; n < Kmat.cols(); ++n)
      if (n != m) others = std::max(others, Kmat(m, n));
    best = std::min(best, Kmat(m, m) - others);
  }
  return best;
}

Vector kernelized_update(const Matrix& memories, const Matrix& W, double beta, VectorCRef x, int steps) {
  const Matrix XiG = (memories * W.transpose()) * W;  // K x N, rows xi_mu^T G
  Vector v = x;
  for (int s = 0; s < steps; ++s) {
    Vector a = beta * (XiG * v);
    a = (a.array() - a.maxCoeff()).exp();
    a /= a.sum();
    v = memories.transpose() * a;
  }
  return v;
}

double kernelized_energy(const Matrix& memories, const Matrix& W, double beta, VectorCRef x) {
  const Vector z = W * x;
  const Vector s = beta * ((memories * W.transpose()) * z);
  return 0.5 * z.squaredNorm() - log_sum_exp(s) / beta;
}

Network kernelized_hopfield(const Matrix& memories, const Matrix& W, double beta, double tau) {
  if (W.cols() != memories.cols())
    throw std::invalid_argument("feature map has " + std::to_string(W.cols()) + " columns, memories dimension " +
                                std::to_string(memories.cols()));
  const Eigen::Index N = memories.cols();
  const Matrix G = W.transpose() * W;
  Layer v{"feature", N, tau, Identity{}, {}};
  Layer h{"memory", memories.rows(), 0.0, Softmax{beta}, {}};
  auto quad = std::make_shared<QuadraticCoupling>(G - Matrix::Identity(N, N), 0);
  return Network({v, h}, {Synapse{0, 1, memories * G}}, 0, {quad});
}

KindInfo kernelized_hopfield_kind() {
  using T = ParamSpec::Type;
  KindInfo k;
  k.kind = "kernelized_hopfield";
  k.reference =
      "Wu, Hu, Hsiao & Liu 2024 (ICML, U-Hop); Hu, Wu & Liu 2024 (NeurIPS, U-Hop+): kernelized Hopfield "
      "energy E_K = 1/2 x^T W^T W x - beta^-1 lse(beta Xi W^T W x), separation loss of the authors' code";
  k.summary = "modern Hopfield retrieval in a learned feature space Phi(x) = W x (U-Hop+ separation training)";
  k.params = {
      {"beta", T::number, 8.0, 0.0, 1e300, true, {}, "inverse temperature of the softmax"},
      {"tau", T::number, 1.0, 0.0, 1e300, true, {}, "time constant of the visible neurons"},
      {"feature_dim", T::integer, 0.0, 0.0, 1e6, false, {}, "D, rows of W (0: D = N; D >= N keeps W^T W invertible)"},
      {"train_steps", T::integer, 200.0, 0.0, 1e7, false, {}, "full-batch Adam steps on the separation loss (0: W random)"},
      {"learning_rate", T::number, 0.01, 0.0, 1e300, true, {}, "Adam step size"},
      {"temperature", T::number, 0.1, 0.0, 1e300, true, {}, "temperature t of the separation loss"},
  };
  k.build = [](const ModelSpec& s, const Matrix& memories) {
    SeparationTraining o;
    o.feature_dim = static_cast<Eigen::Index>(s.number("feature_dim"));
    if (o.feature_dim > 0 && o.feature_dim < memories.cols())
      throw ParamError("feature_dim", "must be 0 or >= the memory dimension " + std::to_string(memories.cols()) +
                                          " (W^T W must be invertible), got " + std::to_string(o.feature_dim));
    o.steps = static_cast<int>(s.number("train_steps"));
    o.learning_rate = s.number("learning_rate");
    o.temperature = s.number("temperature");
    o.seed = s.seed;
    Matrix W = train_feature_map(memories, o);
    Model m{s, memories, kernelized_hopfield(memories, W, s.number("beta"), s.number("tau"))};
    m.extra["feature_map"] = std::move(W);
    return m;
  };
  return k;
}

}  // namespace mnemo::models

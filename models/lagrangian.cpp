#include "mnemo/models/lagrangian.hpp"

#include <cmath>

namespace mnemo::models {
namespace {

// log cosh(y) without overflow: |y| + log(1 + e^{-2|y|}) - log 2.
double log_cosh(double y) {
  const double a = std::abs(y);
  return a + std::log1p(std::exp(-2.0 * a)) - std::log(2.0);
}

double relu(double x) { return x > 0.0 ? x : 0.0; }

}  // namespace

// ---- Identity ---------------------------------------------------------------------------------
double Identity::value(VectorCRef x) const { return 0.5 * x.squaredNorm(); }
void Identity::activation(VectorCRef x, VectorRef g) const { g = x; }
Matrix Identity::hessian(VectorCRef x) const { return Matrix::Identity(x.size(), x.size()); }
void Identity::hessian_vector(VectorCRef, VectorCRef v, VectorRef out) const { out = v; }

// ---- LogCosh ----------------------------------------------------------------------------------
double LogCosh::value(VectorCRef x) const {
  double s = 0.0;
  for (Eigen::Index i = 0; i < x.size(); ++i) s += log_cosh(gain * x[i]);
  return s / gain;
}
void LogCosh::activation(VectorCRef x, VectorRef g) const {
  g = (gain * x.array()).tanh().matrix();
}
// sech^2(y) = 1 - tanh^2(y) written as 4 e^{-2|y|} / (1 + e^{-2|y|})^2: the difference 1 - tanh^2
// loses all relative accuracy for |y| > ~18 (and half of it at |y| ~ 9), where saturated neurons
// still carry the energy's rate (KH2021 eq. 6).
static Eigen::ArrayXd sech_squared(const Eigen::ArrayXd& y) {
  const Eigen::ArrayXd e = (-2.0 * y.abs()).exp();
  return 4.0 * e / (1.0 + e).square();
}
Matrix LogCosh::hessian(VectorCRef x) const {
  return (gain * sech_squared(gain * x.array())).matrix().asDiagonal();
}
void LogCosh::hessian_vector(VectorCRef x, VectorCRef v, VectorRef out) const {
  out = (gain * sech_squared(gain * x.array()) * v.array()).matrix();
}

// ---- Softmax ----------------------------------------------------------------------------------
double Softmax::value(VectorCRef x) const {
  const double m = x.maxCoeff();
  return m + std::log((beta * (x.array() - m)).exp().sum()) / beta;
}
void Softmax::activation(VectorCRef x, VectorRef g) const {
  const double m = x.maxCoeff();
  g = (beta * (x.array() - m)).exp().matrix();
  g /= g.sum();
}
Matrix Softmax::hessian(VectorCRef x) const {
  Vector p(x.size());
  activation(x, p);
  Matrix H = -beta * p * p.transpose();
  H.diagonal() += beta * p;
  return H;
}
void Softmax::hessian_vector(VectorCRef x, VectorCRef v, VectorRef out) const {
  Vector p(x.size());
  activation(x, p);
  out = beta * (p.array() * (v.array() - p.dot(v))).matrix();
}

// ---- RectifiedPoly ----------------------------------------------------------------------------
double RectifiedPoly::value(VectorCRef x) const {
  double s = 0.0;
  for (Eigen::Index i = 0; i < x.size(); ++i) s += std::pow(relu(x[i]), n);
  return s / n;
}
void RectifiedPoly::activation(VectorCRef x, VectorRef g) const {
  for (Eigen::Index i = 0; i < x.size(); ++i) g[i] = std::pow(relu(x[i]), n - 1.0);
}
Matrix RectifiedPoly::hessian(VectorCRef x) const {
  Vector d(x.size());
  for (Eigen::Index i = 0; i < x.size(); ++i)
    d[i] = x[i] > 0.0 ? (n - 1.0) * std::pow(x[i], n - 2.0) : 0.0;
  return d.asDiagonal();
}
void RectifiedPoly::hessian_vector(VectorCRef x, VectorCRef v, VectorRef out) const {
  for (Eigen::Index i = 0; i < x.size(); ++i)
    out[i] = x[i] > 0.0 ? (n - 1.0) * std::pow(x[i], n - 2.0) * v[i] : 0.0;
}

// ---- Polynomial -------------------------------------------------------------------------------
double Polynomial::value(VectorCRef x) const {
  double s = 0.0;
  for (Eigen::Index i = 0; i < x.size(); ++i) s += std::pow(x[i], n);
  return s / n;
}
void Polynomial::activation(VectorCRef x, VectorRef g) const {
  for (Eigen::Index i = 0; i < x.size(); ++i) g[i] = std::pow(x[i], n - 1.0);
}
Matrix Polynomial::hessian(VectorCRef x) const {
  Vector d(x.size());
  for (Eigen::Index i = 0; i < x.size(); ++i) d[i] = (n - 1.0) * std::pow(x[i], n - 2.0);
  return d.asDiagonal();
}
void Polynomial::hessian_vector(VectorCRef x, VectorCRef v, VectorRef out) const {
  for (Eigen::Index i = 0; i < x.size(); ++i) out[i] = (n - 1.0) * std::pow(x[i], n - 2.0) * v[i];
}

// ---- Exponential ------------------------------------------------------------------------------
double Exponential::value(VectorCRef x) const { return (beta * x.array()).exp().sum() / beta; }
void Exponential::activation(VectorCRef x, VectorRef g) const {
  g = (beta * x.array()).exp().matrix();
}
Matrix Exponential::hessian(VectorCRef x) const {
  return (beta * (beta * x.array()).exp()).matrix().asDiagonal();
}
void Exponential::hessian_vector(VectorCRef x, VectorCRef v, VectorRef out) const {
  out = (beta * (beta * x.array()).exp() * v.array()).matrix();
}

// ---- LayerNorm --------------------------------------------------------------------------------
double LayerNorm::value(VectorCRef x) const {
  const double D = static_cast<double>(x.size());
  const double var = (x.array() - x.mean()).square().mean();
  return D * gamma * std::sqrt(var + eps);
}
void LayerNorm::activation(VectorCRef x, VectorRef g) const {
  const Eigen::ArrayXd xc = x.array() - x.mean();
  const double s = std::sqrt(xc.square().mean() + eps);
  g = (gamma * xc / s).matrix();
}
Matrix LayerNorm::hessian(VectorCRef x) const {
  const Eigen::Index N = x.size();
  const double D = static_cast<double>(N);
  const Vector xc = (x.array() - x.mean()).matrix();
  const double s = std::sqrt(xc.squaredNorm() / D + eps);
  Matrix H = Matrix::Constant(N, N, -1.0) - xc * xc.transpose() / (s * s);
  H.diagonal().array() += D;
  return H * (gamma / (D * s));
}
void LayerNorm::hessian_vector(VectorCRef x, VectorCRef v, VectorRef out) const {
  const double D = static_cast<double>(x.size());
  const Vector xc = (x.array() - x.mean()).matrix();
  const double s = std::sqrt(xc.squaredNorm() / D + eps);
  out = (gamma / (D * s)) * (D * v - Vector::Constant(x.size(), v.sum()) - xc * (xc.dot(v) / (s * s)));
}

// ---- RectifiedNorm ----------------------------------------------------------------------------
double RectifiedNorm::value(VectorCRef x) const {
  // Scaled by the largest entry so that r^n neither overflows nor underflows for large n.
  const double top = x.maxCoeff();
  if (!(top > 0.0)) return 0.0;
  double s = 0.0;
  for (Eigen::Index i = 0; i < x.size(); ++i) s += std::pow(relu(x[i]) / top, n);
  return top * std::pow(s, 1.0 / n);
}
void RectifiedNorm::activation(VectorCRef x, VectorRef g) const {
  const double L = value(x);
  if (!(L > 0.0)) {
    g.setZero();
    return;
  }
  for (Eigen::Index i = 0; i < x.size(); ++i) g[i] = std::pow(relu(x[i]) / L, n - 1.0);
}
Matrix RectifiedNorm::hessian(VectorCRef x) const {
  const Eigen::Index N = x.size();
  const double L = value(x);
  if (!(L > 0.0)) return Matrix::Zero(N, N);
  Vector g(N), q(N);
  activation(x, g);
  for (Eigen::Index i = 0; i < N; ++i) q[i] = x[i] > 0.0 ? std::pow(x[i] / L, n - 2.0) : 0.0;
  Matrix H = -g * g.transpose();
  H.diagonal() += q;
  return H * ((n - 1.0) / L);
}
void RectifiedNorm::hessian_vector(VectorCRef x, VectorCRef v, VectorRef out) const {
  const double L = value(x);
  if (!(L > 0.0)) {
    out.setZero();
    return;
  }
  double gv = 0.0;
  for (Eigen::Index i = 0; i < x.size(); ++i)
    if (x[i] > 0.0) gv += std::pow(x[i] / L, n - 1.0) * v[i];
  for (Eigen::Index i = 0; i < x.size(); ++i)
    out[i] = x[i] > 0.0 ? (n - 1.0) / L * (std::pow(x[i] / L, n - 2.0) * v[i] - std::pow(x[i] / L, n - 1.0) * gv) : 0.0;
}

// ---- dispatch ---------------------------------------------------------------------------------
double value(const Lagrangian& L, VectorCRef x) {
  return std::visit([&](const auto& l) { return l.value(x); }, L);
}
void activation(const Lagrangian& L, VectorCRef x, VectorRef g) {
  std::visit([&](const auto& l) { l.activation(x, g); }, L);
}
Matrix hessian(const Lagrangian& L, VectorCRef x) {
  return std::visit([&](const auto& l) { return l.hessian(x); }, L);
}
void hessian_vector(const Lagrangian& L, VectorCRef x, VectorCRef v, VectorRef out) {
  std::visit([&](const auto& l) { l.hessian_vector(x, v, out); }, L);
}
std::string name(const Lagrangian& L) {
  return std::visit([](const auto& l) { return l.name(); }, L);
}
bool is_convex(const Lagrangian& L) {
  if (const auto* p = std::get_if<Polynomial>(&L)) {
    return std::fmod(p->n, 2.0) == 0.0;
  }
  return std::visit([](const auto& l) { return std::decay_t<decltype(l)>::convex; }, L);
}
double legendre(const Lagrangian& L, VectorCRef x, VectorCRef g) {
  return std::visit([&](const auto& l) { return legendre(l, x, g); }, L);
}

}  // namespace mnemo::models

#pragma once
// Lagrangians of neuron layers (Krotov & Hopfield 2021, "Large associative memory problem in
// neurobiology and machine learning", ICLR 2021, Sec. 2): a layer with internal state x has a
// Lagrangian L(x); its activation is g = dL/dx and its Hessian d^2L/dx^2 decides the sign of
// dE/dt (KH2021 eq. 6: dE/dt = -tau xdot^T (d^2 L) xdot). Each Lagrangian is a small value type
// holding its parameters; `Lagrangian` is the closed set of them used by networks built at run time.
//
// Normalisations follow HAMUX (bhoov/barebones-hamux): softmax L = beta^-1 lse(beta x),
// rectified power L = (1/n) sum relu(x)^n so that n = 2 gives g = relu(x).
#include <Eigen/Dense>
#include <string>
#include <variant>

namespace mnemo::models {

using Vector = Eigen::VectorXd;
using Matrix = Eigen::MatrixXd;
using VectorCRef = Eigen::Ref<const Eigen::VectorXd>;
using VectorRef = Eigen::Ref<Eigen::VectorXd>;

// L = 1/2 |x|^2, g = x, H = I. The feature layer of modern Hopfield networks (KH2021 model B).
struct Identity {
  double value(VectorCRef x) const;
  void activation(VectorCRef x, VectorRef g) const;
  Matrix hessian(VectorCRef x) const;
  void hessian_vector(VectorCRef x, VectorCRef v, VectorRef out) const;
  static constexpr bool convex = true;
  std::string name() const { return "identity"; }
};

// L = gain^-1 sum log cosh(gain x), g = tanh(gain x): the classical continuous Hopfield neuron
// (Hopfield 1984). Its Legendre term x g - L equals the integral of g^-1 of the contract.
struct LogCosh {
  double gain = 1.0;
  double value(VectorCRef x) const;
  void activation(VectorCRef x, VectorRef g) const;
  Matrix hessian(VectorCRef x) const;
  void hessian_vector(VectorCRef x, VectorCRef v, VectorRef out) const;
  static constexpr bool convex = true;
  std::string name() const { return "logcosh"; }
};

// L = beta^-1 log sum exp(beta x), g = softmax(beta x), H = beta (diag(p) - p p^T) (KH2021 model B,
// eq. 10). H is PSD with null vector 1: a flat direction (Fanaskov & Oseledets 2024).
struct Softmax {
  double beta = 1.0;
  double value(VectorCRef x) const;
  void activation(VectorCRef x, VectorRef g) const;
  Matrix hessian(VectorCRef x) const;
  void hessian_vector(VectorCRef x, VectorCRef v, VectorRef out) const;
  static constexpr bool convex = true;
  std::string name() const { return "softmax"; }
};

// L = (1/n) sum max(x, 0)^n, g = max(x, 0)^(n-1) (KH2021 model A with a rectified polynomial;
// n = 2 is the ReLU Lagrangian whose dead neurons Fanaskov & Oseledets 2024 study). n >= 2.
struct RectifiedPoly {
  double n = 2.0;
  double value(VectorCRef x) const;
  void activation(VectorCRef x, VectorRef g) const;
  Matrix hessian(VectorCRef x) const;
  void hessian_vector(VectorCRef x, VectorCRef v, VectorRef out) const;
  static constexpr bool convex = true;
  std::string name() const { return "rectified_poly"; }
};

// L = (1/n) sum x^n, g = x^(n-1): the polynomial interaction F(x) = x^n of Krotov & Hopfield 2016
// up to the factor 1/n. Convex only for even integer n; n must be an integer >= 2.
struct Polynomial {
  double n = 2.0;
  double value(VectorCRef x) const;
  void activation(VectorCRef x, VectorRef g) const;
  Matrix hessian(VectorCRef x) const;
  void hessian_vector(VectorCRef x, VectorCRef v, VectorRef out) const;
  static constexpr bool convex = false;  // true for even n; checked per instance in tests
  std::string name() const { return "poly"; }
};

// L = beta^-1 sum exp(beta x), g = exp(beta x): the separable exponential interaction of
// Demircigil et al. 2017 as a hidden-layer Lagrangian.
struct Exponential {
  double beta = 1.0;
  double value(VectorCRef x) const;
  void activation(VectorCRef x, VectorRef g) const;
  Matrix hessian(VectorCRef x) const;
  void hessian_vector(VectorCRef x, VectorCRef v, VectorRef out) const;
  static constexpr bool convex = true;
  std::string name() const { return "exp"; }
};

// Layer-norm Lagrangian of KH2021 model C (eq. 12; HAMUX lagr_layernorm with delta = 0):
// L = D gamma sqrt(mean((x - mean x)^2) + eps), g = gamma (x - mean x) / sqrt(var + eps).
// H = gamma/(D s) (D I - 1 1^T - xc xc^T / s^2) with s = sqrt(var + eps): PSD, null vector 1.
struct LayerNorm {
  double gamma = 1.0;
  double eps = 1e-5;
  double value(VectorCRef x) const;
  void activation(VectorCRef x, VectorRef g) const;
  Matrix hessian(VectorCRef x) const;
  void hessian_vector(VectorCRef x, VectorCRef v, VectorRef out) const;
  static constexpr bool convex = true;
  std::string name() const { return "layernorm"; }
};

// L = ||max(x, 0)||_n = (sum_i max(x_i, 0)^n)^(1/n), g = (r / L)^(n-1) with r = max(x, 0): a
// polynomial separation function for the memory layer of a modern Hopfield network (the
// normalised power separation of Millidge et al. 2022, "Universal Hopfield networks", written as
// a Lagrangian). L is convex and 1-homogeneous like beta^-1 lse(beta x) (the energy stays bounded
// below with an identity feature layer) and tends to max_i x_i as n -> infinity.
// H = (n-1)/L (diag(1[x > 0] (r/L)^(n-2)) - g g^T): PSD (Cauchy-Schwarz), null vector r.
// Where no entry is positive L = 0 and g = 0, H = 0 (the cone's kink). n >= 2.
struct RectifiedNorm {
  double n = 2.0;
  double value(VectorCRef x) const;
  void activation(VectorCRef x, VectorRef g) const;
  Matrix hessian(VectorCRef x) const;
  void hessian_vector(VectorCRef x, VectorCRef v, VectorRef out) const;
  static constexpr bool convex = true;
  std::string name() const { return "rectified_norm"; }
};

// The closed set a network layer may hold; extend by adding a type here and to the typed tests.
using Lagrangian =
    std::variant<Identity, LogCosh, Softmax, RectifiedPoly, Polynomial, Exponential, LayerNorm, RectifiedNorm>;

double value(const Lagrangian& L, VectorCRef x);
void activation(const Lagrangian& L, VectorCRef x, VectorRef g);
Matrix hessian(const Lagrangian& L, VectorCRef x);
void hessian_vector(const Lagrangian& L, VectorCRef x, VectorCRef v, VectorRef out);
std::string name(const Lagrangian& L);
// True where the Hessian is PSD for every x (the condition of KH2021 for a Lyapunov energy).
bool is_convex(const Lagrangian& L);

// The Legendre term x^T g(x) - L(x), written once for every Lagrangian (KH2021 eq. 3).
template <class L>
double legendre(const L& lagrangian, VectorCRef x, VectorCRef g) {
  return x.dot(g) - lagrangian.value(x);
}
double legendre(const Lagrangian& L, VectorCRef x, VectorCRef g);

}  // namespace mnemo::models

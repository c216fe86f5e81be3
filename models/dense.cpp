#include "mnemo/models/dense.hpp"

#include <cmath>

namespace mnemo::models {

double dense_interaction(DenseInteraction f, double n, double beta, double m) {
  switch (f) {
    case DenseInteraction::poly: return std::pow(m, n);
    case DenseInteraction::rectified_poly: return m > 0.0 ? std::pow(m, n) : 0.0;
    case DenseInteraction::exp: return std::exp(beta * (m - 1.0)) / beta;
  }
  return 0.0;
}

double dense_interaction_derivative(DenseInteraction f, double n, double beta, double m) {
  switch (f) {
    case DenseInteraction::poly: return n * std::pow(m, n - 1.0);
    case DenseInteraction::rectified_poly: return m > 0.0 ? n * std::pow(m, n - 1.0) : 0.0;
    case DenseInteraction::exp: return std::exp(beta * (m - 1.0));
  }
  return 0.0;
}

Network dense_associative_memory(const Matrix& memories, const DenseOptions& o) {
  const Eigen::Index K = memories.rows();
  const Eigen::Index N = memories.cols();
  const double dim = static_cast<double>(N);
  Layer visible{"feature", N, o.tau, LogCosh{o.gain}, {}};
  Layer hidden{"memory", K, o.tau_hidden, Identity{}, {}};
  Matrix W;
  if (o.interaction == DenseInteraction::exp) {
    // Exponential{beta}: L(h) = beta^-1 sum e^{beta h}. With h = m + log(N)/beta - 1 it equals
    // N sum_mu beta^-1 e^{beta (m_mu - 1)} = N sum_mu F(m_mu), the hidden term we want.
    hidden.lagrangian = Exponential{o.beta};
    hidden.bias = Vector::Constant(K, std::log(dim) / o.beta - 1.0);
    W = memories / dim;
  } else {
    // L(h) = (1/n) sum h^n is homogeneous: with W = c X, L(W g) = (c^n / n) N^n sum m^n, which is
    // N sum m^n for c^n = n N^(1-n).
    if (o.interaction == DenseInteraction::poly) hidden.lagrangian = Polynomial{o.n};
    else hidden.lagrangian = RectifiedPoly{o.n};
    const double c = std::exp((std::log(o.n) + (1.0 - o.n) * std::log(dim)) / o.n);
    W = c * memories;
  }
  return Network({visible, hidden}, {Synapse{0, 1, std::move(W)}}, 0);
}

KindInfo dense_kind() {
  using T = ParamSpec::Type;
  KindInfo k;
  k.kind = "dense";
  k.reference =
      "Krotov & Hopfield 2016 (NIPS), eqs. 2-3; Demircigil et al. 2017 (exp); continuous form: "
      "Krotov & Hopfield 2021 (ICLR), model A, eqs. 3-8";
  k.summary = "dense associative memory, E = Legendre(tanh) - N sum_mu F(xi_mu . g / N)";
  k.params = {
      {"interaction", T::choice, 0, 0, 0, false, {"poly", "rectified_poly", "exp"},
       "F(m) = m^n | max(m,0)^n | beta^-1 exp(beta (m - 1)), m = xi . g / N"},
      {"n", T::integer, 3.0, 2.0, 1000.0, false, {}, "interaction power (poly, rectified_poly), whole number >= 2"},
      {"beta", T::number, 10.0, 0.0, 1e300, true, {}, "sharpness of the exp interaction (beta = N: Demircigil's e^{xi.g})"},
      {"gain", T::number, 10.0, 0.0, 1e300, true, {}, "slope of the visible activation g = tanh(gain x)"},
      {"tau", T::number, 1.0, 0.0, 1e300, true, {}, "time constant of the visible neurons"},
      {"form", T::choice, 0, 0, 0, false, {"reduced", "two_layer"},
       "reduced: memory layer integrated out; two_layer: memory layer integrated with tau_hidden"},
      {"tau_hidden", T::number, 0.1, 0.0, 1e300, true, {}, "time constant of the memory neurons (two_layer)"},
  };
  k.build = [](const ModelSpec& s, const Matrix& memories) {
    DenseOptions o;
    const std::string& f = s.word("interaction");
    o.interaction = f == "poly" ? DenseInteraction::poly
                    : f == "rectified_poly" ? DenseInteraction::rectified_poly
                                            : DenseInteraction::exp;
    o.n = s.number("n");
    o.beta = s.number("beta");
    o.gain = s.number("gain");
    o.tau = s.number("tau");
    const bool two_layer = s.word("form") == "two_layer";
    o.tau_hidden = two_layer ? s.number("tau_hidden") : 0.0;
    // With the memory layer integrated, dE/dt = -sum tau xdot^T H xdot needs a PSD hidden Hessian
    // (KH2021 eq. 6); h^n with odd n is not convex. Reduced, only the visible Hessian enters.
    if (two_layer && o.interaction == DenseInteraction::poly && std::fmod(o.n, 2.0) != 0.0)
      throw ParamError("form", "two_layer needs a convex hidden Lagrangian; interaction 'poly' with odd n = " +
                                   std::to_string(static_cast<int>(o.n)) +
                                   " is not (use form = \"reduced\" or interaction = \"rectified_poly\")");
    return Model{s, memories, dense_associative_memory(memories, o)};
  };
  k.memories_are_fixed_points = true;  // at the conformance suite's low load (see docs/models/dense.md)
  return k;
}

}  // namespace mnemo::models

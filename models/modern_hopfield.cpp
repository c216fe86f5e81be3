#include "mnemo/models/modern_hopfield.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mnemo::models {

Network modern_hopfield(const Matrix& memories, double beta, double tau, double tau_hidden) {
  return modern_hopfield(memories, Separation::softmax, beta, 2.0, tau, tau_hidden);
}

Network modern_hopfield(const Matrix& memories, Separation separation, double beta, double n, double tau,
                        double tau_hidden) {
  Layer v{"feature", memories.cols(), tau, Identity{}, {}};
  Layer h{"memory", memories.rows(), tau_hidden, Softmax{beta}, {}};
  if (separation == Separation::rectified_norm) h.lagrangian = RectifiedNorm{n};
  // One copy of the memories (an initializer list would copy them twice: K x N can be GBs).
  std::vector<Synapse> synapses(1);
  synapses[0] = Synapse{0, 1, memories};
  return Network({v, h}, std::move(synapses), 0);
}

Vector one_step_update(const Matrix& memories, double beta, const Vector& v) {
  Vector p(memories.rows());
  Softmax{beta}.activation(memories * v, p);
  return memories.transpose() * p;
}

double separation(const Matrix& memories, Eigen::Index i) {
  const Vector overlaps = memories * memories.row(i).transpose();
  double others = -std::numeric_limits<double>::infinity();
  for (Eigen::Index j = 0; j < overlaps.size(); ++j)
    if (j != i) others = std::max(others, overlaps[j]);
  return overlaps[i] - others;
}

double lambert_w0(double x) {
  if (!(x >= -1.0 / std::exp(1.0))) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0.0) return 0.0;
  // Start: log(1 + x) for moderate x, log x - log log x for large x; then Halley's iteration
  // on f(w) = w e^w - x (Corless et al. 1996, eq. 5.9).
  double w = x < 3.0 ? std::log1p(x) : std::log(x) - std::log(std::log(x));
  const double q = 1.0 + std::exp(1.0) * x;  // distance from the branch point x = -1/e
  if (q <= 1e-15) return -1.0;
  if (x < -0.25) w = -1.0 + std::sqrt(2.0 * q);  // branch point series
  for (int it = 0; it < 64; ++it) {
    const double e = std::exp(w);
    const double f = w * e - x;
    const double step = f / (e * (w + 1.0) - (w + 2.0) * f / (2.0 * w + 2.0));
    w -= step;
    if (std::abs(step) <= 1e-15 * (1.0 + std::abs(w))) break;
  }
  return w;
}

StorageConstant storage_capacity_constant(double beta, double K, double d, double p) {
  StorageConstant s;
  s.a = 2.0 / (d - 1.0) * (1.0 + std::log(2.0 * beta * K * K * p * (d - 1.0)));
  s.b = 2.0 * K * K * beta / 5.0;
  s.c = s.b / lambert_w0(std::exp(s.a + std::log(s.b)));
  s.patterns = std::sqrt(p) * std::pow(s.c, (d - 1.0) / 4.0);
  return s;
}

void ModernHopfieldFlow::operator()(const Vector& v, Vector& dvdt, double) {
  scores.noalias() = beta * (memories * v);
  scores.array() = (scores.array() - scores.maxCoeff()).exp();
  scores /= scores.sum();
  dvdt.noalias() = memories.transpose() * scores;
  dvdt -= v;
}

double ModernHopfieldFlow::energy(const Vector& v) const {
  const Vector s = beta * (memories * v);
  const double m = s.maxCoeff();
  return 0.5 * v.squaredNorm() - (m + std::log((s.array() - m).exp().sum())) / beta;
}

KindInfo modern_hopfield_kind() {
  using T = ParamSpec::Type;
  KindInfo k;
  k.kind = "modern_hopfield";
  k.reference =
      "Ramsauer et al. 2020 (ICLR 2021), eqs. 2-3; Krotov & Hopfield 2021, model B, eqs. 10 and 16; "
      "rectified_norm separation after Millidge et al. 2022 (ICML)";
  k.summary = "log-sum-exp energy, softmax memory layer (attention); or a rectified-norm separation";
  k.params = {
      {"beta", T::number, 8.0, 0.0, 1e300, true, {}, "inverse temperature of the softmax"},
      {"tau", T::number, 1.0, 0.0, 1e300, true, {}, "time constant of the visible neurons"},
      {"form", T::choice, 0, 0, 0, false, {"reduced", "two_layer"},
       "reduced: hidden layer integrated out; two_layer: hidden layer integrated with tau_hidden"},
      {"tau_hidden", T::number, 0.1, 0.0, 1e300, true, {}, "time constant of the memory neurons (two_layer)"},
      {"separation", T::choice, 0, 0, 0, false, {"softmax", "rectified_norm"},
       "memory-layer Lagrangian: softmax(beta h) | rectified_norm: (max(h,0)/||max(h,0)||_n)^(n-1)"},
      {"n", T::integer, 10.0, 2.0, 1000.0, false, {}, "power of the rectified_norm separation, whole number >= 2"},
  };
  k.build = [](const ModelSpec& s, const Matrix& memories) {
    const double tau_h = s.word("form") == "reduced" ? 0.0 : s.number("tau_hidden");
    const Separation sep = s.word("separation") == "softmax" ? Separation::softmax : Separation::rectified_norm;
    return Model{s, memories,
                 modern_hopfield(memories, sep, s.number("beta"), s.number("n"), s.number("tau"), tau_h)};
  };
  k.memories_are_fixed_points = true;  // at the conformance suite's low load (see docs/models/modern_hopfield.md)
  return k;
}

}  // namespace mnemo::models

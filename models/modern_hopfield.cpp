#include "mnemo/models/modern_hopfield.hpp"

#include <cmath>

namespace mnemo::models {

Network modern_hopfield(const Matrix& memories, double beta, double tau, double tau_hidden) {
  Layer v{"feature", memories.cols(), tau, Identity{}, {}};
  Layer h{"memory", memories.rows(), tau_hidden, Softmax{beta}, {}};
  return Network({v, h}, {Synapse{0, 1, memories}}, 0);
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
  k.reference = "Ramsauer et al. 2020 (ICLR 2021), eqs. 2-3; Krotov & Hopfield 2021, model B, eqs. 10 and 16";
  k.summary = "log-sum-exp energy, softmax memory layer (attention)";
  k.params = {
      {"beta", T::number, 8.0, 0.0, 1e300, true, {}, "inverse temperature of the softmax"},
      {"tau", T::number, 1.0, 0.0, 1e300, true, {}, "time constant of the visible neurons"},
      {"form", T::choice, 0, 0, 0, false, {"reduced", "two_layer"},
       "reduced: hidden layer integrated out; two_layer: hidden layer integrated with tau_hidden"},
      {"tau_hidden", T::number, 0.1, 0.0, 1e300, true, {}, "time constant of the memory neurons (two_layer)"},
  };
  k.build = [](const ModelSpec& s, const Matrix& memories) {
    const double tau_h = s.word("form") == "reduced" ? 0.0 : s.number("tau_hidden");
    return Model{s, memories, modern_hopfield(memories, s.number("beta"), s.number("tau"), tau_h)};
  };
  return k;
}

}  // namespace mnemo::models

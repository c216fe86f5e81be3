#include "mnemo/models/classical_hopfield.hpp"

namespace mnemo::models {

Matrix hebbian_weights(const Matrix& X) {
  Matrix W = X.transpose() * X / static_cast<double>(X.cols());
  W.diagonal().setZero();
  return W;
}

Network classical_hopfield(const Matrix& memories, double gain, double tau) {
  const Eigen::Index N = memories.cols();
  Layer u{"feature", N, tau, LogCosh{gain}, {}};
  return Network({u}, {Synapse{0, 0, hebbian_weights(memories)}}, 0);
}

KindInfo classical_hopfield_kind() {
  using T = ParamSpec::Type;
  KindInfo k;
  k.kind = "classical_hopfield";
  k.reference = "Hopfield 1984 (PNAS 81:3088), eqs. 5 and 7; Hebbian rule of Hopfield 1982";
  k.summary = "continuous Hopfield network, tanh neurons, Hebbian weights";
  k.params = {
      {"gain", T::number, 10.0, 0.0, 1e300, true, {}, "slope of the tanh activation g(u) = tanh(gain u)"},
      {"tau", T::number, 1.0, 0.0, 1e300, true, {}, "time constant of the neurons"},
      {"rule", T::choice, 0, 0, 0, false, {"hebbian"}, "learning rule for W"},
  };
  k.build = [](const ModelSpec& s, const Matrix& memories) {
    return Model{s, memories, classical_hopfield(memories, s.number("gain"), s.number("tau"))};
  };
  return k;
}

}  // namespace mnemo::models

#include "mnemo/models/classical_hopfield.hpp"

#include <Eigen/QR>

namespace mnemo::models {

Matrix hebbian_weights(const Matrix& X) {
  Matrix W = X.transpose() * X / static_cast<double>(X.cols());
  W.diagonal().setZero();
  return W;
}

Matrix pseudo_inverse_weights(const Matrix& X) {
  // Orthonormal basis Q of span{xi_mu} (the column space of X^T) from a rank-revealing QR;
  // W = Q Q^T = X^T (X X^T)^+ X also when the patterns are dependent or K >= N.
  const Eigen::ColPivHouseholderQR<Matrix> qr(X.transpose());
  const Eigen::Index r = qr.rank();
  const Matrix Q = Matrix(qr.householderQ()).leftCols(r);
  Matrix W = Q * Q.transpose();
  return 0.5 * (W + W.transpose());
}

Matrix storkey_weights(const Matrix& X) {
  // Storkey 1997, eq. for W^nu: h_ij = sum_{k != i,j} W_ik xi_k = f_i - W_ii xi_i - W_ij xi_j
  // with f = W xi. Written out, the increment (1/N)[xi_i xi_j - xi_i h_ji - h_ij xi_j] is
  // (1/N)[xi xi^T - xi f'^T - f' xi^T + W o (xi^2 1^T + 1 xi^2^T)] with f' = f - diag(W) o xi
  // (W symmetric) off the diagonal. The diagonal never enters an off-diagonal update.
  const Eigen::Index N = X.cols();
  const double dim = static_cast<double>(N);
  Matrix W = Matrix::Zero(N, N);
  for (Eigen::Index mu = 0; mu < X.rows(); ++mu) {
    const Vector xi = X.row(mu).transpose();
    const Vector f = W * xi - W.diagonal().cwiseProduct(xi);
    const Vector xi2 = xi.cwiseAbs2();
    Matrix dW = xi * xi.transpose() - xi * f.transpose() - f * xi.transpose();
    dW.array() += W.array().colwise() * xi2.array();
    dW.array() += W.array().rowwise() * xi2.transpose().array();
    dW.diagonal() = xi2 - 2.0 * xi.cwiseProduct(f);  // i = j: h_ii = f'_i (k = i excluded once)
    W += dW / dim;
  }
  return 0.5 * (W + W.transpose());
}

Matrix learning_rule_weights(const Matrix& X, LearningRule rule, bool self_coupling) {
  Matrix W;
  switch (rule) {
    case LearningRule::hebbian: W = X.transpose() * X / static_cast<double>(X.cols()); break;
    case LearningRule::pseudo_inverse: W = pseudo_inverse_weights(X); break;
    case LearningRule::storkey: W = storkey_weights(X); break;
  }
  if (!self_coupling) W.diagonal().setZero();
  return W;
}

Network classical_hopfield(const Matrix& memories, double gain, double tau) {
  ClassicalOptions o;
  o.gain = gain;
  o.tau = tau;
  return classical_hopfield(memories, o);
}

Network classical_hopfield(const Matrix& memories, const ClassicalOptions& o) {
  const Eigen::Index N = memories.cols();
  Layer u{"feature", N, o.tau, LogCosh{o.gain}, o.input};
  return Network({u}, {Synapse{0, 0, learning_rule_weights(memories, o.rule, o.self_coupling)}}, 0);
}

KindInfo classical_hopfield_kind() {
  using T = ParamSpec::Type;
  KindInfo k;
  k.kind = "classical_hopfield";
  k.reference =
      "Hopfield 1984 (PNAS 81:3088), eqs. 5 and 7; rules: Hopfield 1982 (hebbian), Personnaz et al. 1985 / "
      "Kanter & Sompolinsky 1987 (pseudo_inverse), Storkey 1997 (storkey)";
  k.summary = "continuous Hopfield network, tanh neurons, Hebbian / pseudo-inverse / Storkey weights";
  k.params = {
      {"gain", T::number, 10.0, 0.0, 1e300, true, {}, "slope of the tanh activation g(u) = tanh(gain u)"},
      {"tau", T::number, 1.0, 0.0, 1e300, true, {}, "time constant of the neurons"},
      {"rule", T::choice, 0, 0, 0, false, {"hebbian", "pseudo_inverse", "storkey"}, "learning rule for W"},
      {"self_coupling", T::choice, 0, 0, 0, false, {"zero", "keep"},
       "zero: W_ii = 0 (Hopfield 1982); keep: the diagonal the rule produces"},
      {"input", T::choice, 0, 0, 0, false, {"none", "uniform", "memory"},
       "constant external input b: none | uniform (b_i = input_strength) | memory (b = input_strength xi_k, "
       "k = input_memory)"},
      {"input_strength", T::number, 0.1, -1e300, 1e300, false, {}, "size of the external input"},
      {"input_memory", T::integer, 0.0, 0.0, 1e300, false, {}, "row of the memory the 'memory' input points to"},
  };
  k.build = [](const ModelSpec& s, const Matrix& memories) {
    ClassicalOptions o;
    o.gain = s.number("gain");
    o.tau = s.number("tau");
    const std::string& rule = s.word("rule");
    o.rule = rule == "hebbian" ? LearningRule::hebbian
             : rule == "pseudo_inverse" ? LearningRule::pseudo_inverse
                                        : LearningRule::storkey;
    o.self_coupling = s.word("self_coupling") == "keep";
    const std::string& input = s.word("input");
    const double h = s.number("input_strength");
    if (input == "uniform") {
      o.input = Vector::Constant(memories.cols(), h);
    } else if (input == "memory") {
      const double k = s.number("input_memory");
      if (k >= static_cast<double>(memories.rows()))
        throw ParamError("input_memory", "must be < the number of memories (" + std::to_string(memories.rows()) +
                                             "), got " + std::to_string(static_cast<long long>(k)));
      o.input = h * memories.row(static_cast<Eigen::Index>(k)).transpose();
    }
    return Model{s, memories, classical_hopfield(memories, o)};
  };
  return k;
}

}  // namespace mnemo::models

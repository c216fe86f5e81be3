#include "mnemo/analysis/operators.hpp"

#include <variant>

namespace mnemo::analysis {

Linearisation::Linearisation(const models::Network& net, const Vector& s)
    : network_(&net), state_(s), ws_(net.workspace()) {
  const Eigen::Index n = net.state_size();
  velocity_.resize(n);
  net.rhs(state_, velocity_, ws_);  // leaves ws_ evaluated at s
  tau_.resize(n);
  for (int i = 0; i < static_cast<int>(net.layers().size()); ++i)
    if (net.is_integrated(i)) tau_.segment(net.offset(i), net.layers()[i].size).setConstant(net.layers()[i].tau);
  residual_ = -(tau_.array() * velocity_.array()).matrix();
  scratch_.resize(n);
  scratch2_.resize(n);
}

// ws_.dinput[layer] = sum over the synapses touching `layer` of W dg (the linearised input).
void Linearisation::synapse_derivative(int layer) const {
  Vector& d = ws_.dinput[layer];
  d.setZero();
  for (const models::Synapse& S : network_->synapses()) {
    if (S.to == layer) d.noalias() += S.weights * ws_.dg[S.from];
    if (S.from == layer && S.from != S.to) d.noalias() += S.weights.transpose() * ws_.dg[S.to];
  }
}

void Linearisation::lagrangian_hessian(VectorCRef v, VectorRef out) const {
  const auto& layers = network_->layers();
  for (int i = 0; i < static_cast<int>(layers.size()); ++i) {
    if (!network_->is_integrated(i)) continue;
    const Eigen::Index o = network_->offset(i), m = layers[i].size;
    models::hessian_vector(layers[i].lagrangian, ws_.x[i], v.segment(o, m), out.segment(o, m));
  }
}

// The same order as Network::jacobian_vector: integrated activations, then the instantaneous
// layers they drive (whose own Hessians enter here), then the inputs of the integrated layers.
void Linearisation::input_derivative(VectorCRef u, VectorRef out) const {
  const auto& layers = network_->layers();
  const int n = static_cast<int>(layers.size());
  for (int i = 0; i < n; ++i)
    if (network_->is_integrated(i)) ws_.dg[i] = u.segment(network_->offset(i), layers[i].size);
  for (int i = 0; i < n; ++i) {
    if (network_->is_integrated(i)) continue;
    synapse_derivative(i);
    models::hessian_vector(layers[i].lagrangian, ws_.x[i], ws_.dinput[i], ws_.dg[i]);
  }
  for (int i = 0; i < n; ++i)
    if (network_->is_integrated(i)) synapse_derivative(i);
  for (const auto& c : network_->couplings()) c->add_input_derivative(ws_.g, ws_.dg, ws_.dinput);
  for (int i = 0; i < n; ++i)
    if (network_->is_integrated(i)) out.segment(network_->offset(i), layers[i].size) = ws_.dinput[i];
}

void Linearisation::jacobian(VectorCRef v, VectorRef out) const {
  lagrangian_hessian(v, scratch_);
  input_derivative(scratch_, out);
  out = (out - v).cwiseQuotient(tau_);
}

void Linearisation::jacobian_transpose(VectorCRef v, VectorRef out) const {
  scratch2_ = v.cwiseQuotient(tau_);
  input_derivative(scratch2_, scratch_);
  lagrangian_hessian(scratch_, out);
  out -= scratch2_;
}

void Linearisation::energy_hessian(VectorCRef v, VectorRef out, bool third_order) const {
  // H (v - M H v)
  lagrangian_hessian(v, scratch_);
  input_derivative(scratch_, scratch2_);
  scratch2_ = v - scratch2_;
  lagrangian_hessian(scratch2_, out);
  if (!third_order) return;
  // + H'[v] r by a central difference of the Lagrangian Hessian (header comment for accuracy).
  const auto& layers = network_->layers();
  for (int i = 0; i < static_cast<int>(layers.size()); ++i) {
    if (!network_->is_integrated(i) || std::holds_alternative<models::Identity>(layers[i].lagrangian)) continue;
    const Eigen::Index o = network_->offset(i), m = layers[i].size;
    const auto vi = v.segment(o, m);
    const auto ri = residual_.segment(o, m);
    const double vmax = vi.cwiseAbs().maxCoeff();
    if (vmax == 0.0 || ri.cwiseAbs().maxCoeff() == 0.0) continue;
    const Vector& x = ws_.x[i];
    const double eps = 6e-6 * (1.0 + x.cwiseAbs().maxCoeff()) / vmax;  // ~ cbrt(machine epsilon)
    Vector plus(m), minus(m);
    const Vector xp = x + eps * vi, xm = x - eps * vi;
    models::hessian_vector(layers[i].lagrangian, xp, ri, plus);
    models::hessian_vector(layers[i].lagrangian, xm, ri, minus);
    out.segment(o, m) += (plus - minus) / (2.0 * eps);
  }
}

Matrix dense_jacobian(const models::Network& network, const Vector& state) {
  return dense(JacobianOp(std::make_shared<Linearisation>(network, state)));
}

Matrix dense_hessian(const models::Network& network, const Vector& state, bool third_order) {
  const Matrix A = dense(EnergyHessianOp(std::make_shared<Linearisation>(network, state), third_order));
  return 0.5 * (A + A.transpose());
}

}  // namespace mnemo::analysis

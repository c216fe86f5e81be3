#include "mnemo/models/network.hpp"

#include <stdexcept>

namespace mnemo::models {

Network::Network(std::vector<Layer> layers, std::vector<Synapse> synapses, int feature_layer,
                 std::vector<std::shared_ptr<const Coupling>> couplings)
    : layers_(std::move(layers)), synapses_(std::move(synapses)), couplings_(std::move(couplings)),
      feature_layer_(feature_layer) {
  const int n = static_cast<int>(layers_.size());
  if (n == 0) throw std::invalid_argument("a network needs at least one layer");
  if (feature_layer_ < 0 || feature_layer_ >= n)
    throw std::invalid_argument("feature layer index out of range");
  offsets_.assign(n, -1);
  for (int i = 0; i < n; ++i) {
    const Layer& L = layers_[i];
    if (L.size < 1) throw std::invalid_argument("layer '" + L.name + "': size must be >= 1");
    if (!(L.tau >= 0.0)) throw std::invalid_argument("layer '" + L.name + "': tau must be >= 0");
    if (L.bias.size() != 0 && L.bias.size() != L.size)
      throw std::invalid_argument("layer '" + L.name + "': bias has " + std::to_string(L.bias.size()) +
                                  " entries, the layer has " + std::to_string(L.size));
    if (L.tau > 0.0) {
      offsets_[i] = state_size_;
      state_size_ += L.size;
    }
  }
  if (!is_integrated(feature_layer_))
    throw std::invalid_argument("the feature layer must be integrated (tau > 0)");
  for (std::size_t k = 0; k < synapses_.size(); ++k) {
    const Synapse& S = synapses_[k];
    if (S.from < 0 || S.from >= n || S.to < 0 || S.to >= n)
      throw std::invalid_argument("synapse " + std::to_string(k) + ": layer index out of range");
    const Layer& a = layers_[S.from];
    const Layer& b = layers_[S.to];
    if (S.weights.rows() != b.size || S.weights.cols() != a.size)
      throw std::invalid_argument("synapse " + std::to_string(k) + " (" + a.name + " -> " + b.name +
                                  "): weights are " + std::to_string(S.weights.rows()) + "x" +
                                  std::to_string(S.weights.cols()) + ", the layers need " +
                                  std::to_string(b.size) + "x" + std::to_string(a.size));
    if (!is_integrated(S.from) && !is_integrated(S.to))
      throw std::invalid_argument("synapse " + std::to_string(k) +
                                  ": two instantaneous layers may not be joined");
    if (S.from == S.to) {
      if (!is_integrated(S.from))
        throw std::invalid_argument("synapse " + std::to_string(k) +
                                    ": an instantaneous layer may not couple to itself");
      if (!S.weights.isApprox(S.weights.transpose(), 1e-12))
        throw std::invalid_argument("synapse " + std::to_string(k) + " (" + a.name +
                                    "): a self-synapse must be symmetric to have an energy");
    }
  }
  for (const auto& c : couplings_) {
    if (!c) throw std::invalid_argument("null coupling");
    for (int l : c->layers())
      if (l < 0 || l >= n || !is_integrated(l))
        throw std::invalid_argument("coupling '" + c->describe() + "' must read integrated layers only");
  }
}

Network::Workspace Network::workspace() const {
  Workspace ws;
  for (const Layer& L : layers_) {
    for (auto* v : {&ws.x, &ws.g, &ws.input, &ws.tmp, &ws.dx, &ws.dg, &ws.dinput}) v->emplace_back(Vector::Zero(L.size));
  }
  return ws;
}

// I_i = sum over synapses touching layer i of W g_from (or W^T g_to for the other end).
void Network::synaptic_input(int layer, Workspace& ws) const {
  Vector& in = ws.input[layer];
  in.setZero();
  for (const Synapse& S : synapses_) {
    if (S.to == layer) in.noalias() += S.weights * ws.g[S.from];
    if (S.from == layer && S.from != S.to) in.noalias() += S.weights.transpose() * ws.g[S.to];
  }
}

void Network::evaluate(VectorCRef s, Workspace& ws) const {
  const int n = static_cast<int>(layers_.size());
  for (int i = 0; i < n; ++i) {
    if (!is_integrated(i)) continue;
    ws.x[i] = s.segment(offsets_[i], layers_[i].size);
    activation(layers_[i].lagrangian, ws.x[i], ws.g[i]);
  }
  // Instantaneous layers sit at their fixed point x_h = I_h + b_h (their inputs come only from
  // integrated layers, so one pass suffices).
  for (int i = 0; i < n; ++i) {
    if (is_integrated(i)) continue;
    synaptic_input(i, ws);
    ws.x[i] = ws.input[i];
    if (layers_[i].bias.size()) ws.x[i] += layers_[i].bias;
    activation(layers_[i].lagrangian, ws.x[i], ws.g[i]);
  }
  for (int i = 0; i < n; ++i)
    if (is_integrated(i)) synaptic_input(i, ws);
  for (const auto& c : couplings_) c->add_input(ws.g, ws.input);
}

void Network::rhs(VectorCRef s, VectorRef dsdt, Workspace& ws) const {
  evaluate(s, ws);
  for (int i = 0; i < static_cast<int>(layers_.size()); ++i) {
    if (!is_integrated(i)) continue;
    const Layer& L = layers_[i];
    auto d = dsdt.segment(offsets_[i], L.size);
    d = ws.input[i] - ws.x[i];
    if (L.bias.size()) d += L.bias;
    d /= L.tau;
  }
}

double Network::energy(VectorCRef s, Workspace& ws) const {
  evaluate(s, ws);
  double E = 0.0;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const Layer& L = layers_[i];
    E += legendre(L.lagrangian, ws.x[i], ws.g[i]);
    if (L.bias.size()) E -= L.bias.dot(ws.g[i]);
  }
  for (const Synapse& S : synapses_) {
    const double coupling = ws.g[S.to].dot(S.weights * ws.g[S.from]);
    E -= (S.from == S.to) ? 0.5 * coupling : coupling;
  }
  for (const auto& c : couplings_) E += c->energy(ws.g);
  return E;
}

void Network::energy_gradient(VectorCRef s, VectorRef grad, Workspace& ws) const {
  evaluate(s, ws);
  for (int i = 0; i < static_cast<int>(layers_.size()); ++i) {
    if (!is_integrated(i)) continue;
    const Layer& L = layers_[i];
    ws.tmp[i] = ws.x[i] - ws.input[i];
    if (L.bias.size()) ws.tmp[i] -= L.bias;
    hessian_vector(L.lagrangian, ws.x[i], ws.tmp[i], grad.segment(offsets_[i], L.size));
  }
}

double Network::energy_rate(VectorCRef s, Workspace& ws) const {
  evaluate(s, ws);
  double rate = 0.0;
  for (int i = 0; i < static_cast<int>(layers_.size()); ++i) {
    if (!is_integrated(i)) continue;
    const Layer& L = layers_[i];
    Vector xdot = (ws.input[i] - ws.x[i]) / L.tau;
    if (L.bias.size()) xdot += L.bias / L.tau;
    hessian_vector(L.lagrangian, ws.x[i], xdot, ws.tmp[i]);
    rate -= L.tau * xdot.dot(ws.tmp[i]);
  }
  return rate;
}

void Network::jacobian_vector(VectorCRef s, VectorCRef v, VectorRef out, Workspace& ws) const {
  evaluate(s, ws);
  const int n = static_cast<int>(layers_.size());
  // Linearise the same evaluation order: integrated layers, then instantaneous ones, then inputs.
  for (int i = 0; i < n; ++i) {
    if (!is_integrated(i)) continue;
    ws.dx[i] = v.segment(offsets_[i], layers_[i].size);
    hessian_vector(layers_[i].lagrangian, ws.x[i], ws.dx[i], ws.dg[i]);
  }
  auto dinput = [&](int layer) {
    Vector& d = ws.dinput[layer];
    d.setZero();
    for (const Synapse& S : synapses_) {
      if (S.to == layer) d.noalias() += S.weights * ws.dg[S.from];
      if (S.from == layer && S.from != S.to) d.noalias() += S.weights.transpose() * ws.dg[S.to];
    }
  };
  for (int i = 0; i < n; ++i) {
    if (is_integrated(i)) continue;
    dinput(i);
    ws.dx[i] = ws.dinput[i];
    hessian_vector(layers_[i].lagrangian, ws.x[i], ws.dx[i], ws.dg[i]);
  }
  for (int i = 0; i < n; ++i)
    if (is_integrated(i)) dinput(i);
  for (const auto& c : couplings_) c->add_input_derivative(ws.g, ws.dg, ws.dinput);
  for (int i = 0; i < n; ++i) {
    if (!is_integrated(i)) continue;
    out.segment(offsets_[i], layers_[i].size) = (ws.dinput[i] - ws.dx[i]) / layers_[i].tau;
  }
}

void Network::readout(VectorCRef s, VectorRef out, Workspace& ws) const {
  const Layer& L = layers_[feature_layer_];
  ws.x[feature_layer_] = s.segment(offsets_[feature_layer_], L.size);
  activation(L.lagrangian, ws.x[feature_layer_], out);
}

}  // namespace mnemo::models

#pragma once
// An energy network as composed data (HAMUX; Krotov & Hopfield 2021 Sec. 2; Krotov 2021,
// "Hierarchical associative memory"): layers (Lagrangian, size, time constant, bias) joined by
// dense synapses. Everything else follows from that definition:
//
//   E = sum_layers [ x_i^T g_i - L_i(x_i) - b_i^T g_i ]  -  sum_synapses g_to^T W g_from
//       + sum_couplings E_c(g)
//       (a self-synapse, from == to, counts 1/2 g^T W g with W symmetric)
//   tau_i dx_i/dt = -dE/dg_i = I_i(g) + b_i - x_i,   I_i = the synaptic input to layer i
//   dE/dx_i = H_i (x_i - I_i - b_i),   so   dE/dt = -sum_i tau_i xdot_i^T H_i xdot_i <= 0
//   whenever every Hessian H_i = d^2 L_i is PSD (KH2021 eq. 6).
//
// A layer with tau = 0 is *instantaneous*: it is not integrated, its state is its input
// (x_h = I_h + b_h), and the energy evaluated there is the reduced energy with that layer
// integrated out (e.g. a softmax hidden layer gives -beta^-1 lse(beta X v), KH2021 eq. 16).
// Instantaneous layers may only be joined to integrated layers.
#include <memory>
#include <string>
#include <vector>

#include "mnemo/models/lagrangian.hpp"

namespace mnemo::models {

struct Layer {
  std::string name;
  Eigen::Index size = 0;
  double tau = 1.0;  // 0: instantaneous (integrated out)
  Lagrangian lagrangian = Identity{};
  Vector bias;  // empty: no external input
};

struct Synapse {
  int from = 0;    // layer index
  int to = 0;      // layer index; from == to: symmetric self-coupling
  Matrix weights;  // size(to) x size(from)
};

// Any other energy term on the activations of integrated layers, E_c(g): random-feature
// memories (DrDAM), predictive-coding errors, ... Its input to layer i is -dE_c/dg_i.
// Implementations must be thread-safe (const, no shared scratch).
class Coupling {
 public:
  virtual ~Coupling() = default;
  virtual std::vector<int> layers() const = 0;  // layer indices whose activations it reads
  virtual double energy(const std::vector<Vector>& g) const = 0;
  // inputs[i] += -dE_c/dg_i for every layer it reads.
  virtual void add_input(const std::vector<Vector>& g, std::vector<Vector>& inputs) const = 0;
  // dinputs[i] += (d/de) [-dE_c/dg_i](g + e dg) at e = 0: for Jacobian-vector products.
  virtual void add_input_derivative(const std::vector<Vector>& g, const std::vector<Vector>& dg,
                                    std::vector<Vector>& dinputs) const = 0;
  virtual std::string describe() const = 0;
};

class Network {
 public:
  // Scratch buffers for one thread: no allocation inside rhs() / energy().
  struct Workspace {
    std::vector<Vector> x, g, input, tmp, dx, dg, dinput;
  };

  Network(std::vector<Layer> layers, std::vector<Synapse> synapses, int feature_layer = 0,
          std::vector<std::shared_ptr<const Coupling>> couplings = {});

  const std::vector<Layer>& layers() const { return layers_; }
  const std::vector<Synapse>& synapses() const { return synapses_; }
  const std::vector<std::shared_ptr<const Coupling>>& couplings() const { return couplings_; }
  int feature_layer() const { return feature_layer_; }

  // The integrated state s stacks the states of the layers with tau > 0, in layer order.
  Eigen::Index state_size() const { return state_size_; }
  bool is_integrated(int layer) const { return layers_[layer].tau > 0.0; }
  // Offset of an integrated layer's block in s (-1 for an instantaneous layer).
  Eigen::Index offset(int layer) const { return offsets_[layer]; }

  Workspace workspace() const;

  // Fills ws.x, ws.g and ws.input for every layer from the integrated state s.
  void evaluate(VectorCRef s, Workspace& ws) const;

  // ds/dt = T^-1 (I + b - x) for the integrated layers.
  void rhs(VectorCRef s, VectorRef dsdt, Workspace& ws) const;
  double energy(VectorCRef s, Workspace& ws) const;
  // dE/ds per integrated layer: H_i (x_i - I_i - b_i).
  void energy_gradient(VectorCRef s, VectorRef grad, Workspace& ws) const;
  // Analytic dE/dt = -sum_i tau_i xdot_i^T H_i xdot_i along the flow (KH2021 eq. 6).
  double energy_rate(VectorCRef s, Workspace& ws) const;
  // J v with J = d(ds/dt)/ds, without forming J (for Spectra and Newton-Krylov).
  void jacobian_vector(VectorCRef s, VectorCRef v, VectorRef out, Workspace& ws) const;
  // The compared state: the activation g of the feature layer.
  void readout(VectorCRef s, VectorRef out, Workspace& ws) const;
  Eigen::Index readout_size() const { return layers_[feature_layer_].size; }

 private:
  void synaptic_input(int layer, Workspace& ws) const;

  std::vector<Layer> layers_;
  std::vector<Synapse> synapses_;
  std::vector<std::shared_ptr<const Coupling>> couplings_;
  int feature_layer_ = 0;
  std::vector<Eigen::Index> offsets_;
  Eigen::Index state_size_ = 0;
};

// The network as odeint's plain callable sys(x, dxdt, t): models/ hands this to dynamics/,
// which knows nothing of networks. Each thread holds its own copy (its own workspace).
struct GradientFlow {
  const Network* network = nullptr;
  Network::Workspace ws;

  explicit GradientFlow(const Network& net) : network(&net), ws(net.workspace()) {}
  void operator()(const Vector& s, Vector& dsdt, double /*t*/) { network->rhs(s, dsdt, ws); }
};

}  // namespace mnemo::models

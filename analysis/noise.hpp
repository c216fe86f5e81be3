#pragma once
// Noise on the neurons of a network (issue 7): which components of the integrated state get white
// noise, and how strong, from the layer-level choice a config makes ([noise] kind and layers).
//
//   additive:       dx_i = f_i dt + sigma dW_i                 on the state of each chosen layer
//   multiplicative: dx_i = f_i dt + sigma x_i dW_i             (Itô with euler_maruyama,
//                                                              Stratonovich with heun)
//   input:          tau_i dx_i = (I_i + b_i - x_i) dt + sigma dW_i, noise on the synaptic input of
//                   the neuron, i.e. state noise sigma / tau_i: the continuous-time form of the
//                   "internal computation" noise of Karbasi et al. (NIPS 2013), added to what a
//                   neuron computes before its nonlinearity acts on it.
//
// Chosen layers: `layers` by name, default every integrated layer. A layer integrated out (tau = 0)
// cannot carry white noise (its state would be white noise itself), so naming one is an error.
#include <stdexcept>
#include <string>

#include "mnemo/dynamics/ensemble.hpp"
#include "mnemo/models/network.hpp"

namespace mnemo::analysis {

// Thrown for a layer name the network does not have or a layer that is not integrated; `what()` is
// the reason, for the key 'noise.layers'.
struct NoiseLayerError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// Per-component weights on sigma over the integrated state s of `net` (1 or 1/tau on chosen layers,
// 0 elsewhere). Throws NoiseLayerError.
Eigen::VectorXd noise_weights(const models::Network& net, const dynamics::NoiseOptions& noise);

// The options with `noise.weights` filled in for `net` (unchanged when noise is off or a general
// diffusion is set).
dynamics::IntegrateOptions resolve_noise(const models::Network& net, dynamics::IntegrateOptions options);

}  // namespace mnemo::analysis

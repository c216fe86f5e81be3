#pragma once
// White noise on the state of an ODE system: the Itô or Stratonovich SDE
//
//   dx = f(x, t) dt + G(x, t) dW,     G diagonal, W a D-dimensional Wiener process,
//
// integrated with a fixed step by Euler-Maruyama (Itô) or stochastic Heun (Stratonovich); see
// stochastic.hpp for the steppers and counter_rng.hpp for where the increments come from. This
// header is light (no Boost) because IntegrateOptions carries a NoiseOptions.
#include <Eigen/Dense>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mnemo::dynamics {

enum class StochasticMethod {
  euler_maruyama,  // Itô, strong order 1/2 (1 for additive noise), weak order 1 (Kloeden & Platen 1992, 10.2)
  heun,            // Stratonovich, predictor-corrector; strong order 1 for commuting (e.g. diagonal) noise
};
std::optional<StochasticMethod> parse_stochastic_method(const std::string& name);
std::string to_string(StochasticMethod m);
std::vector<std::string> stochastic_method_names();

// What G is. `input` is noise on the synaptic input I of a layer, tau dx = (I + b - x) dt + sigma dW,
// i.e. additive state noise of strength sigma / tau: the caller that knows the layers turns it into
// per-component weights (analysis::resolve_noise); to the steppers it is additive.
enum class NoiseKind {
  additive,        // g_j = sigma w_j
  multiplicative,  // g_j = sigma w_j x_j
  input,           // g_j = sigma w_j, w_j = 1 / tau of the component's layer
};
std::optional<NoiseKind> parse_noise_kind(const std::string& name);
std::string to_string(NoiseKind k);
std::vector<std::string> noise_kind_names();

using DiagonalFunction = std::function<void(const Eigen::VectorXd& x, double t, Eigen::VectorXd& g)>;

struct NoiseOptions {
  bool enabled = false;  // false: deterministic, every other field ignored
  double sigma = 0.0;
  NoiseKind kind = NoiseKind::additive;
  StochasticMethod method = StochasticMethod::euler_maruyama;
  // Key of the counter-based generator; the increment of component j of trajectory b in step k is
  // a function of (seed, b, k, j) alone, so bits do not depend on threads or scheduling.
  std::uint64_t seed = 0;
  // Index of this ensemble's first trajectory in the whole run: trajectory b of a part of a larger
  // ensemble (one batch of `mpirun mnemo run`) draws the stream of trajectory first_trajectory + b.
  std::uint64_t first_trajectory = 0;
  // Per-component factors on sigma (empty: 1 everywhere). Components with weight 0 get no noise.
  Eigen::VectorXd weights;
  // Names of the layers that get noise (empty: every integrated layer). Read only by
  // analysis::resolve_noise, which fills `weights`; dynamics never looks at it.
  std::vector<std::string> layers;
  // A general diagonal diffusion g(x, t); when set it replaces sigma, kind and weights.
  DiagonalFunction diffusion;
};

}  // namespace mnemo::dynamics

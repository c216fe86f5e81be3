#include "mnemo/dynamics/noise.hpp"

namespace mnemo::dynamics {
namespace {
constexpr StochasticMethod all_methods[] = {StochasticMethod::euler_maruyama, StochasticMethod::heun};
constexpr NoiseKind all_kinds[] = {NoiseKind::additive, NoiseKind::multiplicative, NoiseKind::input};
}  // namespace

std::string to_string(StochasticMethod m) {
  switch (m) {
    case StochasticMethod::euler_maruyama: return "euler_maruyama";
    case StochasticMethod::heun: return "heun";
  }
  return "?";
}

std::optional<StochasticMethod> parse_stochastic_method(const std::string& name) {
  for (StochasticMethod m : all_methods)
    if (to_string(m) == name) return m;
  return std::nullopt;
}

std::vector<std::string> stochastic_method_names() {
  std::vector<std::string> out;
  for (StochasticMethod m : all_methods) out.push_back(to_string(m));
  return out;
}

std::string to_string(NoiseKind k) {
  switch (k) {
    case NoiseKind::additive: return "additive";
    case NoiseKind::multiplicative: return "multiplicative";
    case NoiseKind::input: return "input";
  }
  return "?";
}

std::optional<NoiseKind> parse_noise_kind(const std::string& name) {
  for (NoiseKind k : all_kinds)
    if (to_string(k) == name) return k;
  return std::nullopt;
}

std::vector<std::string> noise_kind_names() {
  std::vector<std::string> out;
  for (NoiseKind k : all_kinds) out.push_back(to_string(k));
  return out;
}

}  // namespace mnemo::dynamics

#include "mnemo/analysis/noise.hpp"

#include <algorithm>


namespace mnemo::analysis {

Eigen::VectorXd noise_weights(const models::Network& net, const dynamics::NoiseOptions& noise) {
  const auto& layers = net.layers();
  std::string known;
  for (const auto& L : layers) known += (known.empty() ? "" : ", ") + L.name;
  for (const std::string& name : noise.layers) {
    const auto it = std::find_if(layers.begin(), layers.end(), [&](const models::Layer& L) { return L.name == name; });
    if (it == layers.end()) throw NoiseLayerError("no layer '" + name + "' in this model (layers: " + known + ")");
    if (!(it->tau > 0.0))
      throw NoiseLayerError("layer '" + name + "' is integrated out (tau = 0) and cannot carry white noise");
  }
  Eigen::VectorXd w = Eigen::VectorXd::Zero(net.state_size());
  for (int i = 0; i < static_cast<int>(layers.size()); ++i) {
    if (!net.is_integrated(i)) continue;
    const bool chosen = noise.layers.empty() ||
                        std::find(noise.layers.begin(), noise.layers.end(), layers[i].name) != noise.layers.end();
    if (!chosen) continue;
    const double factor = noise.kind == dynamics::NoiseKind::input ? 1.0 / layers[i].tau : 1.0;
    w.segment(net.offset(i), layers[i].size).setConstant(factor);
  }
  return w;
}

dynamics::IntegrateOptions resolve_noise(const models::Network& net, dynamics::IntegrateOptions o) {
  if (o.noise.enabled && !o.noise.diffusion) o.noise.weights = noise_weights(net, o.noise);
  return o;
}

}  // namespace mnemo::analysis

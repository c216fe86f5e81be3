#include "pipeline.hpp"

#include "mnemo/analysis/noise.hpp"
#include "mnemo/io/input_error.hpp"

namespace mnemo::cli {

Prepared prepare(io::RunConfig cfg) {
  io::Memories mem = io::load_memories(cfg.memories, cfg.seed, cfg.file);
  models::Model model = [&] {
    try {
      return models::build_model(cfg.model, mem.patterns);
    } catch (const models::ParamError& e) {
      throw io::InputError(cfg.file + ": key 'model." + e.key + "': " + e.what());
    } catch (const std::invalid_argument& e) {
      throw io::InputError(cfg.file + ": [model]: " + e.what());
    }
  }();
  // [noise] layers are names of the model's layers, known only now.
  if (cfg.integrate.noise.enabled) {
    try {
      (void)analysis::noise_weights(model.network, cfg.integrate.noise);
    } catch (const analysis::NoiseLayerError& e) {
      throw io::InputError(cfg.file + ": key 'noise.layers': " + e.what());
    }
  }
  models::Rng rng(cfg.seed, models::stream::queries);
  models::Cues cues = models::make_cues(mem.patterns, cfg.queries.count, cfg.queries.corruption, cfg.queries.level, rng);
  // Refuse runs whose steppers alone would not fit in memory (about 12 state vectors each).
  const double bytes = double(cfg.queries.count) * double(model.network.state_size()) * 8.0 * 14.0;
  if (bytes > 16e9)
    throw io::InputError(cfg.file + ": key 'queries.count': " + std::to_string(cfg.queries.count) +
                         " trajectories of this model need about " + std::to_string(bytes / 1e9) +
                         " GB of integrator state; refusing (lower queries.count)");
  return {std::move(cfg), std::move(mem), std::move(model), std::move(cues)};
}


}  // namespace mnemo::cli

#include "pipeline.hpp"

#include "mnemo/analysis/noise.hpp"
#include "mnemo/io/input_error.hpp"
#include "mnemo/io/memory_budget.hpp"

namespace mnemo::cli {

Prepared prepare(io::RunConfig cfg) {
  if (models::find_discrete_kind(cfg.model.kind)) return prepare_discrete(std::move(cfg));
  if (cfg.memories.source == "model")
    throw io::InputError(cfg.file + ": key 'memories.source': \"model\" is for kinds that generate their own patterns "
                         "(karbasi, savin); kind '" + cfg.model.kind + "' stores patterns from random_binary, "
                         "random_gaussian, fashion_mnist, digits or hdf5");
  // Kinds that learn their memories from labelled images (sequential_dam) train here; the
  // trained patterns then play the part of loaded memories (cues are made from them).
  const models::KindInfo* info = models::find_kind(cfg.model.kind);
  const bool learns = info && info->learn_from_images;
  io::Images images;
  io::Memories mem;
  if (learns) {
    if (cfg.memories.source != "digits" && cfg.memories.source != "fashion_mnist")
      throw io::InputError(cfg.file + ": key 'memories.source': kind '" + cfg.model.kind +
                           "' learns from labelled images: use \"digits\" or \"fashion_mnist\", got '" +
                           cfg.memories.source + "'");
    images = io::load_images(cfg.memories, cfg.file);
  } else {
    mem = io::load_memories(cfg.memories, cfg.seed, cfg.file);
  }
  models::Model model = [&] {
    try {
      if (learns) return info->learn_from_images(models::complete_spec(cfg.model), images.pixels, images.labels,
                                                 cfg.memories.count);
      return models::build_model(cfg.model, mem.patterns);
    } catch (const models::ParamError& e) {
      throw io::InputError(cfg.file + ": key 'model." + e.key + "': " + e.what());
    } catch (const std::invalid_argument& e) {
      throw io::InputError(cfg.file + ": [model]: " + e.what());
    } catch (const std::bad_alloc&) {
      throw io::InputError(cfg.file + ": key 'memories.dim': building a '" + cfg.model.kind + "' model of " +
                           std::to_string(mem.patterns.rows()) + " memories of dimension " +
                           std::to_string(mem.patterns.cols()) + " ran out of memory (this machine has " +
                           io::format_bytes(io::physical_memory_bytes()) + "); refusing");
    }
  }();
  if (learns) {
    if (cfg.memories.dim && cfg.memories.dim != model.memories.cols())
      throw io::InputError(cfg.file + ": key 'memories.dim': is " + std::to_string(cfg.memories.dim) + " but kind '" +
                           cfg.model.kind + "' has " + std::to_string(model.memories.cols()) +
                           " neurons (pixels + label neurons); leave it out");
    mem.patterns = model.memories;
    mem.description = cfg.memories.source + ": " + std::to_string(cfg.memories.count) + " memories learned by kind '" +
                      cfg.model.kind + "' from labelled images (seeded)";
  }
  // [noise] layers are names of the model's layers, known only now.
  if (cfg.integrate.noise.enabled) {
    try {
      (void)analysis::noise_weights(model.network, cfg.integrate.noise);
    } catch (const analysis::NoiseLayerError& e) {
      throw io::InputError(cfg.file + ": key 'noise.layers': " + e.what());
    }
  }
  // Refuse, before allocating anything per trajectory, runs that would not fit in memory: each
  // trajectory holds about 14 state vectors in its stepper and 4 readout rows (cue, saved slice,
  // initial, final).
  const double per_trajectory = 8.0 * (14.0 * double(model.network.state_size()) + 4.0 * double(model.network.readout_size()));
  io::require_memory(double(cfg.queries.count) * per_trajectory, cfg.file + ": key 'queries.count'",
                     std::to_string(cfg.queries.count) + " trajectories of this model (state size " +
                         std::to_string(model.network.state_size()) + ")");
  models::Rng rng(cfg.seed, models::stream::queries);
  models::Cues cues = models::make_cues(mem.patterns, cfg.queries.count, cfg.queries.corruption, cfg.queries.level, rng);
  return {std::move(cfg), std::move(mem), std::move(model), std::move(cues)};
}


}  // namespace mnemo::cli

// Preparation of the discrete-time kinds (karbasi, savin; models/discrete_memory.hpp). Their
// patterns are part of the model and their cues come from the kind's own noise model, so
// [memories] and [queries] read as follows (docs/models/karbasi.md, docs/models/savin.md):
//   [memories] source = "model" (required), count = K patterns (savin: the M stored memories;
//              karbasi: the patterns queries are made from), dim = N neurons; normalize and path
//              do not apply;
//   [queries]  count = B cues, corruption = "flip" (the only one), level = the expected fraction of
//              wrong entries of a cue in the kind's noise model;
//   [integrate] t_end = the maximum number of iterations, dt_save = save every that many
//              (analysis/discrete_recall.hpp); the ODE keys are not used; [noise] is refused
//              (karbasi's internal noise is model.upsilon and model.nu).
#include <iomanip>

#include "discrete_pipeline.hpp"
#include "pipeline.hpp"
#include "mnemo/io/input_error.hpp"
#include "mnemo/io/memory_budget.hpp"

namespace mnemo::cli {

namespace {
// Kinds that store images of a dataset (entropic): [memories] source = digits | fashion_mnist,
// count = images stored (the others are held out); [queries] count held-out cues, corruption
// gaussian (pixel noise std = level) or mask (fraction of pixels set to 0), or level = 0.
Prepared prepare_from_images(io::RunConfig cfg, const models::DiscreteKind& dk) {
  const std::string& kind = cfg.model.kind;
  auto bad = [&](const std::string& key, const std::string& why) { return io::InputError(cfg.file + ": key '" + key + "': " + why); };
  const io::MemoriesConfig& mc = cfg.memories;
  if (cfg.integrate.noise.enabled) throw bad("noise", "[noise] is for ODE kinds; kind '" + kind + "' is discrete-time");
  if (mc.source != "digits" && mc.source != "fashion_mnist")
    throw bad("memories.source", "kind '" + kind + "' stores labelled images: use \"digits\" or \"fashion_mnist\", got '" +
                                     mc.source + "'");
  const io::Images im = io::load_images(mc, cfg.file);
  if (mc.dim && mc.dim != im.pixels.cols())
    throw bad("memories.dim", "is " + std::to_string(mc.dim) + " but " + mc.source + " images have " +
                                  std::to_string(im.pixels.cols()) + " pixels");
  if (mc.count >= im.pixels.rows())
    throw bad("memories.count", "must leave held-out images for cues: " + mc.source + " holds " +
                                    std::to_string(im.pixels.rows()) + ", got " + std::to_string(mc.count));
  if (cfg.queries.count > im.pixels.rows() - mc.count || cfg.queries.count > 10000)
    throw bad("queries.count", "cues are distinct held-out images: at most " +
                                   std::to_string(std::min<Eigen::Index>(10000, im.pixels.rows() - mc.count)) + ", got " +
                                   std::to_string(cfg.queries.count));
  std::shared_ptr<const models::DiscreteMemory> memory;
  try {
    memory = dk.build_from_images(models::complete_spec(cfg.model), im.pixels, im.labels, mc.count, mc.normalize,
                                  cfg.queries.corruption, cfg.queries.level, cfg.seed);
  } catch (const models::ParamError& e) {
    throw bad("model." + e.key, e.what());
  } catch (const models::CueLevelError& e) {
    throw bad("queries.level", e.what());
  } catch (const std::invalid_argument& e) {
    throw io::InputError(cfg.file + ": [model]: " + e.what());
  }
  models::Rng rng(cfg.seed, models::stream::queries);
  models::Cues cues = memory->make_cues(cfg.queries.count, rng);
  io::Memories mem{memory->memories(), mc.source + ": " + std::to_string(mc.count) +
                                           " images stored (chosen with the seed) as quantised features of kind '" +
                                           kind + "'; cues from held-out images"};
  const Eigen::Index N = memory->memories().cols();
  models::Network placeholder({models::Layer{"state", N, 1.0, models::Identity{}, {}}}, {});
  models::Model model{models::complete_spec(cfg.model), memory->memories(), std::move(placeholder), memory->matrices()};
  Prepared p{std::move(cfg), std::move(mem), std::move(model), std::move(cues)};
  p.discrete = std::move(memory);
  return p;
}
}  // namespace

Prepared prepare_discrete(io::RunConfig cfg) {
  const std::string& kind = cfg.model.kind;
  auto bad = [&](const std::string& key, const std::string& why) { return io::InputError(cfg.file + ": key '" + key + "': " + why); };
  if (const models::DiscreteKind* dk = models::find_discrete_kind(kind); dk && dk->build_from_images)
    return prepare_from_images(std::move(cfg), *dk);
  const io::MemoriesConfig& mc = cfg.memories;
  if (mc.source != "model")
    throw bad("memories.source", "kind '" + kind + "' generates its own patterns: set source = \"model\" (count and dim then "
                                 "set its sizes), got '" + mc.source + "'");
  if (mc.normalize != models::Normalize::none)
    throw bad("memories.normalize", "does not apply to the patterns of kind '" + kind + "'; leave it out");
  if (!mc.path.empty()) throw bad("memories.path", "does not apply to source = \"model\"; leave it out");
  if (cfg.queries.corruption != models::Corruption::flip)
    throw bad("queries.corruption", "kind '" + kind + "' has its own cue noise: use \"flip\" (level = the expected fraction "
                                    "of wrong entries)");
  if (cfg.integrate.noise.enabled)
    throw bad("noise", "[noise] is for ODE kinds; kind '" + kind + "' is discrete-time" +
                           (kind == "karbasi" ? " (its internal noise is model.upsilon and model.nu)" : ""));
  // The model's matrices (savin: W and the double-centred W, N x N) and B states of N entries
  // with a few work vectors each.
  const double N = static_cast<double>(mc.dim), B = static_cast<double>(cfg.queries.count);
  io::require_memory(8.0 * (3.0 * N * N + 8.0 * B * N), cfg.file + ": key 'memories.dim'",
                     "kind '" + kind + "' with " + std::to_string(mc.dim) + " neurons and " +
                         std::to_string(cfg.queries.count) + " queries");

  std::shared_ptr<const models::DiscreteMemory> memory;
  try {
    memory = models::build_discrete(cfg.model, mc.count, mc.dim, cfg.queries.level, cfg.seed);
  } catch (const models::ParamError& e) {
    throw bad("model." + e.key, e.what());
  } catch (const models::CueLevelError& e) {
    throw bad("queries.level", e.what());
  } catch (const std::bad_alloc&) {
    throw bad("memories.dim", "building a '" + kind + "' model of dimension " + std::to_string(mc.dim) + " ran out of memory");
  } catch (const std::invalid_argument& e) {
    throw io::InputError(cfg.file + ": [model]: " + e.what());
  }
  models::Rng rng(cfg.seed, models::stream::queries);
  models::Cues cues = memory->make_cues(cfg.queries.count, rng);
  io::Memories mem{memory->memories(), "generated by kind '" + kind + "' (source = \"model\"), " +
                                           std::to_string(mc.count) + " x " + std::to_string(mc.dim) + ", seeded"};
  // The placeholder Network: one identity layer of the state size, never integrated.
  models::Network placeholder({models::Layer{"state", mc.dim, 1.0, models::Identity{}, {}}}, {});
  models::Model model{cfg.model, memory->memories(), std::move(placeholder)};
  Prepared p{std::move(cfg), std::move(mem), std::move(model), std::move(cues)};
  p.discrete = std::move(memory);
  return p;
}

void write_discrete_recall(io::RunWriter& writer, const analysis::DiscreteRecallResult& r) {
  writer.add_recall("symbol_error_rate", r.symbol_error_rate,
                    "fraction of entries of the final state that differ from the target's (the papers' symbol/bit error rate)");
  writer.add_recall("cue_error_rate", r.cue_error_rate, "fraction of entries of the cue that differ from the target's");
  writer.add_recall_attribute("mean_symbol_error_rate", r.mean_symbol_error_rate);
  writer.add_recall_attribute("mean_cue_error_rate", r.mean_cue_error_rate);
  writer.add_recall_attribute("pattern_error_rate", r.pattern_error_rate);
  for (const models::DiscreteMetric& m : r.kind_metrics) writer.add_recall_attribute(m.name, m.value);
}

std::vector<io::SweepMetric> discrete_metrics(const analysis::DiscreteRecallResult& r) {
  std::vector<io::SweepMetric> out = {{"symbol_error_rate", r.mean_symbol_error_rate,
           "mean fraction of entries of the final state that differ from the target's (the papers' symbol/bit error rate)"},
          {"cue_error_rate", r.mean_cue_error_rate, "mean fraction of entries of the cue that differ from the target's"},
          {"pattern_error_rate", r.pattern_error_rate, "fraction of queries whose final state differs from the target anywhere"}};
  for (const models::DiscreteMetric& m : r.kind_metrics) out.push_back({m.name, m.value, m.description});
  return out;
}

void print_discrete_summary(std::ostream& out, const analysis::DiscreteRecallResult& r) {
  out << "  symbol error rate     " << r.mean_symbol_error_rate << " (cue " << r.mean_cue_error_rate
      << "; patterns not recalled exactly " << 100.0 * r.pattern_error_rate << " %)\n";
  for (const models::DiscreteMetric& m : r.kind_metrics)
    out << "  " << std::left << std::setw(22) << m.name << std::right << m.value << " (" << m.description << ")\n";
}

}  // namespace mnemo::cli

#include "mnemo/models/discrete_memory.hpp"

#include "mnemo/models/entropic_memory.hpp"
#include "mnemo/models/karbasi_constraint_memory.hpp"
#include "mnemo/models/savin_plasticity.hpp"

namespace mnemo::models {

const std::vector<DiscreteKind>& discrete_catalogue() {
  static const std::vector<DiscreteKind> kinds = {
      karbasi_kind(),
      savin_kind(),
      entropic_kind(),
  };
  return kinds;
}

const DiscreteKind* find_discrete_kind(const std::string& kind) {
  for (const DiscreteKind& k : discrete_catalogue())
    if (k.info.kind == kind) return &k;
  return nullptr;
}

std::shared_ptr<const DiscreteMemory> build_discrete(const ModelSpec& spec, Eigen::Index count, Eigen::Index dim,
                                                     double level, std::uint64_t seed) {
  const ModelSpec full = complete_spec(spec);
  const DiscreteKind* kind = find_discrete_kind(full.kind);
  if (!kind) throw ParamError("kind", "'" + full.kind + "' is not a discrete-time kind");
  if (count < 1 || dim < 1) throw std::invalid_argument("a discrete memory needs count >= 1 and dim >= 1");
  if (!kind->build) throw ParamError("kind", "'" + full.kind + "' stores images of a dataset, not generated patterns");
  return kind->build(full, count, dim, level, seed);
}

Rng recall_rng(std::uint64_t seed, Eigen::Index query) {
  return Rng(seed, stream::recall + static_cast<std::uint64_t>(query));
}

}  // namespace mnemo::models

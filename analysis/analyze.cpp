#include "mnemo/analysis/analyze.hpp"

#include <set>
#ifdef _OPENMP
#include <omp.h>
#endif

namespace mnemo::analysis {

FixedPointAnalysis analyze_fixed_points(const models::Model& model, const Matrix& end_states,
                                        const AnalysisOptions& o) {
  FixedPointAnalysis out;
  const Eigen::Index n = model.network.state_size();
  const Eigen::Index ends = std::min<Eigen::Index>(end_states.rows(), o.max_end_points);
  Matrix memories(o.memory_starts ? model.memories.rows() : 0, n);
  for (Eigen::Index mu = 0; mu < memories.rows(); ++mu)
    memories.row(mu) = models::initial_state(model, model.memories.row(mu).transpose()).transpose();
  const Matrix starts = o.random_starts > 0 ? random_starts(model, o.random_starts, o.seed, 0.0) : Matrix(0, n);
  const Matrix relaxed = o.random_starts > 0
                             ? relax(model.network, random_starts(model, o.random_starts, o.seed, o.start_noise),
                                     o.relax_time, o.threads)
                             : Matrix(0, n);
  Matrix candidates(ends + memories.rows() + starts.rows() + relaxed.rows(), n);
  candidates << end_states.topRows(ends), memories, starts, relaxed;
  out.candidates = candidates.rows();
  out.points = find_fixed_points(model, candidates, o.fixed_points, o.threads);

  out.stability.resize(out.points.size());
  const Eigen::Index P = static_cast<Eigen::Index>(out.points.size());
#ifdef _OPENMP
  const int nthreads = o.threads > 0 ? o.threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic) num_threads(nthreads)
#endif
  for (Eigen::Index p = 0; p < P; ++p) out.stability[p] = analyse_stability(model.network, out.points[p].state, o.stability);

  std::set<Eigen::Index> found, found_stable;
  for (Eigen::Index p = 0; p < P; ++p) {
    const FixedPoint& fp = out.points[p];
    if (fp.status == PointStatus::slow_point) ++out.slow_points;
    if (fp.status != PointStatus::fixed_point) continue;
    ++out.fixed_points;
    ++out.kind_counts[static_cast<int>(fp.kind)];
    switch (out.stability[p].label) {
      case Stability::stable: ++out.stable; break;
      case Stability::saddle: ++out.saddles; break;
      case Stability::marginal: ++out.marginal; break;
      case Stability::unknown: ++out.unknown; break;
    }
    if (fp.kind == PointKind::memory) {
      found.insert(fp.nearest);
      if (out.stability[p].label == Stability::stable) found_stable.insert(fp.nearest);
    }
  }
  out.memories_found = static_cast<Eigen::Index>(found.size());
  out.memories_found_stable = static_cast<Eigen::Index>(found_stable.size());
  return out;
}

}  // namespace mnemo::analysis

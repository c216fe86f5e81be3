#include "mnemo/analysis/basins.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

#include "mnemo/analysis/simulate.hpp"

namespace mnemo::analysis {
namespace {
constexpr double nan = std::numeric_limits<double>::quiet_NaN();
}

const char* to_string(Attractor kind) {
  switch (kind) {
    case Attractor::retrieved: return "retrieved";
    case Attractor::other_memory: return "other_memory";
    case Attractor::reversed: return "reversed";
    case Attractor::partial: return "partial";
    case Attractor::mixture: return "mixture";
    case Attractor::metastable: return "metastable";
    case Attractor::spin_glass: return "spin_glass";
    case Attractor::failed: return "failed";
  }
  return "unknown";
}

double noise_floor(Eigen::Index K, Eigen::Index N) {
  const double n = static_cast<double>(std::max<Eigen::Index>(N, 1));
  return std::sqrt(2.0 * std::log(2.0 * static_cast<double>(std::max<Eigen::Index>(K, 1))) / n) + 1.0 / std::sqrt(n);
}

AttractorLabel classify_attractor(const Matrix& memories, const Eigen::Ref<const Vector>& state, int target,
                                  const AttractorOptions& o) {
  AttractorLabel label;
  if (!state.allFinite()) {
    label.kind = Attractor::failed;
    return label;
  }
  const Vector m = cosine_overlaps(memories, state);
  const Vector a = m.cwiseAbs();
  Eigen::Index top = 0, nearest = 0;
  a.maxCoeff(&top);
  m.maxCoeff(&nearest);
  label.memory = top;
  label.overlap = m[top];
  const double floor = o.noise_floor >= 0.0 ? o.noise_floor : noise_floor(memories.rows(), memories.cols());

  if (target >= 0 && nearest == target && m[target] >= o.recall_overlap) {
    label.kind = Attractor::retrieved;
    label.memory = target;
    label.overlap = m[target];
    label.members = 1;
    return label;
  }
  if (a[top] >= o.recall_overlap) {
    label.kind = m[top] > 0.0 ? Attractor::other_memory : Attractor::reversed;
    label.members = 1;
    return label;
  }
  if (a[top] < floor) {
    label.kind = Attractor::spin_glass;
    return label;
  }
  // Members: memories of |overlap| within `similar` of the largest and above the noise floor. They
  // define a mixture or a degraded retrieval state only if they stand out from all the others.
  std::vector<Eigen::Index> members;
  double weakest = a[top], strongest_other = 0.0;
  for (Eigen::Index k = 0; k < a.size(); ++k) {
    if (a[k] >= floor && a[k] >= o.similar * a[top]) {
      members.push_back(k);
      weakest = std::min(weakest, a[k]);
    } else {
      strongest_other = std::max(strongest_other, a[k]);
    }
  }
  label.members = static_cast<int>(members.size());
  if (strongest_other >= floor && weakest < o.separation * strongest_other) {
    label.kind = Attractor::spin_glass;  // correlated with many memories, no small set stands out
    return label;
  }
  if (members.size() == 1) {
    label.kind = Attractor::partial;
    return label;
  }
  // Distance of the state from the span of the members, relative to its norm.
  Matrix span(state.size(), static_cast<Eigen::Index>(members.size()));
  for (std::size_t i = 0; i < members.size(); ++i) span.col(static_cast<Eigen::Index>(i)) = memories.row(members[i]).transpose();
  const Vector coef = span.colPivHouseholderQr().solve(state);
  const double residual = (state - span * coef).norm() / state.norm();
  label.kind = residual < o.span_residual ? Attractor::metastable : Attractor::mixture;
  return label;
}

std::vector<AttractorLabel> classify_attractors(const Matrix& memories, const Matrix& finals,
                                                const Eigen::VectorXi& targets,
                                                const std::vector<dynamics::Status>& status,
                                                const AttractorOptions& options) {
  std::vector<AttractorLabel> labels(static_cast<std::size_t>(finals.rows()));
#pragma omp parallel for schedule(dynamic, 16)
  for (Eigen::Index b = 0; b < finals.rows(); ++b) {
    const auto i = static_cast<std::size_t>(b);
    if (i < status.size() && status[i] == dynamics::Status::failed) labels[i].kind = Attractor::failed;
    else labels[i] = classify_attractor(memories, finals.row(b).transpose(), b < targets.size() ? targets[b] : -1, options);
  }
  return labels;
}

AttractorCounts count_kinds(const std::vector<AttractorLabel>& labels) {
  AttractorCounts c{};
  for (const AttractorLabel& l : labels) ++c[static_cast<std::size_t>(l.kind)];
  return c;
}

std::vector<bool> exact_recall(const Matrix& memories, const Matrix& finals, const Eigen::VectorXi& targets) {
  std::vector<bool> exact(static_cast<std::size_t>(finals.rows()), false);
  for (Eigen::Index b = 0; b < finals.rows(); ++b) {
    const auto xi = memories.row(targets[b]);
    bool same = finals.row(b).allFinite();
    for (Eigen::Index i = 0; same && i < xi.size(); ++i)
      if (xi[i] != 0.0) same = (xi[i] > 0.0) == (finals(b, i) > 0.0);
    exact[static_cast<std::size_t>(b)] = same;
  }
  return exact;
}

double basin_radius(const Vector& levels, const Vector& probability, double threshold) {
  double radius = nan;
  for (Eigen::Index i = 0; i < levels.size(); ++i) {
    if (std::isnan(probability[i])) continue;
    if (probability[i] < threshold) return std::isnan(radius) ? 0.0 : radius;
    radius = levels[i];
  }
  return radius;
}

BasinTable tabulate_basins(const std::vector<double>& levels, const std::vector<Eigen::VectorXi>& targets,
                           const std::vector<std::vector<bool>>& retrieved, Eigen::Index K, double threshold) {
  const auto L = static_cast<Eigen::Index>(levels.size());
  std::vector<Eigen::Index> order(levels.size());
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::stable_sort(order.begin(), order.end(), [&](Eigen::Index i, Eigen::Index j) { return levels[i] < levels[j]; });

  BasinTable t;
  t.threshold = threshold;
  t.levels.resize(L);
  t.trials = Eigen::MatrixXi::Zero(L, K);
  t.recalled = Eigen::MatrixXi::Zero(L, K);
  t.probability = Matrix::Constant(L, K, nan);
  t.pooled = Vector::Constant(L, nan);
  for (Eigen::Index r = 0; r < L; ++r) {
    const auto l = static_cast<std::size_t>(order[static_cast<std::size_t>(r)]);
    t.levels[r] = levels[l];
    for (Eigen::Index b = 0; b < targets[l].size(); ++b) {
      const int k = targets[l][b];
      if (k < 0 || k >= K) continue;
      ++t.trials(r, k);
      t.recalled(r, k) += retrieved[l][static_cast<std::size_t>(b)] ? 1 : 0;
    }
    for (Eigen::Index k = 0; k < K; ++k)
      if (t.trials(r, k) > 0) t.probability(r, k) = double(t.recalled(r, k)) / double(t.trials(r, k));
    const long n = t.trials.row(r).sum();
    if (n > 0) t.pooled[r] = double(t.recalled.row(r).sum()) / double(n);
  }
  t.radius.resize(K);
  for (Eigen::Index k = 0; k < K; ++k) t.radius[k] = basin_radius(t.levels, t.probability.col(k), threshold);
  t.pooled_radius = basin_radius(t.levels, t.pooled, threshold);
  return t;
}

BasinResult basins(const models::Model& model, const BasinOptions& o, models::Rng& rng) {
  const auto start = std::chrono::steady_clock::now();
  const Matrix& X = model.memories;
  const Eigen::Index K = X.rows(), N = X.cols();
  const Eigen::Index M = o.max_memories > 0 ? std::min(o.max_memories, K) : K;
  const auto L = static_cast<Eigen::Index>(o.levels.size());
  const Eigen::Index per_level = M * o.trials;

  Matrix cues(L * per_level, N);
  Eigen::VectorXi targets(L * per_level);
  for (Eigen::Index l = 0; l < L; ++l)
    for (Eigen::Index k = 0; k < M; ++k)
      for (Eigen::Index t = 0; t < o.trials; ++t) {
        const Eigen::Index b = (l * M + k) * o.trials + t;
        targets[b] = static_cast<int>(k);
        cues.row(b) = models::corrupt(X.row(k).transpose(), o.corruption, o.levels[static_cast<std::size_t>(l)], rng).transpose();
      }

  const SimulationResult sim = simulate(model, cues, targets, o.integrate);
  const std::vector<AttractorLabel> labels =
      classify_attractors(X, sim.final_readout, targets, sim.ensemble.status, o.attractors);

  BasinResult res;
  res.kinds = Eigen::MatrixXi::Zero(L, attractor_kinds);
  res.mean_overlap = Vector::Zero(L);
  std::vector<Eigen::VectorXi> level_targets;
  std::vector<std::vector<bool>> level_retrieved;
  for (Eigen::Index l = 0; l < L; ++l) {
    level_targets.push_back(targets.segment(l * per_level, per_level));
    std::vector<bool> ok(static_cast<std::size_t>(per_level));
    for (Eigen::Index i = 0; i < per_level; ++i) {
      const AttractorLabel& lab = labels[static_cast<std::size_t>(l * per_level + i)];
      ok[static_cast<std::size_t>(i)] = lab.kind == Attractor::retrieved;
      ++res.kinds(l, static_cast<int>(lab.kind));
    }
    level_retrieved.push_back(std::move(ok));
    if (per_level > 0) res.mean_overlap[l] = sim.recall.overlap.segment(l * per_level, per_level).mean();
  }
  // The table is sorted by level; keep kinds and mean overlaps in the same order.
  res.table = tabulate_basins(o.levels, level_targets, level_retrieved, K, o.threshold);
  std::vector<Eigen::Index> order(static_cast<std::size_t>(L));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::stable_sort(order.begin(), order.end(), [&](Eigen::Index i, Eigen::Index j) {
    return o.levels[static_cast<std::size_t>(i)] < o.levels[static_cast<std::size_t>(j)];
  });
  Eigen::MatrixXi kinds = res.kinds;
  Vector overlap = res.mean_overlap;
  for (Eigen::Index r = 0; r < L; ++r) {
    kinds.row(r) = res.kinds.row(order[static_cast<std::size_t>(r)]);
    overlap[r] = res.mean_overlap[order[static_cast<std::size_t>(r)]];
  }
  res.kinds = kinds;
  res.mean_overlap = overlap;
  res.rhs_evaluations = sim.rhs_evaluations;
  res.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return res;
}

}  // namespace mnemo::analysis

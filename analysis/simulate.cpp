#include "mnemo/analysis/simulate.hpp"

#include "mnemo/analysis/noise.hpp"
#include "mnemo/dynamics/batched.hpp"
#include "mnemo/dynamics/threads.hpp"
#include "mnemo/models/batched_flow.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <variant>
#ifdef _OPENMP
#include <omp.h>
#endif

namespace mnemo::analysis {
double energy_tolerance(const dynamics::IntegrateOptions& o, double scale) {
  const double rel = dynamics::is_adaptive(o.method) ? o.rtol : std::max(o.dt * o.dt, 1e-12);
  return 10.0 * rel * (1.0 + std::abs(scale)) + 10.0 * o.atol;
}

SimulationResult simulate(const models::Model& model, const Matrix& cues, const Eigen::VectorXi& targets,
                          const dynamics::IntegrateOptions& integrate_options, TrajectorySink* sink,
                          const std::atomic<bool>* cancel) {
  const auto start = std::chrono::steady_clock::now();
  // Noise on the chosen layers becomes per-component weights on the integrated state.
  const dynamics::IntegrateOptions options = resolve_noise(model.network, integrate_options);
  const models::Network& net = model.network;
  const Eigen::Index B = cues.rows();
  const Eigen::Index N = net.readout_size();
  const int nthreads = dynamics::thread_count(options.threads);

  Matrix initial(B, net.state_size());
  for (Eigen::Index b = 0; b < B; ++b) initial.row(b) = models::initial_state(model, cues.row(b).transpose()).transpose();

  // Raw states of the integrated layers other than the feature layer (whose activation is the
  // readout); the feature layer too when its activation is not the identity (g(x) != x).
  std::vector<int> layer_ids;
  std::vector<std::string> layer_names;
  for (int i = 0; i < static_cast<int>(net.layers().size()); ++i)
    if (net.is_integrated(i) &&
        (i != net.feature_layer() || !std::holds_alternative<models::Identity>(net.layers()[i].lagrangian))) {
      layer_ids.push_back(i);
      layer_names.push_back(net.layers()[i].name);
    }

  SimulationResult res;
  const Vector time = dynamics::save_grid(options.t0, options.t_end, options.dt_save);
  if (sink) sink->begin(time, B, layer_names);

  std::vector<models::Network::Workspace> spaces;
  for (int i = 0; i < nthreads; ++i) spaces.push_back(net.workspace());
  Matrix readout(B, N);
  Vector energy(B), previous(B);
  std::vector<Matrix> layers;
  for (int id : layer_ids) layers.emplace_back(B, net.layers()[id].size);
  EnergyAudit& audit = res.audit;
  audit.applicable = !options.noise.enabled;

  // Batched GEMM path: the energies of all trajectories at a save time as products over fixed
  // chunks of rows (one GEMM each) instead of B matrix-vector products; a row's value does not
  // depend on the thread count. The memories in the products' layouts, once for all threads.
  std::shared_ptr<const models::BatchedFlowData> batch_data;
  std::vector<models::BatchedGradientFlow> energy_flows;
  if (options.batch) {
    batch_data = models::BatchedGradientFlow::prepare(net, {options.single_precision});
    for (int i = 0; i < nthreads; ++i) energy_flows.emplace_back(net, batch_data);
  }
  const bool batched_energy = !energy_flows.empty() && energy_flows[0].matrix_product_path();
  Matrix stacked;
  if (batched_energy) stacked.resize(B, net.state_size());

  const dynamics::EnsembleObserver observe = [&](Eigen::Index k, double t, const std::vector<Vector>& states,
                                                 const std::vector<dynamics::Status>&) {
    if (batched_energy) {
      for (Eigen::Index b = 0; b < B; ++b) stacked.row(b) = states[b].transpose();
      const Eigen::Index chunks = (B + dynamics::batch_chunk_rows - 1) / dynamics::batch_chunk_rows;
#pragma omp parallel for schedule(static) num_threads(nthreads)
      for (Eigen::Index c = 0; c < chunks; ++c) {
        const Eigen::Index first = c * dynamics::batch_chunk_rows;
        const Eigen::Index rows = std::min(dynamics::batch_chunk_rows, B - first);
        Vector e;
        energy_flows[dynamics::this_thread()].energy(stacked.middleRows(first, rows), e);
        energy.segment(first, rows) = e;
      }
    }
#pragma omp parallel for schedule(static) num_threads(nthreads)
    for (Eigen::Index b = 0; b < B; ++b) {
      auto& ws = spaces[dynamics::this_thread()];
      if (!batched_energy) energy[b] = net.energy(states[b], ws);
      Vector g(N);
      net.readout(states[b], g, ws);
      readout.row(b) = g.transpose();
      for (std::size_t l = 0; l < layer_ids.size(); ++l)
        layers[l].row(b) = states[b].segment(net.offset(layer_ids[l]), layers[l].cols()).transpose();
    }
    if (k == 0) {
      res.initial_readout = readout;
      res.initial_energy = energy;
      audit.tolerance = energy_tolerance(options, energy.cwiseAbs().maxCoeff());
    } else {
      for (Eigen::Index b = 0; b < B; ++b) {
        const double rise = energy[b] - previous[b];
        if (rise > audit.max_increase || audit.worst_trajectory < 0) {
          audit.max_increase = rise;
          audit.worst_trajectory = b;
          audit.worst_time = t;
        }
        if (audit.applicable && rise > audit.tolerance) ++audit.violations;
      }
    }
    previous = energy;
    if (sink) sink->save(k, t, readout, energy, layers);
    return !sink || sink->keep_going();
  };

  const auto make_system = [&net]() -> dynamics::System {
    return [flow = models::GradientFlow(net)](const Vector& s, Vector& dsdt, double t) mutable { flow(s, dsdt, t); };
  };
  if (options.batch) {  // [integrate] batch = true: all trajectories' RHS as matrix products
    const auto make_batch = [&net, &batch_data]() -> dynamics::BatchSystem {
      return [flow = models::BatchedGradientFlow(net, batch_data)](const Matrix& S, Matrix& dS) mutable { flow(S, dS); };
    };
    res.ensemble = dynamics::integrate_batched(make_batch, initial, options, observe, cancel);
  } else {
    res.ensemble = dynamics::integrate_ensemble(make_system, initial, options, observe, cancel);
  }
  res.final_readout = readout;
  res.final_energy = energy;
  res.recall = score_recall(model.memories, res.final_readout, targets);
  for (long e : res.ensemble.rhs_evaluations) res.rhs_evaluations += e;
  res.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return res;
}

}  // namespace mnemo::analysis

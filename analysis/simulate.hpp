#pragma once
// Recall simulation: a catalogue model, a batch of cues and integration options in; trajectories
// streamed to a sink as they are saved, and a result with recall scores and the energy audit out.
// This is where models/ (the network) meets dynamics/ (the integrator).
#include <atomic>
#include <string>
#include <vector>

#include "mnemo/analysis/recall.hpp"
#include "mnemo/dynamics/ensemble.hpp"
#include "mnemo/models/catalogue.hpp"

namespace mnemo::analysis {

// Receives each saved time slice; io/ implements it to write HDF5, tests to keep things in memory.
class TrajectorySink {
 public:
  virtual ~TrajectorySink() = default;
  // layer_names: the integrated layers whose raw states are passed to save(), in order.
  virtual void begin(const Vector& time, Eigen::Index trajectories, const std::vector<std::string>& layer_names) = 0;
  // readout: B x N feature activations; energy: B; layers: B x N_layer internal states.
  virtual void save(Eigen::Index k, double t, const Matrix& readout, const Vector& energy,
                    const std::vector<Matrix>& layers) = 0;
  // Return false to cancel the run.
  virtual bool keep_going() { return true; }
};

struct EnergyAudit {
  // False for stochastic dynamics ([noise]): noise may raise the energy, so rises are no violations.
  bool applicable = true;
  double max_increase = 0.0;      // largest E(t_k) - E(t_{k-1}) over trajectories and saves
  Eigen::Index worst_trajectory = -1;
  double worst_time = 0.0;
  Eigen::Index violations = 0;    // increases above `tolerance`
  double tolerance = 0.0;
};

struct SimulationResult {
  dynamics::EnsembleResult ensemble;
  Matrix initial_readout;  // B x N
  Matrix final_readout;    // B x N
  Vector initial_energy, final_energy;
  EnergyAudit audit;
  RecallResult recall;
  long rhs_evaluations = 0;
  double wall_seconds = 0.0;
};

// The energy may rise between saves only by integration error; tolerance scales with rtol and
// with the energy's magnitude. With options.noise.enabled the audit is not applicable (noise can
// raise the energy); max_increase is still measured.
double energy_tolerance(const dynamics::IntegrateOptions& options, double energy_scale);

SimulationResult simulate(const models::Model& model, const Matrix& cues, const Eigen::VectorXi& targets,
                          const dynamics::IntegrateOptions& options, TrajectorySink* sink = nullptr,
                          const std::atomic<bool>* cancel = nullptr);

}  // namespace mnemo::analysis

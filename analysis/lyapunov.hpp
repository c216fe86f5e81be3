#pragma once
// Lyapunov functions of energy networks.
//
// 1. Audit of stored trajectories of T ds/dt = I + b - x against the KH2021 energy: the energy
//    must not rise between saves beyond integration error, and the analytic rate
//    dE/dt = -sum_i tau_i xdot_i^T H_i xdot_i (KH2021 eq. 6; Network::energy_rate) must match the
//    finite-difference rate of the saved energies (4th-order central differences on a uniform
//    grid, 2nd order at the ends; truncation error O(dt_save^4 E^(5)) resp. O(dt_save^2 E''')).
//
// 2. A residual Lyapunov function without flat regions. Fanaskov & Oseledets 2024 ("Associative
//    memory and dead neurons", ICLR 2025) state that a *slightly altered system* with the same
//    steady states has a family of Lyapunov functions without flat regions; their construction
//    was not available to us. What follows is OUR construction with those stated properties
//    (shared/papers/fanaskov-2024-dead-neurons.md, Sec. 5), not the paper's:
//      r(s) = x - I - b = -T F(s)  (the fixed-point residual, zero exactly at fixed points)
//      V(s) = Phi(r(s)),   Phi(0) = 0, Phi > 0 and grad Phi != 0 elsewhere
//      altered flow  ds/dt = -(dr/ds)^T grad Phi(r) = J^T T grad Phi(r)   (dr/ds = -T J)
//    so dV/dt = -|(dr/ds)^T grad Phi(r)|^2 <= 0, with equality off fixed points only where
//    dr/ds = I - M H is singular (marginal directions). V has no dead-neuron plateaus: along a
//    dead coordinate x_i (H_ii = 0) the KH energy is constant, but r_i = x_i - [W g + b]_i moves.
//    It needs neither a PSD Lagrangian Hessian nor symmetric weights.
#include <functional>
#include <vector>

#include "mnemo/analysis/operators.hpp"

namespace mnemo::analysis {

// ---- 1. audit -------------------------------------------------------------------------------------

struct EnergyViolation {
  Eigen::Index trajectory = 0;
  double time = 0.0;      // the later of the two saves
  double increase = 0.0;  // E(t_k) - E(t_{k-1})
};

struct TrajectoryAudit {
  double max_increase = 0.0;  // largest E(t_k) - E(t_{k-1}) (negative: strictly decreasing)
  double max_increase_time = 0.0;
  Eigen::Index violations = 0;
  double max_rate = 0.0;        // largest analytic dE/dt at a saved state (<= 0 for PSD Hessians)
  double max_rate_error = 0.0;  // largest |analytic - finite-difference dE/dt| before t_stop
  double rate_scale = 0.0;      // largest |analytic dE/dt| before t_stop
  double energy_mismatch = 0.0; // largest |stored E - E(stored state)| (checks the file's states)
};

struct LyapunovAudit {
  double tolerance = 0.0;  // a rise above this is a violation
  std::vector<TrajectoryAudit> trajectories;
  std::vector<EnergyViolation> violations;  // every one, in trajectory then time order
  double max_increase = 0.0;
  Eigen::Index worst_trajectory = -1;
  double worst_time = 0.0;
  double max_rate = 0.0;
  double max_relative_rate_error = 0.0;  // max over trajectories of max_rate_error / rate_scale
  double max_energy_mismatch = 0.0;
  bool passed() const { return violations.empty(); }
};

// `states(b)` returns trajectory b's integrated states at the saved times (T x n). `energy` is
// B x T as stored; t_stop the time each trajectory stopped (saves after it repeat its state).
LyapunovAudit audit_energy(const models::Network& network, const Vector& time,
                           const std::function<Matrix(Eigen::Index)>& states, const Matrix& energy,
                           const Vector& t_stop, double tolerance);

// Finite-difference dE/dt at every saved time of one trajectory (NaN where not defined).
Vector finite_difference_rate(const Vector& time, const Vector& energy, double t_stop);

// ---- 2. residual Lyapunov function (our construction) ------------------------------------------

// Phi on the residual: a family, all C^1 with grad Phi(r) = 0 only at r = 0.
struct ResidualPotential {
  enum class Kind { quadratic, power, huber };
  Kind kind = Kind::quadratic;
  double p = 2.0;      // power: Phi = (1/p) sum |r_i|^p, p > 1
  double delta = 1.0;  // huber: 1/2 r^2 for |r| <= delta, delta (|r| - delta/2) beyond
  double value(VectorCRef r) const;
  void gradient(VectorCRef r, VectorRef out) const;
};

// V(s) = Phi(r(s)).
double residual_lyapunov(const models::Network& network, const Vector& state, const ResidualPotential& phi = {});
// The altered flow ds/dt = J^T T grad Phi(r) at s, and dV/dt = -|J^T T grad Phi(r)|^2 along it.
void altered_flow(const models::Network& network, const Vector& state, const ResidualPotential& phi, VectorRef dsdt);
double altered_flow_rate(const models::Network& network, const Vector& state, const ResidualPotential& phi = {});

// odeint-style callable of the altered flow.
struct AlteredFlow {
  const models::Network* network = nullptr;
  ResidualPotential phi;
  void operator()(const Vector& s, Vector& dsdt, double /*t*/) const {
    dsdt.resize(s.size());
    altered_flow(*network, s, phi, dsdt);
  }
};

}  // namespace mnemo::analysis

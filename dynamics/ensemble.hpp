#pragma once
// Integration of many trajectories of one ODE system, advanced together from save time to save
// time so that results stream out (one B x D slice per saved time) and memory does not grow with
// the number of saved steps. The system is any plain callable sys(x, dxdt, t), as in Boost.Odeint;
// this file knows nothing of models.
//
// Each trajectory owns its stepper (its own adaptive step size and error control) and stops
// once converged: ||dx/dt||_inf <= converge_tol at a save time (recorded as t_stop; later saved
// rows hold that state). Trajectories are distributed over threads; a trajectory's bits never
// depend on the thread count.
#include <Eigen/Dense>
#include <atomic>
#include <functional>
#include <vector>

#include "mnemo/dynamics/noise.hpp"
#include "mnemo/dynamics/stepper.hpp"

namespace mnemo::dynamics {

using Vector = Eigen::VectorXd;
using Matrix = Eigen::MatrixXd;
using System = std::function<void(const Vector& x, Vector& dxdt, double t)>;

struct IntegrateOptions {
  Method method = Method::dopri5;
  double rtol = 1e-6;
  double atol = 1e-8;
  double t0 = 0.0;
  double t_end = 20.0;
  double dt_save = 0.5;
  double dt = 0.01;              // fixed-step methods; first trial step of adaptive ones
  double converge_tol = 0.0;     // <= 0: never stop early
  long max_steps = 10'000'000;   // per trajectory
  int threads = 0;               // 0: all cores
  // noise.enabled: the SDE dx = f dt + G dW with noise.method and fixed step dt replaces `method`
  // (noise.hpp); trajectory b draws its increments from counter (noise.seed, b, step, component).
  NoiseOptions noise;
  // [integrate] batch: trajectories advanced together, the RHS of all of them as one call
  // (matrix products; dynamics/batched.hpp, docs/performance.md). dopri5 without noise only.
  bool batch = false;
  bool batch_shared_step = false;  // true: one step size for the batch (max error over rows)
  // [integrate] precision = "float": the batched right-hand side's matrix products in float32
  // (models/batched_flow.hpp); state, step control and saved data stay double. Batch only.
  bool single_precision = false;
};

enum class Status : int {
  running = 0,
  reached_end = 1,   // integrated to t_end
  converged = 2,     // stopped early, ||dx/dt|| <= converge_tol
  failed = 3,        // non-finite state, step size underflow or max_steps
  interrupted = 4,   // cancelled from outside
};
const char* to_string(Status s);

// The save grid: t0, t0 + dt_save, ..., and t_end itself as the last point.
Vector save_grid(double t0, double t_end, double dt_save);

struct EnsembleResult {
  Vector time;                   // T saved times
  Vector t_stop;                 // B
  std::vector<Status> status;    // B
  std::vector<long> rhs_evaluations;  // B (including the convergence checks)
  std::vector<long> steps;       // B accepted steps
  Matrix final_state;            // B x D
  bool interrupted = false;
};

// Called once per saved time k with every trajectory's state at time t (stopped trajectories
// hold their last state). Return false to cancel the run.
using EnsembleObserver = std::function<bool(Eigen::Index k, double t, const std::vector<Vector>& states,
                                            const std::vector<Status>& status)>;

// make_system is called once per thread: each thread gets its own callable (its own scratch).
EnsembleResult integrate_ensemble(const std::function<System()>& make_system, const Matrix& initial,
                                  const IntegrateOptions& options, const EnsembleObserver& observer,
                                  const std::atomic<bool>* cancel = nullptr);

// One trajectory, every saved state kept: rows of `states` are the save grid.
struct Trajectory {
  Vector time;
  Matrix states;  // T x D
  Status status = Status::running;
  double t_stop = 0.0;
  long rhs_evaluations = 0;
};
Trajectory integrate(System system, const Vector& x0, const IntegrateOptions& options);

}  // namespace mnemo::dynamics

#include "mnemo/dynamics/ensemble.hpp"

#include "mnemo/dynamics/stochastic.hpp"
#include "mnemo/dynamics/threads.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
// The Eigen adaptor is required whenever the state is an Eigen type: without it dopri5 silently
// returns the state unchanged and runge_kutta4 segfaults (engineering notes).
// GCC 12 reports bulirsch_stoer's m_dt_last as maybe-uninitialized inside Boost's header; it is
// set before use (first try_step resets the stepper).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <boost/numeric/odeint.hpp>
#include <boost/numeric/odeint/external/eigen/eigen.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

namespace mnemo::dynamics {
namespace odeint = boost::numeric::odeint;

const char* to_string(Status s) {
  switch (s) {
    case Status::running: return "running";
    case Status::reached_end: return "reached_end";
    case Status::converged: return "converged";
    case Status::failed: return "failed";
    case Status::interrupted: return "interrupted";
  }
  return "?";
}

Vector save_grid(double t0, double t_end, double dt_save) {
  if (!(dt_save > 0.0) || !(t_end > t0)) throw std::invalid_argument("save grid needs dt_save > 0 and t_end > t0");
  const auto n = static_cast<Eigen::Index>(std::floor((t_end - t0) / dt_save * (1.0 + 1e-12)));
  std::vector<double> t;
  for (Eigen::Index k = 0; k <= n; ++k) t.push_back(t0 + static_cast<double>(k) * dt_save);
  if (t_end - t.back() > 1e-9 * dt_save) t.push_back(t_end);
  else t.back() = t_end;
  return Eigen::Map<Vector>(t.data(), static_cast<Eigen::Index>(t.size()));
}

namespace {

// odeint copies the system it is handed; this keeps the copy trivial and counts evaluations.
struct CountingRef {
  System* system;
  long* count;
  void operator()(const Vector& x, Vector& dxdt, double t) const {
    ++*count;
    (*system)(x, dxdt, t);
  }
};

// One trajectory's stepper, advanced from save time to save time.
class TrajectoryStepper {
 public:
  virtual ~TrajectoryStepper() = default;
  // Moves the state to t_target; false if the integration failed.
  virtual bool advance_to(System& sys, double t_target) = 0;
  const Vector& state() const { return x_; }
  long evaluations = 0;
  long steps = 0;

 protected:
  Vector x_;
};

// dopri5 with dense output: free steps, states at save times by its 4th-order interpolant.
class DenseDopri5 final : public TrajectoryStepper {
 public:
  DenseDopri5(const Vector& x0, const IntegrateOptions& o)
      : stepper_(odeint::make_dense_output(o.atol, o.rtol, odeint::runge_kutta_dopri5<Vector>())),
        max_steps_(o.max_steps) {
    x_ = x0;
    stepper_.initialize(x0, o.t0, o.dt);
  }
  bool advance_to(System& sys, double t_target) override {
    CountingRef ref{&sys, &evaluations};
    while (stepper_.current_time() < t_target) {
      stepper_.do_step(ref);
      ++steps;
      if (steps > max_steps_ || !stepper_.current_state().allFinite() || !(stepper_.current_time_step() > 0.0))
        return false;
    }
    stepper_.calc_state(t_target, x_);
    return x_.allFinite();
  }

 private:
  using Base = odeint::runge_kutta_dopri5<Vector>;
  odeint::dense_output_runge_kutta<odeint::controlled_runge_kutta<Base>> stepper_;
  long max_steps_;
};

// Adaptive steppers without dense output: step exactly onto each save time with try_step.
template <class Controlled>
class ControlledStepper final : public TrajectoryStepper {
 public:
  ControlledStepper(Controlled c, const Vector& x0, const IntegrateOptions& o)
      : stepper_(std::move(c)), t_(o.t0), dt_(o.dt), max_steps_(o.max_steps) {
    x_ = x0;
  }
  bool advance_to(System& sys, double t_target) override {
    CountingRef ref{&sys, &evaluations};
    long trials = 0;
    while (t_target - t_ > 1e-14 * std::max(1.0, std::abs(t_target))) {
      const bool clipped = dt_ > t_target - t_;
      double dt = clipped ? t_target - t_ : dt_;
      const double dt_before = dt;
      if (stepper_.try_step(ref, x_, t_, dt) == odeint::success) {
        ++steps;
        // Keep the natural step size when this one was shortened to land on the save time.
        dt_ = clipped ? std::max(dt_, dt) : dt;
        if (!x_.allFinite()) return false;
      } else {
        dt_ = dt;
        if (!(dt < dt_before) || dt < 1e-15 * std::max(1.0, std::abs(t_))) return false;
      }
      if (++trials > max_steps_ || steps > max_steps_) return false;
    }
    t_ = t_target;
    return true;
  }

 private:
  Controlled stepper_;
  double t_;
  double dt_;
  long max_steps_;
};

// Fixed-step methods: n equal steps of at most dt between save times.
template <class Stepper>
class FixedStepper final : public TrajectoryStepper {
 public:
  FixedStepper(const Vector& x0, const IntegrateOptions& o) : t_(o.t0), dt_(o.dt), max_steps_(o.max_steps) {
    x_ = x0;
  }
  // Steppers with state of their own (the stochastic ones: diffusion, trajectory's noise stream).
  FixedStepper(Stepper stepper, const Vector& x0, const IntegrateOptions& o)
      : stepper_(std::move(stepper)), t_(o.t0), dt_(o.dt), max_steps_(o.max_steps) {
    x_ = x0;
  }
  bool advance_to(System& sys, double t_target) override {
    CountingRef ref{&sys, &evaluations};
    const double span = t_target - t_;
    if (span <= 0.0) return true;
    const auto n = static_cast<long>(std::ceil(span / dt_ * (1.0 - 1e-12)));
    const double h = span / static_cast<double>(n);
    for (long i = 0; i < n; ++i) {
      stepper_.do_step(ref, x_, t_ + static_cast<double>(i) * h, h);
      if (++steps > max_steps_) return false;
    }
    t_ = t_target;
    return x_.allFinite();
  }

 private:
  Stepper stepper_;
  double t_;
  double dt_;
  long max_steps_;
};

// Trajectory `index` of a noisy ensemble: its own counter-based Wiener increments.
std::unique_ptr<TrajectoryStepper> make_stochastic_stepper(const Vector& x0, const IntegrateOptions& o,
                                                           Eigen::Index index) {
  const auto stream = static_cast<std::uint32_t>(o.noise.first_trajectory + static_cast<std::uint64_t>(index));
  const CounterWiener wiener{CounterNormal(o.noise.seed, stream)};
  Diffusion g = Diffusion::from_options(o.noise, x0.size());
  switch (o.noise.method) {
    case StochasticMethod::euler_maruyama:
      return std::make_unique<FixedStepper<EulerMaruyama<>>>(EulerMaruyama<>(std::move(g), wiener, 0), x0, o);
    case StochasticMethod::heun:
      return std::make_unique<FixedStepper<StochasticHeun<>>>(StochasticHeun<>(std::move(g), wiener, 0), x0, o);
  }
  throw std::invalid_argument("unknown stochastic method");
}

std::unique_ptr<TrajectoryStepper> make_stepper(const Vector& x0, const IntegrateOptions& o, Eigen::Index index) {
  if (o.noise.enabled) return make_stochastic_stepper(x0, o, index);
  switch (o.method) {
    case Method::dopri5: return std::make_unique<DenseDopri5>(x0, o);
    case Method::cash_karp54: {
      auto c = odeint::make_controlled(o.atol, o.rtol, odeint::runge_kutta_cash_karp54<Vector>());
      return std::make_unique<ControlledStepper<decltype(c)>>(std::move(c), x0, o);
    }
    case Method::bulirsch_stoer: {
      odeint::bulirsch_stoer<Vector> c(o.atol, o.rtol);
      return std::make_unique<ControlledStepper<decltype(c)>>(std::move(c), x0, o);
    }
    case Method::rk4: return std::make_unique<FixedStepper<odeint::runge_kutta4<Vector>>>(x0, o);
    case Method::euler: return std::make_unique<FixedStepper<odeint::euler<Vector>>>(x0, o);
  }
  throw std::invalid_argument("unknown integration method");
}



}  // namespace

EnsembleResult integrate_ensemble(const std::function<System()>& make_system, const Matrix& initial,
                                  const IntegrateOptions& o, const EnsembleObserver& observer,
                                  const std::atomic<bool>* cancel) {
  if (!(o.rtol > 0.0) || !(o.atol > 0.0)) throw std::invalid_argument("rtol and atol must be > 0");
  if (!(o.dt > 0.0)) throw std::invalid_argument("dt must be > 0");
  if (o.noise.enabled && o.noise.first_trajectory + static_cast<std::uint64_t>(initial.rows()) > std::uint64_t{1} << 32)
    throw std::invalid_argument("a noisy ensemble holds at most 2^32 trajectories (32-bit noise counter)");
  const Eigen::Index B = initial.rows();
  const int nthreads = static_cast<int>(std::max<Eigen::Index>(1, std::min<Eigen::Index>(thread_count(o.threads), B)));

  EnsembleResult r;
  r.time = save_grid(o.t0, o.t_end, o.dt_save);
  r.t_stop = Vector::Constant(B, o.t_end);
  r.status.assign(B, Status::running);
  r.rhs_evaluations.assign(B, 0);
  r.steps.assign(B, 0);

  std::vector<System> systems;
  for (int i = 0; i < nthreads; ++i) systems.push_back(make_system());
  std::vector<std::unique_ptr<TrajectoryStepper>> steppers(B);
  std::vector<Vector> states(B);
  for (Eigen::Index b = 0; b < B; ++b) {
    states[b] = initial.row(b).transpose();
    steppers[b] = make_stepper(states[b], o, b);
  }

  const Eigen::Index T = r.time.size();
  Vector scratch;
  for (Eigen::Index k = 0; k < T; ++k) {
    if (cancel && cancel->load()) {
      r.interrupted = true;
      break;
    }
    const double t = r.time[k];
    const bool last = (k + 1 == T);
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
    for (Eigen::Index b = 0; b < B; ++b) {
      if (r.status[b] != Status::running) continue;
      System& sys = systems[this_thread()];
      TrajectoryStepper& st = *steppers[b];
      if (k > 0 && !st.advance_to(sys, t)) {
        r.status[b] = Status::failed;
        r.t_stop[b] = t;
      } else {
        states[b] = st.state();
        if (o.converge_tol > 0.0 && !last) {
          Vector dxdt(states[b].size());
          ++st.evaluations;
          sys(states[b], dxdt, t);
          if (dxdt.lpNorm<Eigen::Infinity>() <= o.converge_tol) {
            r.status[b] = Status::converged;
            r.t_stop[b] = t;
          }
        }
        if (last && r.status[b] == Status::running) r.status[b] = Status::reached_end;
      }
      r.rhs_evaluations[b] = st.evaluations;
      r.steps[b] = st.steps;
    }
    if (observer && !observer(k, t, states, r.status)) {
      r.interrupted = true;
      break;
    }
  }
  r.final_state.resize(B, initial.cols());
  for (Eigen::Index b = 0; b < B; ++b) {
    r.final_state.row(b) = states[b].transpose();
    if (r.interrupted && r.status[b] == Status::running) r.status[b] = Status::interrupted;
  }
  return r;
}

Trajectory integrate(System system, const Vector& x0, const IntegrateOptions& options) {
  IntegrateOptions o = options;
  o.threads = 1;
  Trajectory tr;
  tr.time = save_grid(o.t0, o.t_end, o.dt_save);
  tr.states.resize(tr.time.size(), x0.size());
  const EnsembleObserver keep = [&](Eigen::Index k, double, const std::vector<Vector>& s,
                                    const std::vector<Status>&) {
    tr.states.row(k) = s[0].transpose();
    return true;
  };
  const EnsembleResult r = integrate_ensemble([&] { return system; }, x0.transpose(), o, keep);
  tr.status = r.status[0];
  tr.t_stop = r.t_stop[0];
  tr.rhs_evaluations = r.rhs_evaluations[0];
  return tr;
}

}  // namespace mnemo::dynamics

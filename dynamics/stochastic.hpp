#pragma once
// Fixed-step SDE steppers in Boost.Odeint's stepper concept (stepper_category = stepper_tag,
// do_step(system, x, t, dt)), so odeint's integrate_const / integrate_n_steps drive them. odeint
// has none of its own (engineering notes). The system is the drift f, an ordinary odeint system
// sys(x, dxdt, t); the diagonal diffusion g and the source of Wiener increments belong to the
// stepper. Each do_step consumes one step index of the increment source, so a stepper advanced
// k times has used exactly increments 0..k-1 whatever the step sizes were.
//
//   Euler-Maruyama (Itô):    x' = x + f(x, t) dt + g(x, t) dW                 (Kloeden & Platen
//                            1992, eq. 10.2.2): strong order 1/2, weak order 1.
//   Stochastic Heun (Stratonovich; Rümelin 1982, Kloeden & Platen eq. 11.1.6 with the Heun drift):
//                            x~ = x + f(x, t) dt + g(x, t) dW
//                            x' = x + (f(x, t) + f(x~, t + dt)) dt/2 + (g(x, t) + g(x~, t + dt)) dW/2
//                            strong order 1 for diagonal (commuting) noise.
//
// With g = 0 both reduce to deterministic methods to the bit: Euler-Maruyama to odeint::euler,
// Heun to the explicit trapezoidal rule as odeint's explicit_generic_rk computes it (the drift
// arithmetic below is theirs; the noise term is added last, and adding zero changes no bits).
#include <Eigen/Dense>
#include <boost/numeric/odeint/stepper/stepper_categories.hpp>
#include <boost/numeric/odeint/util/unwrap_reference.hpp>
#include <cmath>
#include <cstdint>
#include <utility>

#include "mnemo/dynamics/counter_rng.hpp"
#include "mnemo/dynamics/noise.hpp"

namespace mnemo::dynamics {

// G(x, t) = diag(g(x, t)).
class Diffusion {
 public:
  Diffusion() = default;  // no noise (g = 0 of any size)
  static Diffusion additive(Eigen::VectorXd sigma);        // g_j = sigma_j
  static Diffusion multiplicative(Eigen::VectorXd sigma);  // g_j = sigma_j x_j
  static Diffusion general(DiagonalFunction g);
  // sigma * weights (weights empty: 1) in the form NoiseOptions names, for a state of size D.
  static Diffusion from_options(const NoiseOptions& options, Eigen::Index D);

  void operator()(const Eigen::VectorXd& x, double t, Eigen::VectorXd& g) const;
  // True when g does not depend on x (then Itô and Stratonovich coincide).
  bool is_additive() const { return form_ == Form::additive; }

 private:
  enum class Form { additive, multiplicative, general };
  Form form_ = Form::additive;
  Eigen::VectorXd sigma_;
  DiagonalFunction function_;
};

// Wiener increments dW_j = sqrt(dt) z_j from the counter-based normals of one trajectory.
struct CounterWiener {
  CounterNormal normal;
  void operator()(std::uint64_t step, double dt, Eigen::VectorXd& dW) const {
    normal.fill(step, dW);
    dW *= std::sqrt(dt);
  }
};

namespace detail {
template <class Wiener>
class StochasticStepperBase {
 public:
  using state_type = Eigen::VectorXd;
  using deriv_type = Eigen::VectorXd;
  using value_type = double;
  using time_type = double;
  using order_type = unsigned short;
  using stepper_category = boost::numeric::odeint::stepper_tag;

  StochasticStepperBase() = default;
  StochasticStepperBase(Diffusion g, Wiener w, std::uint64_t first_step)
      : diffusion_(std::move(g)), wiener_(std::move(w)), step_(first_step) {}

  // Index of the next step's increments.
  std::uint64_t step_index() const { return step_; }
  const Diffusion& diffusion() const { return diffusion_; }

 protected:
  void resize(const state_type& x) {
    if (f1_.size() != x.size()) {
      f1_.resize(x.size());
      f2_.resize(x.size());
      g1_.resize(x.size());
      g2_.resize(x.size());
      dW_.resize(x.size());
      tmp_.resize(x.size());
    }
  }
  Diffusion diffusion_;
  Wiener wiener_;
  std::uint64_t step_ = 0;
  state_type f1_, f2_, g1_, g2_, dW_, tmp_;
};
}  // namespace detail

template <class Wiener = CounterWiener>
class EulerMaruyama : public detail::StochasticStepperBase<Wiener> {
  using Base = detail::StochasticStepperBase<Wiener>;

 public:
  using typename Base::state_type;
  using typename Base::time_type;
  using typename Base::order_type;
  using Base::Base;
  static constexpr double strong_order = 0.5;  // for general (multiplicative) noise
  static constexpr order_type weak_order() { return 1; }

  template <class System>
  void do_step(System system, state_type& x, time_type t, time_type dt) {
    typename boost::numeric::odeint::unwrap_reference<System>::type& sys = system;
    this->resize(x);
    // Itô: drift and diffusion at the start of the step.
    sys(x, this->f1_, t);
    this->diffusion_(x, t, this->g1_);
    this->wiener_(this->step_++, dt, this->dW_);
    x = 1.0 * x + dt * this->f1_;  // odeint::euler's update (scale_sum2(1, dt))
    x += this->g1_.cwiseProduct(this->dW_);
  }
};

template <class Wiener = CounterWiener>
class StochasticHeun : public detail::StochasticStepperBase<Wiener> {
  using Base = detail::StochasticStepperBase<Wiener>;

 public:
  using typename Base::state_type;
  using typename Base::time_type;
  using typename Base::order_type;
  using Base::Base;
  static constexpr double strong_order = 1.0;  // diagonal noise commutes

  template <class System>
  void do_step(System system, state_type& x, time_type t, time_type dt) {
    typename boost::numeric::odeint::unwrap_reference<System>::type& sys = system;
    this->resize(x);
    sys(x, this->f1_, t);
    this->diffusion_(x, t, this->g1_);
    this->wiener_(this->step_++, dt, this->dW_);
    // Predictor: explicit_generic_rk's stage with a = 1, then the noise.
    this->tmp_ = 1.0 * x + (1.0 * dt) * this->f1_;
    this->tmp_ += this->g1_.cwiseProduct(this->dW_);
    sys(this->tmp_, this->f2_, t + dt);
    this->diffusion_(this->tmp_, t + dt, this->g2_);
    // Corrector: explicit_generic_rk's final stage with b = (1/2, 1/2), then the noise.
    x = 1.0 * x + (0.5 * dt) * this->f1_ + (0.5 * dt) * this->f2_;
    x += (0.5 * (this->g1_ + this->g2_)).cwiseProduct(this->dW_);
  }
};

}  // namespace mnemo::dynamics

// Stochastic steppers and their noise: Philox known answers, Ornstein-Uhlenbeck moments against the
// closed form, strong and weak convergence orders on geometric Brownian motion, sigma = 0 against
// the deterministic methods to the bit, and the same bits for any thread count.
#include <gtest/gtest.h>

#include <boost/array.hpp>
#include <boost/numeric/odeint.hpp>
#include <boost/numeric/odeint/external/eigen/eigen.hpp>
#include <cmath>
#include <cstdio>
#include <vector>

#include "mnemo/dynamics/counter_rng.hpp"
#include "mnemo/dynamics/ensemble.hpp"
#include "mnemo/dynamics/stochastic.hpp"

namespace mnemo::dynamics {
namespace {
namespace odeint = boost::numeric::odeint;

// Known-answer vectors of Philox4x32-10 published with Random123 (kat_vectors): counter, key, output.
TEST(Philox, KnownAnswers) {
  EXPECT_EQ(philox4x32_10({0, 0, 0, 0}, {0, 0}), (Philox4x32{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(philox4x32_10({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}),
            (Philox4x32{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}),
            (Philox4x32{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

// 2 x 10^5 normals (seed 7, trajectories 0..99, steps 0..99, 20 components): mean, variance and
// fourth moment of N(0, 1) within 4 standard errors; lag-one correlation across steps near 0.
TEST(CounterNormal, MomentsOfAStandardNormal) {
  double s1 = 0, s2 = 0, s4 = 0, lag = 0;
  long n = 0;
  Eigen::VectorXd z(20), previous(20);
  for (std::uint32_t b = 0; b < 100; ++b) {
    const CounterNormal gen(7, b);
    for (std::uint64_t k = 0; k < 100; ++k) {
      gen.fill(k, z);
      if (k > 0) lag += z.dot(previous);
      previous = z;
      s1 += z.sum();
      s2 += z.squaredNorm();
      s4 += z.array().pow(4).sum();
      n += z.size();
    }
  }
  const double mean = s1 / n, var = s2 / n - mean * mean, m4 = s4 / n;
  EXPECT_NEAR(mean, 0.0, 4.0 / std::sqrt(n));
  EXPECT_NEAR(var, 1.0, 4.0 * std::sqrt(2.0 / n));
  EXPECT_NEAR(m4, 3.0, 4.0 * std::sqrt(96.0 / n));  // Var z^4 = 105 - 9
  EXPECT_NEAR(lag / (n - 100 * 20), 0.0, 4.0 / std::sqrt(n));
}

TEST(CounterNormal, PureFunctionOfItsCounter) {
  Eigen::VectorXd a(5), b(5), c(5), d(4);
  CounterNormal(3, 11).fill(42, a);
  CounterNormal(3, 11).fill(42, b);
  CounterNormal(3, 12).fill(42, c);
  CounterNormal(3, 11).fill(42, d);  // a shorter vector is a prefix
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(a.head(4), d);
}

// A nonlinear drift for the bitwise comparisons.
struct Pendulum {
  void operator()(const Eigen::VectorXd& x, Eigen::VectorXd& d, double t) const {
    d.resize(2);
    d[0] = x[1];
    d[1] = -std::sin(x[0]) - 0.1 * x[1] + 0.3 * std::cos(t);
  }
};

TEST(StochasticSteppers, ZeroNoiseEulerMaruyamaIsOdeintEulerToTheBit) {
  Eigen::VectorXd x(2), y(2);
  x << 1.0, 0.2;
  y = x;
  EulerMaruyama<> em(Diffusion::additive(Eigen::VectorXd::Zero(2)), CounterWiener{CounterNormal(1, 0)}, 0);
  odeint::euler<Eigen::VectorXd> euler;
  for (int k = 0; k < 500; ++k) {
    em.do_step(Pendulum{}, x, 0.01 * k, 0.01);
    euler.do_step(Pendulum{}, y, 0.01 * k, 0.01);
  }
  EXPECT_EQ(x, y);
  EXPECT_EQ(em.step_index(), 500u);
}

TEST(StochasticSteppers, ZeroNoiseHeunIsTheTrapezoidalRuleToTheBit) {
  // Heun's method (explicit trapezoid) as odeint's generic Runge-Kutta with its Butcher tableau.
  const boost::array<double, 1> a1{{1.0}};
  const boost::fusion::vector<boost::array<double, 1>> a(a1);
  const boost::array<double, 2> b{{0.5, 0.5}}, c{{0.0, 1.0}};
  odeint::explicit_generic_rk<2, 2, Eigen::VectorXd> heun(a, b, c);
  Eigen::VectorXd x(2), y(2);
  x << 1.0, 0.2;
  y = x;
  StochasticHeun<> sh(Diffusion::multiplicative(Eigen::VectorXd::Zero(2)), CounterWiener{CounterNormal(1, 0)}, 0);
  for (int k = 0; k < 500; ++k) {
    sh.do_step(Pendulum{}, x, 0.01 * k, 0.01);
    heun.do_step(Pendulum{}, y, 0.01 * k, 0.01);
  }
  EXPECT_EQ(x, y);
  EXPECT_NEAR(x[0], 0.0, 10.0);  // finite
}

TEST(StochasticSteppers, IntegrateConstDrivesThem) {
  const double sigma = 0.3;
  auto make = [&] {
    return EulerMaruyama<>(Diffusion::additive(Eigen::VectorXd::Constant(2, sigma)), CounterWiener{CounterNormal(5, 2)}, 0);
  };
  Eigen::VectorXd x(2), y(2);
  x << 1.0, 0.0;
  y = x;
  const std::size_t steps = odeint::integrate_const(make(), Pendulum{}, x, 0.0, 1.0, 0.01);
  EXPECT_EQ(steps, 100u);
  auto em = make();
  for (int k = 0; k < 100; ++k) em.do_step(Pendulum{}, y, 0.01 * k, 0.01);
  EXPECT_EQ(x, y);
  // ... and the noise did something.
  Eigen::VectorXd z(2);
  z << 1.0, 0.0;
  odeint::integrate_const(odeint::euler<Eigen::VectorXd>(), Pendulum{}, z, 0.0, 1.0, 0.01);
  EXPECT_GT((x - z).norm(), 1e-3);
}

TEST(StochasticSteppers, GeneralDiffusionEqualsTheBuiltInForm) {
  const Eigen::VectorXd sigma = Eigen::VectorXd::Constant(2, 0.2);
  const Diffusion general = Diffusion::general([&](const Eigen::VectorXd& x, double, Eigen::VectorXd& g) {
    g = sigma.cwiseProduct(x);
  });
  Eigen::VectorXd x(2), y(2);
  x << 1.0, 0.5;
  y = x;
  StochasticHeun<> a(general, CounterWiener{CounterNormal(9, 0)}, 0);
  StochasticHeun<> b(Diffusion::multiplicative(sigma), CounterWiener{CounterNormal(9, 0)}, 0);
  for (int k = 0; k < 200; ++k) {
    a.do_step(Pendulum{}, x, 0.01 * k, 0.01);
    b.do_step(Pendulum{}, y, 0.01 * k, 0.01);
  }
  EXPECT_EQ(x, y);
}

// ---- Ornstein-Uhlenbeck: dX = -theta X dt + s dW, X(0) = x0 ------------------------------------
// X(t) ~ N(x0 e^{-theta t}, s^2 (1 - e^{-2 theta t}) / (2 theta)). 1500 trajectories x 8
// independent components (12000 samples), dt = 1e-3 (discretisation bias of the mean ~1e-4, far
// below its standard error 4e-3), seed 2024.
class OrnsteinUhlenbeck : public ::testing::TestWithParam<StochasticMethod> {};

TEST_P(OrnsteinUhlenbeck, MeanAndVarianceAtTimeOneMatchTheClosedForm) {
  const double theta = 1.0, s = 0.5, x0 = 1.0;
  IntegrateOptions o;
  o.t_end = 1.0;
  o.dt_save = 0.5;
  o.dt = 1e-3;
  o.threads = 2;
  o.noise.enabled = true;
  o.noise.sigma = s;
  o.noise.method = GetParam();
  o.noise.seed = 2024;
  const Matrix initial = Matrix::Constant(1500, 8, x0);
  auto ou = [theta] { return System([theta](const Vector& x, Vector& d, double) { d = -theta * x; }); };
  const EnsembleResult r = integrate_ensemble(ou, initial, o, {});
  const Eigen::Map<const Vector> samples(r.final_state.data(), r.final_state.size());
  const double n = static_cast<double>(samples.size());
  const double mean = samples.mean();
  const double var = (samples.array() - mean).square().sum() / (n - 1.0);
  const double mean_exact = x0 * std::exp(-theta);
  const double var_exact = s * s * (1.0 - std::exp(-2.0 * theta)) / (2.0 * theta);
  const double se_mean = std::sqrt(var_exact / n);
  const double se_var = var_exact * std::sqrt(2.0 / (n - 1.0));  // normal samples
  std::printf("OU %s: mean %.5f (exact %.5f, se %.5f), variance %.5f (exact %.5f, se %.5f)\n",
              to_string(GetParam()).c_str(), mean, mean_exact, se_mean, var, var_exact, se_var);
  EXPECT_NEAR(mean, mean_exact, 3.0 * se_mean) << to_string(GetParam());
  EXPECT_NEAR(var, var_exact, 3.0 * se_var) << to_string(GetParam());
  for (auto st : r.status) EXPECT_EQ(st, Status::reached_end);
  EXPECT_EQ(r.steps[0], 1000);
}

INSTANTIATE_TEST_SUITE_P(Methods, OrnsteinUhlenbeck,
                         ::testing::Values(StochasticMethod::euler_maruyama, StochasticMethod::heun),
                         [](const auto& info) { return to_string(info.param); });

// ---- Geometric Brownian motion: convergence orders ------------------------------------------------
// dX = lambda X dt + mu X dW (Itô; Stratonovich with the same exact solution when the drift is
// lambda + mu^2/2), lambda = 2, mu = 1, X0 = 1, T = 1: the example of Higham (SIAM Review 43,
// 2001). Each path's increments on the finest grid (2^-10) come from the counter-based generator;
// coarse steps sum them, so every step size sees the same Brownian path.
struct FinePath {
  const std::vector<double>* increments = nullptr;  // fine-grid dW
  int ratio = 1;                                    // fine steps per coarse step
  void operator()(std::uint64_t step, double, Eigen::VectorXd& dW) const {
    double sum = 0.0;
    for (int i = 0; i < ratio; ++i) sum += (*increments)[step * ratio + i];
    dW.resize(1);
    dW[0] = sum;
  }
};

struct Orders {
  std::vector<double> dt, strong, weak_bias, weak_se;
};

template <template <class> class Stepper>
Orders gbm_errors(double drift, bool stratonovich, int paths) {
  const double mu = 1.0, T = 1.0;
  const int fine = 1 << 10;
  const std::vector<int> ratios{2, 4, 8, 16, 32};
  Orders out;
  std::vector<double> sum_abs(ratios.size(), 0.0), sum_d(ratios.size(), 0.0), sum_d2(ratios.size(), 0.0);
  std::vector<double> inc(fine);
  Eigen::VectorXd z(fine);
  const auto gbm = [drift](const Eigen::VectorXd& x, Eigen::VectorXd& d, double) { d = drift * x; };
  for (int p = 0; p < paths; ++p) {
    CounterNormal(99, static_cast<std::uint32_t>(p)).fill(0, z);
    double W = 0.0;
    for (int i = 0; i < fine; ++i) W += (inc[i] = z[i] * std::sqrt(T / fine));
    // Itô: X0 exp((lambda - mu^2/2) T + mu W); Stratonovich with drift lambda: X0 exp(lambda T + mu W).
    const double exact = std::exp((stratonovich ? drift : drift - 0.5 * mu * mu) * T + mu * W);
    for (std::size_t r = 0; r < ratios.size(); ++r) {
      const int n = fine / ratios[r];
      const double dt = T / n;
      Stepper<FinePath> st(Diffusion::multiplicative(Eigen::VectorXd::Constant(1, mu)), FinePath{&inc, ratios[r]}, 0);
      Eigen::VectorXd x = Eigen::VectorXd::Ones(1);
      for (int k = 0; k < n; ++k) st.do_step(gbm, x, k * dt, dt);
      const double d = x[0] - exact;
      sum_abs[r] += std::abs(d);
      sum_d[r] += d;
      sum_d2[r] += d * d;
    }
  }
  for (std::size_t r = 0; r < ratios.size(); ++r) {
    out.dt.push_back(T * ratios[r] / fine);
    out.strong.push_back(sum_abs[r] / paths);
    const double m = sum_d[r] / paths;
    out.weak_bias.push_back(m);
    out.weak_se.push_back(std::sqrt((sum_d2[r] / paths - m * m) / (paths - 1)));
  }
  return out;
}

double loglog_slope(const std::vector<double>& x, const std::vector<double>& y) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  const double n = static_cast<double>(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double a = std::log(x[i]), b = std::log(std::abs(y[i]));
    sx += a;
    sy += b;
    sxx += a * a;
    sxy += a * b;
  }
  return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

// Euler-Maruyama, Itô GBM, 5000 paths (seed 99), dt = 2^-9 ... 2^-5. Strong error
// E|X_dt(T) - X(T)| has slope 0.5 (tolerance 0.1). The weak error E X_dt(T) - E X(T) equals
// (1 + lambda dt)^{T/dt} - e^{lambda T} exactly for this SDE (slope 0.97 over these dt), which the
// estimate matches within 3 standard errors at every dt; its fitted slope is 1 within 0.15. Over
// seeds 1..20 the fitted slopes ranged 0.51-0.54 (strong) and 0.91-1.14 (weak): the weak slope is
// the noisier statistic, the 3-standard-error check the sharper one.
TEST(ConvergenceOrder, EulerMaruyamaStrongHalfWeakOneOnGeometricBrownianMotion) {
  const double lambda = 2.0;
  const Orders e = gbm_errors<EulerMaruyama>(lambda, false, 5000);
  const double strong = loglog_slope(e.dt, e.strong);
  const double weak = loglog_slope(e.dt, e.weak_bias);
  for (std::size_t r = 0; r < e.dt.size(); ++r) {
    const double exact_bias = std::pow(1.0 + lambda * e.dt[r], 1.0 / e.dt[r]) - std::exp(lambda);
    EXPECT_NEAR(e.weak_bias[r], exact_bias, 3.0 * e.weak_se[r]) << "dt = " << e.dt[r];
  }
  EXPECT_NEAR(strong, 0.5, 0.1);
  EXPECT_NEAR(weak, 1.0, 0.15);
  RecordProperty("strong_slope", std::to_string(strong));
  RecordProperty("weak_slope", std::to_string(weak));
  std::printf("Euler-Maruyama on GBM: strong slope %.3f, weak slope %.3f\n", strong, weak);
}

// Stochastic Heun on the Stratonovich GBM dX = lambda X dt + mu X o dW: strong order 1 for this
// (commuting) noise, slope 1 with tolerance 0.15; 1000 paths (seeds 1..20 gave 0.98-1.01).
TEST(ConvergenceOrder, StochasticHeunStrongOneOnStratonovichGeometricBrownianMotion) {
  const Orders e = gbm_errors<StochasticHeun>(2.0, true, 1000);
  const double strong = loglog_slope(e.dt, e.strong);
  EXPECT_NEAR(strong, 1.0, 0.15);
  std::printf("stochastic Heun on Stratonovich GBM: strong slope %.3f\n", strong);
}

// ---- ensembles ------------------------------------------------------------------------------------
System double_well() {
  return [](const Vector& x, Vector& d, double) { d = x - x.array().cube().matrix(); };
}

IntegrateOptions noisy(StochasticMethod m, double sigma) {
  IntegrateOptions o;
  o.t_end = 2.0;
  o.dt_save = 0.5;
  o.dt = 0.01;
  o.noise.enabled = true;
  o.noise.sigma = sigma;
  o.noise.method = m;
  o.noise.seed = 17;
  return o;
}

TEST(NoisyEnsemble, SameBitsForOneAndTwoThreadsAndAnyBatch) {
  for (StochasticMethod m : {StochasticMethod::euler_maruyama, StochasticMethod::heun}) {
    IntegrateOptions o = noisy(m, 0.4);
    o.noise.kind = NoiseKind::multiplicative;
    const Matrix x0 = Matrix::Constant(16, 3, 0.1);
    o.threads = 1;
    const EnsembleResult a = integrate_ensemble(double_well, x0, o, {});
    o.threads = 2;
    const EnsembleResult b = integrate_ensemble(double_well, x0, o, {});
    EXPECT_EQ(a.final_state, b.final_state) << to_string(m);
    // Trajectory b's noise depends on (seed, b) only: the first half of the batch alone is the same.
    const EnsembleResult half = integrate_ensemble(double_well, x0.topRows(8), o, {});
    EXPECT_EQ(half.final_state, a.final_state.topRows(8)) << to_string(m);
    // A later part of the ensemble alone (one batch of `mpirun mnemo run`) draws the streams of its
    // trajectories' indices in the whole ensemble; without the offset it would repeat rows 0..7.
    IntegrateOptions part = o;
    part.noise.first_trajectory = 8;
    const EnsembleResult rest = integrate_ensemble(double_well, x0.bottomRows(8), part, {});
    EXPECT_EQ(rest.final_state, a.final_state.bottomRows(8)) << to_string(m);
    EXPECT_NE(rest.final_state, half.final_state) << to_string(m);
    // Trajectories with the same start differ (independent noise), and another seed changes them.
    EXPECT_NE(a.final_state.row(0), a.final_state.row(1));
    o.noise.seed = 18;
    EXPECT_NE(integrate_ensemble(double_well, x0, o, {}).final_state, a.final_state);
  }
}

TEST(NoisyEnsemble, ZeroSigmaReproducesTheDeterministicEulerEnsemble) {
  IntegrateOptions o = noisy(StochasticMethod::euler_maruyama, 0.0);
  o.converge_tol = 1e-3;
  const Matrix x0 = Matrix::Random(6, 3);
  const EnsembleResult a = integrate_ensemble(double_well, x0, o, {});
  o.noise.enabled = false;
  o.method = Method::euler;
  const EnsembleResult b = integrate_ensemble(double_well, x0, o, {});
  EXPECT_EQ(a.final_state, b.final_state);
  EXPECT_EQ(a.t_stop, b.t_stop);
  EXPECT_EQ(a.rhs_evaluations, b.rhs_evaluations);
}

TEST(NoisyEnsemble, WeightsSelectComponents) {
  IntegrateOptions o = noisy(StochasticMethod::euler_maruyama, 0.5);
  o.noise.weights = Vector::Zero(3);
  o.noise.weights[1] = 1.0;
  const Matrix x0 = Matrix::Constant(4, 3, 0.3);
  const EnsembleResult a = integrate_ensemble(double_well, x0, o, {});
  o.noise.enabled = false;
  o.method = Method::euler;
  const EnsembleResult b = integrate_ensemble(double_well, x0, o, {});
  EXPECT_EQ(a.final_state.col(0), b.final_state.col(0));
  EXPECT_EQ(a.final_state.col(2), b.final_state.col(2));
  EXPECT_NE(a.final_state.col(1), b.final_state.col(1));
}

}  // namespace
}  // namespace mnemo::dynamics

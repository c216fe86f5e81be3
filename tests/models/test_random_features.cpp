// Kind "random_features" (Hoover, Chau, Strobelt, Ram & Krotov 2024, DrDAM; references row 7):
// the exact DAM E(v) = -beta^-1 log sum_mu exp(-beta/2 |v - xi_mu|^2) approximated by
// E~(v) = -beta^-1 log <phi(v), T>, T = sum_mu phi(xi_mu). Signature, in the authors' setting
// scaled down (binary patterns in {0, 1/sqrt(D)}^D, so the data diameter is <= 1; queries are
// memories with 10 % of the bits flipped):
//   - energy and gradient errors against the exact DAM fall like 1/sqrt(Y): the log-log slope of
//     the mean error over Y = 64 ... 8192 lies in -0.5 +- 0.15;
//   - trajectories of the approximate flow follow the exact one within an a-posteriori Groenwall
//     bound that shrinks with Y (and the deviation itself falls like 1/sqrt(Y));
//   - the model's memory does not grow with K: its numbers are T (2Y) and Omega (Y x D), and a
//     memory is added by summation into T.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "mnemo/dynamics/ensemble.hpp"
#include "mnemo/models/catalogue.hpp"
#include "mnemo/models/random.hpp"
#include "mnemo/models/random_features.hpp"

namespace mnemo::models {
namespace {

constexpr Eigen::Index kDim = 10, kMemories = 12;
constexpr double kBeta = 8.0;

// K distinct random binary patterns in {0, 1/sqrt(D)}^D (DrDAM's QUANT1 data, scaled down).
Matrix binary_memories(Eigen::Index K, Eigen::Index D, std::uint64_t seed) {
  Rng rng(seed, stream::memories);
  Matrix X(K, D);
  for (Eigen::Index k = 0; k < K; ++k) {
    bool again = true;
    while (again) {
      for (Eigen::Index j = 0; j < D; ++j) X(k, j) = rng.uniform() < 0.5 ? 0.0 : 1.0 / std::sqrt(double(D));
      again = false;
      for (Eigen::Index l = 0; l < k; ++l) again |= (X.row(l) - X.row(k)).norm() == 0.0;
    }
  }
  return X;
}

// Memory mu with one of the D = 10 bits flipped ("near" queries of the paper, 10 % flips).
Matrix near_queries(const Matrix& X) {
  Matrix Q = X;
  const double one = 1.0 / std::sqrt(double(X.cols()));
  for (Eigen::Index k = 0; k < X.rows(); ++k) {
    const Eigen::Index j = (3 * k + 1) % X.cols();
    Q(k, j) = one - Q(k, j);
  }
  return Q;
}

// Least-squares slope of log(err) against log(Y).
double loglog_slope(const std::vector<double>& Y, const std::vector<double>& err) {
  const std::size_t n = Y.size();
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < n; ++i) {
    mx += std::log(Y[i]) / n;
    my += std::log(err[i]) / n;
  }
  double sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sxy += (std::log(Y[i]) - mx) * (std::log(err[i]) - my);
    sxx += (std::log(Y[i]) - mx) * (std::log(Y[i]) - mx);
  }
  return sxy / sxx;
}

TEST(RandomFeatures, FeatureInnerProductsEstimateTheGaussianKernelWithoutBias) {
  // <phi(x), phi(y)> is a mean of Y i.i.d. terms z_i with E z_i = exp(-beta/2 |x - y|^2); the
  // estimate must lie within 5 standard errors (computed from the same terms) of the kernel.
  const Matrix X = binary_memories(2, kDim, 3);
  const Vector x = X.row(0).transpose(), y = X.row(1).transpose();
  const double kernel = std::exp(-0.5 * kBeta * (x - y).squaredNorm());
  for (FeatureMap map : {FeatureMap::sincos, FeatureMap::positive}) {
    const Eigen::Index Y = 100000;
    RandomFeatureMemory m(map, kDim, Y, kBeta, 5);
    const Vector px = m.features(x), py = m.features(y);
    Vector z(Y);
    for (Eigen::Index i = 0; i < Y; ++i)
      z[i] = double(Y) * (map == FeatureMap::sincos ? px[i] * py[i] + px[Y + i] * py[Y + i] : px[i] * py[i]);
    const double mean = z.mean(), se = std::sqrt((z.array() - mean).square().sum() / (Y - 1) / Y);
    EXPECT_NEAR(px.dot(py), mean, 1e-12);
    EXPECT_NEAR(mean, kernel, 5.0 * se) << (map == FeatureMap::sincos ? "sincos" : "positive");
    EXPECT_LT(se, 0.05);  // measured 0.004 (sincos), 0.013 (positive)
  }
}

TEST(RandomFeatures, ExactKindIsTheDAMEnergyAndItsGradientFlow) {
  const Matrix X = binary_memories(kMemories, kDim, 1), Q = near_queries(X);
  const Network net = exact_dam_network(X, kBeta);
  auto ws = net.workspace();
  for (Eigen::Index q = 0; q < Q.rows(); ++q) {
    const Vector v = Q.row(q).transpose();
    // Written out here: -beta^-1 log sum exp(-beta/2 |v - xi|^2).
    double sum = 0.0;
    for (Eigen::Index k = 0; k < X.rows(); ++k) sum += std::exp(-0.5 * kBeta * (v - X.row(k).transpose()).squaredNorm());
    EXPECT_NEAR(net.energy(v, ws), -std::log(sum) / kBeta, 1e-12);
    EXPECT_NEAR(exact_dam_energy(X, kBeta, v), -std::log(sum) / kBeta, 1e-12);
    Vector dv(kDim);
    net.rhs(v, dv, ws);
    EXPECT_LT((dv + exact_dam_gradient(X, kBeta, v)).norm(), 1e-12);
  }
}

struct Errors {
  double energy = 0.0, gradient = 0.0;  // means over queries and seeds
};

Errors approximation_errors(const Matrix& X, const Matrix& Q, Eigen::Index Y, int seeds) {
  Errors e;
  for (int s = 0; s < seeds; ++s) {
    RandomFeatureMemory m(FeatureMap::sincos, X.cols(), Y, kBeta, 1000 * std::uint64_t(Y) + s);
    m.add_memories(X);
    Vector g(X.cols());
    for (Eigen::Index q = 0; q < Q.rows(); ++q) {
      const Vector v = Q.row(q).transpose();
      e.energy += std::abs(m.approximate_energy(v) - exact_dam_energy(X, kBeta, v));
      m.approximate_gradient(v, g);
      e.gradient += (g - exact_dam_gradient(X, kBeta, v)).norm();
    }
    EXPECT_EQ(m.clipped_evaluations(), 0) << "near queries never clip";
  }
  e.energy /= seeds * Q.rows();
  e.gradient /= seeds * Q.rows();
  return e;
}

TEST(RandomFeatures, EnergyAndGradientErrorsFallLikeOneOverSqrtY) {
  const Matrix X = binary_memories(kMemories, kDim, 1), Q = near_queries(X);
  std::vector<double> Ys, energy, gradient;
  for (Eigen::Index Y = 64; Y <= 8192; Y *= 2) {
    const Errors e = approximation_errors(X, Q, Y, 8);
    Ys.push_back(double(Y));
    energy.push_back(e.energy);
    gradient.push_back(e.gradient);
  }
  const double se = loglog_slope(Ys, energy), sg = loglog_slope(Ys, gradient);
  // Measured (seeds 1000 Y + 0..7): energy slope -0.47, gradient slope -0.51.
  EXPECT_NEAR(se, -0.5, 0.15) << "energy errors " << energy.front() << " ... " << energy.back();
  EXPECT_NEAR(sg, -0.5, 0.15) << "gradient errors " << gradient.front() << " ... " << gradient.back();
  EXPECT_LT(energy.back(), energy.front() / 5.0);
  RecordProperty("energy_slope", std::to_string(se));
  RecordProperty("energy_error_Y64_Y8192", std::to_string(energy.front()) + " " + std::to_string(energy.back()));
  RecordProperty("gradient_slope", std::to_string(sg));
}

// Both flows from the same query, tau dv/dt = -grad E (exact) and -grad E~ (approximate), with
// delta = v - v~ obey |delta|' <= mu |delta| + eps(t), eps = |grad E(v~) - grad E~(v~)| and
// mu = sup lambda_max(-d2 E) = -1 + beta sup lambda_max(Cov_p(xi)) <= -1 + beta d^2 / 4 for data
// of diameter d (Popoviciu). Hence |delta(t)| <= int_0^t exp(mu (t - s)) eps(s) ds: a bound
// computed along the approximate trajectory that shrinks with Y as eps does.
struct Following {
  double deviation = 0.0;  // max_t |v(t) - v~(t)|
  double bound = 0.0;      // the Groenwall bound at the time of that maximum... and everywhere below
  bool within = true;      // deviation(t) <= bound(t) at every saved t
};

Following follow(const Matrix& X, VectorCRef query, Eigen::Index Y, std::uint64_t seed, double mu) {
  dynamics::IntegrateOptions o;
  o.t_end = 3.0;
  o.dt_save = 0.01;
  o.rtol = 1e-10;
  o.atol = 1e-12;
  const Network exact = exact_dam_network(X, kBeta);
  const Network approx = random_feature_network(X, FeatureMap::sincos, Y, kBeta, seed);
  RandomFeatureMemory m(FeatureMap::sincos, X.cols(), Y, kBeta, seed);  // same seed: the same Omega and T
  m.add_memories(X);
  GradientFlow fe(exact), fa(approx);
  const auto te = dynamics::integrate([&](const Vector& x, Vector& d, double t) { fe(x, d, t); }, query, o);
  const auto ta = dynamics::integrate([&](const Vector& x, Vector& d, double t) { fa(x, d, t); }, query, o);
  EXPECT_EQ(te.status, dynamics::Status::reached_end);
  EXPECT_EQ(ta.status, dynamics::Status::reached_end);
  Following f;
  Vector g(X.cols());
  double bound = 0.0, eps_prev = 0.0;
  for (Eigen::Index k = 0; k < ta.states.rows(); ++k) {
    const Vector va = ta.states.row(k).transpose();
    m.approximate_gradient(va, g);
    const double eps = (g - exact_dam_gradient(X, kBeta, va)).norm();
    if (k > 0) {  // trapezoid on the integral, with the growth factor over one save step
      const double h = ta.time[k] - ta.time[k - 1];
      bound = std::exp(mu * h) * bound + 0.5 * h * (std::exp(mu * h) * eps_prev + eps);
    }
    eps_prev = eps;
    const double dev = (te.states.row(k) - ta.states.row(k)).norm();
    // 2 % slack for the trapezoid rule on a smooth eps(t).
    f.within &= dev <= 1.02 * bound + 1e-9;
    if (dev > f.deviation) {
      f.deviation = dev;
      f.bound = bound;
    }
  }
  return f;
}

TEST(RandomFeatures, TrajectoriesFollowTheExactOneWithinABoundShrinkingWithY) {
  const Matrix X = binary_memories(kMemories, kDim, 1), Q = near_queries(X);
  double d2 = 0.0;
  for (Eigen::Index a = 0; a < X.rows(); ++a)
    for (Eigen::Index b = 0; b < X.rows(); ++b) d2 = std::max(d2, (X.row(a) - X.row(b)).squaredNorm());
  const double mu = -1.0 + kBeta * d2 / 4.0;
  std::vector<double> Ys, deviation, bound;
  for (Eigen::Index Y : {128, 512, 2048, 8192}) {
    double dev = 0.0, bnd = 0.0;
    int n = 0;
    for (std::uint64_t seed : {1, 2, 3}) {
      for (Eigen::Index q = 0; q < Q.rows(); q += 3) {
        const Following f = follow(X, Q.row(q).transpose(), Y, 7000 + 10 * seed + std::uint64_t(Y), mu);
        EXPECT_TRUE(f.within) << "Y = " << Y << ", query " << q << ": deviation " << f.deviation << ", bound " << f.bound;
        dev += f.deviation;
        bnd += f.bound;
        ++n;
      }
    }
    Ys.push_back(double(Y));
    deviation.push_back(dev / n);
    bound.push_back(bnd / n);
  }
  for (std::size_t i = 1; i < Ys.size(); ++i) {
    EXPECT_LT(deviation[i], deviation[i - 1]) << "Y = " << Ys[i];
    EXPECT_LT(bound[i], bound[i - 1]) << "Y = " << Ys[i];
  }
  EXPECT_NEAR(loglog_slope(Ys, deviation), -0.5, 0.15);
  EXPECT_NEAR(loglog_slope(Ys, bound), -0.5, 0.15);
  for (std::size_t i = 0; i < Ys.size(); ++i)
    RecordProperty("deviation_bound_Y" + std::to_string(int(Ys[i])), std::to_string(deviation[i]) + " " + std::to_string(bound[i]));
  RecordProperty("deviation_slope", std::to_string(loglog_slope(Ys, deviation)));
}

TEST(RandomFeatures, ModelMemoryIsFixedByYAndMemoriesAreAddedBySummation) {
  const Eigen::Index Y = 256;
  const Matrix many = binary_memories(300, 24, 2);
  RandomFeatureMemory one(FeatureMap::sincos, 24, Y, kBeta, 9), all(FeatureMap::sincos, 24, Y, kBeta, 9),
      incremental(FeatureMap::sincos, 24, Y, kBeta, 9), first(FeatureMap::sincos, 24, Y, kBeta, 9),
      second(FeatureMap::sincos, 24, Y, kBeta, 9);
  one.add_memory(many.row(0).transpose());
  all.add_memories(many);
  for (Eigen::Index k = 0; k < many.rows(); ++k) incremental.add_memory(many.row(k).transpose());
  first.add_memories(many.topRows(100));
  second.add_memories(many.bottomRows(200));
  // The numbers held: T (2Y) and Omega (Y x D), whatever K is.
  EXPECT_EQ(one.parameter_count(), 2 * Y + Y * 24);
  EXPECT_EQ(all.parameter_count(), one.parameter_count());
  EXPECT_EQ(all.memory_vector().size(), 2 * Y);
  // Adding memories is a sum into T: one at a time = all at once = two halves summed.
  EXPECT_LT((incremental.memory_vector() - all.memory_vector()).norm(), 1e-10);
  EXPECT_LT((first.memory_vector() + second.memory_vector() - all.memory_vector()).norm(), 1e-10);
  // T = sum_mu phi(xi_mu), phi computed independently.
  Vector T = Vector::Zero(2 * Y);
  for (Eigen::Index k = 0; k < many.rows(); ++k) T += one.features(many.row(k).transpose());
  EXPECT_LT((T - all.memory_vector()).norm(), 1e-10);
  // The network holds no K-sized weights: one layer, no synapse, one coupling of fixed size.
  for (Eigen::Index K : {1, 300}) {
    const Network net = random_feature_network(many.topRows(K), FeatureMap::sincos, Y, kBeta, 9);
    EXPECT_EQ(net.layers().size(), 1u);
    EXPECT_TRUE(net.synapses().empty());
    ASSERT_EQ(net.couplings().size(), 1u);
    const auto* c = dynamic_cast<const RandomFeatureMemory*>(net.couplings()[0].get());
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->parameter_count(), 2 * Y + Y * 24) << "K = " << K;
  }
  // Positive features: Y numbers in T.
  RandomFeatureMemory positive(FeatureMap::positive, 24, Y, kBeta, 9);
  positive.add_memories(many);
  EXPECT_EQ(positive.parameter_count(), Y + Y * 24);
}

TEST(RandomFeatures, CatalogueKindUsesTheRunSeedAndRejectsBadParameters) {
  const Matrix X = binary_memories(kMemories, kDim, 1);
  ModelSpec s;
  s.kind = "random_features";
  s.numbers = {{"beta", kBeta}, {"Y", 64}};
  s.seed = 3;
  const Model a = build_model(complete_spec(s), X), b = build_model(complete_spec(s), X);
  s.seed = 4;
  const Model c = build_model(complete_spec(s), X);
  auto T = [](const Model& m) { return dynamic_cast<const RandomFeatureMemory&>(*m.network.couplings()[0]).memory_vector(); };
  EXPECT_EQ((T(a) - T(b)).norm(), 0.0);
  EXPECT_GT((T(a) - T(c)).norm(), 0.1);
  for (auto [key, value] : {std::pair<const char*, double>{"beta", 0.0}, {"beta", -1.0}, {"Y", 0.0}, {"Y", 2.5}, {"clip", 0.0}}) {
    ModelSpec bad = s;
    bad.numbers[key] = value;
    try {
      complete_spec(bad);
      ADD_FAILURE() << key << " = " << value << " accepted";
    } catch (const ParamError& e) {
      EXPECT_EQ(e.key, key);
    }
  }
}

}  // namespace
}  // namespace mnemo::models

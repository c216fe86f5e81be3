// Savin, Dayan & Lengyel 2013 (models/savin_plasticity.hpp): closed-form synaptic statistics of
// additive rules, the decoders' algebra against direct formulas (notes sections 5-6, the
// Woodbury form against the dense Gaussian it inverts), and the paper's signature at
// references row 10's size (N = 1000, f = 0.1, M = 100).
#include <gtest/gtest.h>

#include <cmath>

#include "mnemo/models/savin_plasticity.hpp"

namespace {

using namespace mnemo::models;
using Eigen::Index;

// Estimates of the six statistics from one weight matrix, with the true mean removed.
struct Estimate {
  double mean, variance, same_post, same_pre, chain, reciprocal;
};
Estimate estimate(const Matrix& W, double mu) {
  const Index N = W.rows();
  Matrix D = W.array() - mu;
  D.diagonal().setZero();
  const double n = static_cast<double>(N);
  Estimate e{};
  e.mean = (W.sum() - W.diagonal().sum()) / (n * (n - 1));
  e.variance = D.squaredNorm() / (n * (n - 1));
  const Vector row = D.rowwise().sum(), col = D.colwise().sum().transpose();
  const Vector row2 = D.rowwise().squaredNorm(), col2 = D.colwise().squaredNorm().transpose();
  e.same_post = (row.squaredNorm() - row2.sum()) / (n * (n - 1) * (n - 2));
  e.same_pre = (col.squaredNorm() - col2.sum()) / (n * (n - 1) * (n - 2));
  const double recip = D.cwiseProduct(D.transpose()).sum();
  e.chain = (col.dot(row) - recip) / (n * (n - 1) * (n - 2));
  e.reciprocal = recip / (n * (n - 1));
  return e;
}

void check_statistics(const PlasticityTable& table, double f) {
  // 60 independent networks of N = 50 neurons and M = 40 patterns (seeds 1..60); each
  // statistic's mean over networks must match the closed form within 4 standard errors.
  const Index N = 50, M = 40, R = 60;
  const SynapticStatistics th = synaptic_statistics(table, f, M);
  std::vector<Estimate> es;
  for (Index r = 0; r < R; ++r) {
    Rng rng(static_cast<std::uint64_t>(r + 1), stream::memories);
    es.push_back(estimate(store_patterns(sparse_binary_patterns(M, N, f, rng), table), th.mean));
  }
  auto check = [&](double Estimate::*field, double expected, const char* name) {
    double m = 0, m2 = 0;
    for (const Estimate& e : es) m += e.*field;
    m /= R;
    for (const Estimate& e : es) m2 += (e.*field - m) * (e.*field - m);
    const double se = std::sqrt(m2 / (R - 1) / R);
    EXPECT_NEAR(m, expected, 4.0 * se + 1e-12) << name << " (standard error " << se << ")";
  };
  check(&Estimate::mean, th.mean, "mean");
  check(&Estimate::variance, th.variance, "variance");
  check(&Estimate::same_post, th.cov_same_post, "Cov(W_ij, W_ik)");
  check(&Estimate::same_pre, th.cov_same_pre, "Cov(W_ij, W_kj)");
  check(&Estimate::chain, th.cov_chain, "Cov(W_ij, W_jk)");
  check(&Estimate::reciprocal, th.cov_reciprocal, "Cov(W_ij, W_ji)");
}

TEST(SavinStatistics, ClosedFormsOfNamedRules) {
  const double f = 0.1;
  const SynapticStatistics hebb = synaptic_statistics(simple_hebb_table(), f, 1);
  EXPECT_NEAR(hebb.variance, f * f * (1 - f * f), 1e-15);       // notes section 3
  EXPECT_NEAR(hebb.corr_same_post(), f / (1 + f), 1e-15);       // 0.0909 at f = 0.1
  const CentredRule cov = centre(covariance_table(f), f);
  EXPECT_EQ(cov.c_post, 0.0);                                    // exactly, so aware == naive
  EXPECT_EQ(cov.c_pre, 0.0);
  EXPECT_EQ(cov.c0, 0.0);
  EXPECT_EQ(synaptic_statistics(covariance_table(f), f, 10).cov_same_post, 0.0);
}

TEST(SavinStatistics, SimpleHebbMatchesSimulation) { check_statistics(simple_hebb_table(), 0.1); }
TEST(SavinStatistics, CovarianceRuleMatchesSimulation) { check_statistics(covariance_table(0.2), 0.2); }
TEST(SavinStatistics, AsymmetricTableMatchesSimulation) { check_statistics({0.3, -0.2, 0.5, 1.1}, 0.3); }

// The aggregate energies of SavinEnergy against the explicit sums they stand for.
struct Direct {
  const SavinMemory& m;
  Vector L;
  double omega(double a, double b) const { return m.energy().table(a, b); }
  // Naive: -log prior - cue + sum_{i<j} R_ij^2 / (2 sigma^2), R = W - mu - Omega.
  double naive(const Vector& x) const {
    const SavinEnergy& E = m.energy();
    const Matrix& W = m.decoder_weights();
    double c = 0;
    for (Index i = 0; i < x.size(); ++i)
      for (Index j = i + 1; j < x.size(); ++j) c += std::pow(W(i, j) - E.mu - omega(x[i], x[j]), 2);
    return -E.log_prior_odds * x.sum() - x.dot(L) + c / (2 * E.sigma2);
  }
  // Aware, notes section 6 (Woodbury form with rho_k and S written out).
  double aware(const Vector& x) const {
    const SavinEnergy& E = m.energy();
    const Matrix& W = m.decoder_weights();
    const Index N = x.size();
    double c = 0;
    Vector rho = Vector::Zero(N);
    for (Index i = 0; i < N; ++i)
      for (Index j = 0; j < N; ++j) {
        if (i == j) continue;
        const double R = W(i, j) - E.mu - omega(x[i], x[j]);
        rho[i] += R;
        if (i < j) c += R * R;
      }
    const double a = 1.0 / E.inv_a, S = rho.sum();
    return -E.log_prior_odds * x.sum() - x.dot(L) +
           (c - rho.squaredNorm() / a + S * S / (a * (a + double(N)))) / (2 * E.sigma2);
  }
  double aggregate(const Vector& x) const {
    const Matrix& W = m.decoder_weights();
    return m.energy()(x.sum(), x.dot(W * x), x.dot(m.row_sums()), x.dot(L));
  }
};

TEST(SavinDecoders, AggregateEnergiesEqualTheDirectSums) {
  // N = 30, M = 12, f = 0.2, seed 4; differences of energies between random states (the
  // aggregates drop x-independent constants).
  for (auto table : {simple_hebb_table(), PlasticityTable{0.1, -0.3, -0.3, 0.9}}) {
    for (auto decoder : {SavinDecoder::naive, SavinDecoder::aware, SavinDecoder::double_centred}) {
      SavinOptions o;
      o.f = 0.2;
      o.table = table;
      o.decoder = decoder;
      SavinMemory m(o, 12, 30, 0.1, 4);
      Rng rng(4, stream::queries);
      const Vector cue = m.make_cues(1, rng).cues.row(0).transpose();
      Direct d{m, m.cue_log_likelihood(cue)};
      const bool aware = decoder == SavinDecoder::aware;
      ASSERT_EQ(aware, m.energy().inv_a > 0.0);
      Vector x0 = cue;
      const double ref = aware ? d.aware(x0) : d.naive(x0), ref_agg = d.aggregate(x0);
      for (int t = 0; t < 5; ++t) {
        Vector x = sparse_binary_patterns(1, 30, 0.3, rng).row(0).transpose();
        const double direct = (aware ? d.aware(x) : d.naive(x)) - ref;
        EXPECT_NEAR(d.aggregate(x) - ref_agg, direct, 1e-9 * (1 + std::abs(direct)));
      }
    }
  }
}

TEST(SavinDecoders, WoodburyFormInvertsTheCorrelatedGaussian) {
  // N = 7 neurons (21 pairs): (1/2) R^T Sigma^-1 R with Sigma = s_eps^2 I + c^2 s_u^2 B B^T
  // (B the pair-neuron incidence matrix) built and solved densely, against the aware energy.
  const Index N = 7, M = 9;
  const double f = 0.3;
  SavinOptions o;
  o.f = f;
  o.decoder = SavinDecoder::aware;
  SavinMemory m(o, M, N, 0.2, 2);
  const CentredRule c = centre(o.table, f);
  const double v = f * (1 - f), su2 = (M - 1) * v, se2 = (M - 1) * c.gamma * c.gamma * v * v;
  const Index P = N * (N - 1) / 2;
  Matrix B = Matrix::Zero(P, N);
  std::vector<std::pair<Index, Index>> pairs;
  for (Index i = 0; i < N; ++i)
    for (Index j = i + 1; j < N; ++j) {
      B(static_cast<Index>(pairs.size()), i) = B(static_cast<Index>(pairs.size()), j) = 1;
      pairs.emplace_back(i, j);
    }
  const Matrix Sigma = se2 * Matrix::Identity(P, P) + c.c_post * c.c_post * su2 * B * B.transpose();
  const Eigen::LDLT<Matrix> solver(Sigma);
  const Vector L = Vector::Zero(N);
  auto dense = [&](const Vector& x) {
    Vector R(P);
    for (Index p = 0; p < P; ++p) {
      auto [i, j] = pairs[static_cast<std::size_t>(p)];
      R[p] = m.weights()(i, j) - m.energy().mu - o.table(x[i], x[j]);
    }
    return -m.energy().log_prior_odds * x.sum() + 0.5 * R.dot(solver.solve(R));
  };
  auto agg = [&](const Vector& x) { return m.energy()(x.sum(), x.dot(m.weights() * x), x.dot(m.row_sums()), 0.0); };
  Rng rng(2, stream::queries);
  const Vector x0 = sparse_binary_patterns(1, N, 0.4, rng).row(0).transpose();
  for (int t = 0; t < 6; ++t) {
    const Vector x = sparse_binary_patterns(1, N, 0.4, rng).row(0).transpose();
    const double expected = dense(x) - dense(x0);
    EXPECT_NEAR(agg(x) - agg(x0), expected, 1e-9 * (1 + std::abs(expected)));
  }
}

struct Outcome {
  double error = 0, cue = 0;
  std::vector<Matrix> paths;  // per query: iterates, one per row
  std::vector<std::vector<double>> objectives;
};

Outcome recall(const PlasticityTable& table, SavinDecoder decoder, Index N, Index M, Index B, std::uint64_t seed) {
  SavinOptions o;
  o.f = 0.1;
  o.table = table;
  o.decoder = decoder;
  // Cue: r0 = 0.02, r1 = 0.18 as in the notes' simulation (level = 2 (1 - f) r0 = 0.036).
  SavinMemory m(o, M, N, 0.036, seed);
  Rng rng(seed, stream::queries);
  const Cues c = m.make_cues(B, rng);
  Outcome out;
  for (Index b = 0; b < B; ++b) {
    auto r = m.recall(c.cues.row(b).transpose(), recall_rng(seed, b));
    std::vector<Vector> path{r->state()};
    std::vector<double> obj{r->objective()};
    for (int sweep = 0; sweep < 60 && !r->converged(); ++sweep) {
      r->step();
      path.push_back(r->state());
      obj.push_back(r->objective());
    }
    Matrix P(static_cast<Index>(path.size()), N);
    for (std::size_t k = 0; k < path.size(); ++k) P.row(static_cast<Index>(k)) = path[k].transpose();
    out.paths.push_back(P);
    out.objectives.push_back(obj);
    const Vector target = m.memories().row(c.targets[b]).transpose();
    out.error += double(((r->state() - target).array().abs() > 0.5).count()) / double(N) / double(B);
    out.cue += double(((c.cues.row(b).transpose() - target).array().abs() > 0.5).count()) / double(N) / double(B);
  }
  return out;
}

TEST(SavinRecall, NaiveFailsAndAwareRecallsUnderSimpleHebb) {
  // References row 10 at its own size: N = 1000, f = 0.1, M = 100, 6 queries, seed 11.
  const Outcome naive = recall(simple_hebb_table(), SavinDecoder::naive, 1000, 100, 6, 11);
  const Outcome aware = recall(simple_hebb_table(), SavinDecoder::aware, 1000, 100, 6, 11);
  const Outcome centred = recall(simple_hebb_table(), SavinDecoder::double_centred, 1000, 100, 6, 11);
  ASSERT_GT(naive.cue, 0.02);
  EXPECT_GT(naive.error, 5.0 * naive.cue) << "naive " << naive.error << ", cue " << naive.cue;
  EXPECT_LT(aware.error, 0.2 * aware.cue) << "aware " << aware.error << ", cue " << aware.cue;
  EXPECT_LT(centred.error, 0.2 * centred.cue) << "double-centred " << centred.error << ", cue " << centred.cue;
  // MAP sweeps never raise the decoder's negative log-posterior.
  for (const Outcome* o : {&naive, &aware, &centred})
    for (const auto& obj : o->objectives)
      for (std::size_t k = 1; k < obj.size(); ++k) EXPECT_LE(obj[k], obj[k - 1] + 1e-9 * (1 + std::abs(obj[k - 1])));
}

TEST(SavinRecall, CovarianceRuleAwareAndNaiveCoincideExactly) {
  // N = 500, f = 0.1, M = 150, 4 queries, seed 5: every iterate and objective equal to the bit.
  const Outcome naive = recall(covariance_table(0.1), SavinDecoder::naive, 500, 150, 4, 5);
  const Outcome aware = recall(covariance_table(0.1), SavinDecoder::aware, 500, 150, 4, 5);
  ASSERT_EQ(naive.paths.size(), aware.paths.size());
  for (std::size_t b = 0; b < naive.paths.size(); ++b) {
    EXPECT_EQ(naive.paths[b], aware.paths[b]);
    EXPECT_EQ(naive.objectives[b], aware.objectives[b]);
  }
  EXPECT_EQ(naive.error, aware.error);
}

TEST(SavinKind, RejectsBadParameters) {
  ModelSpec s;
  s.kind = "savin";
  s.numbers["f"] = 1.0;
  EXPECT_THROW(build_discrete(s, 10, 50, 0.05, 1), ParamError);
  s.numbers["f"] = 0.1;
  EXPECT_THROW(build_discrete(s, 10, 50, 0.5, 1), CueLevelError);  // r1 = level/(2f) > 1
  s.words["rule"] = "table";
  s.numbers["omega_01"] = 0.5;  // asymmetric
  EXPECT_THROW(build_discrete(s, 10, 50, 0.05, 1), ParamError);
}

}  // namespace

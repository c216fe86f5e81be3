#pragma once
// Correlated synapses and recall as inference: Savin, Dayan & Lengyel, "Correlations strike back
// (again): the case of associative memory retrieval", NIPS 2013 (notes:
// shared/papers/savin-2013-correlations.md; derivations: docs/models/savin.md).
//
//  patterns  M sparse binary patterns x^(t) in {0,1}^N, i.i.d. Bernoulli(f) (coding level f).
//  storage   additive rule W_ij = sum_t Omega(x_i^(t), x_j^(t)), i post, j pre, no autapses, with
//            Omega a 2x2 table; optional saturation |W_ij| <= w_max after every pattern.
//  centred   Omega(a,b) = c0 + c_post (a-f) + c_pre (b-f) + gamma (a-f)(b-f)   (notes section 2)
//  recall    of a stored pattern x from W and a cue x~ (sparsity-preserving noise r0, r1), by
//            asynchronous random-order MAP updates x_i <- 1[I_i > 0] until a sweep changes nothing,
//            cue term included; I_i = E(x, x_i = 0) - E(x, x_i = 1) for the decoder's negative
//            log-posterior E (so E never rises along the recall):
//    naive           synapses independent, W_ij ~ N(mu + Omega(x_i, x_j), sigma^2)   (notes section 5)
//    aware           shared row effects c(u_i + u_j) marginalised (Woodbury)          (notes section 6)
//    double_centred  the naive covariance-form decoder on double-centred weights      (notes section 6)
#include <cstdint>

#include "mnemo/models/discrete_memory.hpp"

namespace mnemo::models {

// Omega(post, pre): w10 = Omega(post active, pre silent).
struct PlasticityTable {
  double w00 = 0.0, w01 = 0.0, w10 = 0.0, w11 = 1.0;
  double operator()(double post, double pre) const {
    return post > 0.5 ? (pre > 0.5 ? w11 : w10) : (pre > 0.5 ? w01 : w00);
  }
};
PlasticityTable simple_hebb_table();            // Omega(a,b) = a b
PlasticityTable covariance_table(double f);     // Omega(a,b) = (a-f)(b-f)

struct CentredRule {
  double c0 = 0.0, c_post = 0.0, c_pre = 0.0, gamma = 0.0;
};
// The exact centred decomposition of notes section 2; coefficients below 1e-12 times the
// table's scale are set to 0 (so the covariance rule has c_post = c_pre = 0 exactly).
CentredRule centre(const PlasticityTable& table, double f);

// Closed forms of notes section 3 for M i.i.d. Bernoulli(f) patterns, no saturation.
struct SynapticStatistics {
  double mean = 0.0;            // E[W_ij]
  double variance = 0.0;        // Var[W_ij]
  double cov_same_post = 0.0;   // Cov(W_ij, W_ik)
  double cov_same_pre = 0.0;    // Cov(W_ij, W_kj)
  double cov_chain = 0.0;       // Cov(W_ij, W_jk)
  double cov_reciprocal = 0.0;  // Cov(W_ij, W_ji)
  double corr_same_post() const { return variance > 0.0 ? cov_same_post / variance : 0.0; }
  double corr_same_pre() const { return variance > 0.0 ? cov_same_pre / variance : 0.0; }
};
SynapticStatistics synaptic_statistics(const PlasticityTable& table, double f, Eigen::Index memories);

// M x N patterns, entries 0/1 with probability f of a 1.
Matrix sparse_binary_patterns(Eigen::Index count, Eigen::Index dim, double f, Rng& rng);
// W (N x N, zero diagonal) from the patterns (rows); saturation > 0 clips every W_ij to
// [-saturation, saturation] after each pattern (online storage), 0 means none.
Matrix store_patterns(const Matrix& patterns, const PlasticityTable& table, double saturation = 0.0);

enum class SavinDecoder { naive, aware, double_centred };

struct SavinOptions {
  double f = 0.1;
  PlasticityTable table = simple_hebb_table();
  double saturation = 0.0;
  SavinDecoder decoder = SavinDecoder::naive;
};

// The decoder's negative log-posterior up to an x-independent constant, from the aggregates of a
// state x: n1 = sum x, q = x^T W x, xr = sum_i x_i r_i (r = row sums), xl = sum_i x_i L_i
// (L = cue log-likelihood ratios). O(1) per evaluation (docs/models/savin.md).
struct SavinEnergy {
  double N = 0.0, mu = 0.0, sigma2 = 1.0, log_prior_odds = 0.0;
  PlasticityTable table;  // symmetric: w01 == w10
  // aware only (inv_a = 0 otherwise): 1/a, a = s_eps^2/(c^2 s_u^2) + N - 2, and sum_k A_k.
  double inv_a = 0.0, sum_A = 0.0, A_shift = 0.0;  // A_k = r_k - A_shift
  double operator()(double n1, double q, double xr, double xl) const;
};

class SavinMemory final : public DiscreteMemory {
 public:
  // `level`: expected fraction of wrong cue bits (sets r0, r1 below).
  SavinMemory(const SavinOptions& options, Eigen::Index count, Eigen::Index dim, double level, std::uint64_t seed);
  SavinMemory(const SavinMemory&) = delete;  // decode_w_ points into this object
  SavinMemory& operator=(const SavinMemory&) = delete;

  const Matrix& memories() const override { return memories_; }
  std::string structure() const override;
  std::string iteration() const override;
  std::string objective_name() const override;
  bool objective_never_rises() const override { return true; }
  std::vector<DiscreteAttribute> attributes() const override;
  // Sparsity-preserving cue noise: P(x~=1|x=0) = r0, P(x~=0|x=1) = r1 with an expected fraction
  // `level` of wrong bits split evenly, r0 = level/(2(1-f)), r1 = level/(2f); needs r1 < 1.
  Cues make_cues(Eigen::Index count, Rng& rng) const override;
  std::unique_ptr<DiscreteRecall> recall(const Vector& cue, Rng rng) const override;

  const SavinOptions& options() const { return options_; }
  const Matrix& weights() const { return weights_; }             // as stored
  const Matrix& decoder_weights() const { return *decode_w_; }   // double-centred or as stored
  const Vector& row_sums() const { return row_sums_; }           // of decoder_weights
  const SavinEnergy& energy() const { return energy_; }
  double r0() const { return r0_; }
  double r1() const { return r1_; }
  // Cue log-likelihood ratios L_i (notes section 4).
  Vector cue_log_likelihood(const Vector& cue) const;

 private:
  SavinOptions options_;
  Matrix memories_, weights_, centred_;
  const Matrix* decode_w_ = nullptr;
  Vector row_sums_;
  SavinEnergy energy_;
  CentredRule rule_;
  double r0_ = 0.0, r1_ = 0.0;
};

DiscreteKind savin_kind();

}  // namespace mnemo::models

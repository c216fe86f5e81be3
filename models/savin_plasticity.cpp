#include "mnemo/models/savin_plasticity.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace mnemo::models {
namespace {

using Index = Eigen::Index;

class SavinRecall final : public DiscreteRecall {
 public:
  SavinRecall(const SavinMemory& m, const Vector& cue, Rng rng)
      : W_(m.decoder_weights()), r_(m.row_sums()), E_(m.energy()), x_(cue), rng_(rng) {
    L_ = m.cue_log_likelihood(cue);
    h_.noalias() = W_ * x_;
    n1_ = x_.sum();
    q_ = x_.dot(h_);
    xr_ = x_.dot(r_);
    xl_ = x_.dot(L_);
    objective_ = E_(n1_, q_, xr_, xl_);
    order_.resize(static_cast<std::size_t>(x_.size()));
    for (std::size_t i = 0; i < order_.size(); ++i) order_[i] = static_cast<Index>(i);
  }
  const Vector& state() const override { return x_; }
  double objective() const override { return objective_; }
  bool converged() const override { return converged_; }

  // One asynchronous sweep in a fresh random order: x_i <- 1[E(x_i = 0) - E(x_i = 1) > 0].
  void step() override {
    for (std::size_t i = order_.size(); i > 1; --i)
      std::swap(order_[i - 1], order_[static_cast<std::size_t>(rng_.below(i))]);
    bool changed = false;
    for (Index i : order_) {
      const double xi = x_[i];
      // Aggregates with x_i = 0, then with x_i = 1 (h_i does not depend on x_i: no autapses).
      const double n0 = n1_ - xi, q0 = q_ - 2.0 * xi * h_[i], xr0 = xr_ - xi * r_[i], xl0 = xl_ - xi * L_[i];
      const double field = E_(n0, q0, xr0, xl0) - E_(n0 + 1.0, q0 + 2.0 * h_[i], xr0 + r_[i], xl0 + L_[i]);
      const double next = field > 0.0 ? 1.0 : 0.0;
      if (next == xi) continue;
      changed = true;
      x_[i] = next;
      n1_ = n0 + next;
      q_ = q0 + 2.0 * next * h_[i];
      xr_ = xr0 + next * r_[i];
      xl_ = xl0 + next * L_[i];
      h_ += (next - xi) * W_.col(i);
    }
    converged_ = !changed;
    objective_ = E_(n1_, q_, xr_, xl_);
  }

 private:
  const Matrix& W_;
  const Vector& r_;
  const SavinEnergy& E_;
  Vector x_, L_, h_;
  Rng rng_;
  double n1_ = 0, q_ = 0, xr_ = 0, xl_ = 0, objective_ = 0;
  bool converged_ = false;
  std::vector<Index> order_;
};

}  // namespace

PlasticityTable simple_hebb_table() { return {0.0, 0.0, 0.0, 1.0}; }
PlasticityTable covariance_table(double f) { return {f * f, -f * (1.0 - f), -f * (1.0 - f), (1.0 - f) * (1.0 - f)}; }

CentredRule centre(const PlasticityTable& t, double f) {
  CentredRule c;
  c.gamma = t.w11 - t.w10 - t.w01 + t.w00;
  c.c_post = (t.w10 - t.w00) + c.gamma * f;
  c.c_pre = (t.w01 - t.w00) + c.gamma * f;
  c.c0 = t.w00 + (t.w10 - t.w00 + t.w01 - t.w00) * f + c.gamma * f * f;
  const double scale = std::max({std::abs(t.w00), std::abs(t.w01), std::abs(t.w10), std::abs(t.w11)});
  for (double* v : {&c.c0, &c.c_post, &c.c_pre, &c.gamma})
    if (std::abs(*v) <= 1e-12 * scale) *v = 0.0;
  return c;
}

SynapticStatistics synaptic_statistics(const PlasticityTable& table, double f, Index memories) {
  // Notes section 3: a~ = a - f, b~ = b - f and a~ b~ are uncorrelated, Var a~ = f(1-f).
  const CentredRule c = centre(table, f);
  const double M = static_cast<double>(memories), v = f * (1.0 - f);
  SynapticStatistics s;
  s.mean = M * c.c0;
  s.variance = M * ((c.c_post * c.c_post + c.c_pre * c.c_pre) * v + c.gamma * c.gamma * v * v);
  s.cov_same_post = M * c.c_post * c.c_post * v;
  s.cov_same_pre = M * c.c_pre * c.c_pre * v;
  s.cov_chain = M * c.c_post * c.c_pre * v;
  s.cov_reciprocal = M * (2.0 * c.c_post * c.c_pre * v + c.gamma * c.gamma * v * v);
  return s;
}

Matrix sparse_binary_patterns(Index count, Index dim, double f, Rng& rng) {
  Matrix X(count, dim);
  for (Index p = 0; p < count; ++p)
    for (Index i = 0; i < dim; ++i) X(p, i) = rng.uniform() < f ? 1.0 : 0.0;
  return X;
}

Matrix store_patterns(const Matrix& X, const PlasticityTable& t, double saturation) {
  const Index M = X.rows(), N = X.cols();
  const double gamma = t.w11 - t.w10 - t.w01 + t.w00, a = t.w10 - t.w00, b = t.w01 - t.w00;
  Matrix W(N, N);
  if (saturation <= 0.0) {
    // Omega(a,b) = w00 + (w10-w00) a + (w01-w00) b + gamma a b, summed over the patterns at once.
    const Vector s = X.colwise().sum().transpose();
    W.noalias() = gamma * (X.transpose() * X);
    W.array() += static_cast<double>(M) * t.w00;
    W.colwise() += a * s;
    W.rowwise() += b * s.transpose();
  } else {
    W.setZero();
    for (Index p = 0; p < M; ++p) {
      const Vector x = X.row(p).transpose();
      W.noalias() += gamma * x * x.transpose();
      W.array() += t.w00;
      W.colwise() += a * x;
      W.rowwise() += b * x.transpose();
      W = W.cwiseMax(-saturation).cwiseMin(saturation);
    }
  }
  W.diagonal().setZero();
  return W;
}

double SavinEnergy::operator()(double n1, double q, double xr, double xl) const {
  // docs/models/savin.md: C = sum_{i<j} (W_ij - mu - Omega(x_i, x_j))^2 up to a constant, with
  // Omega(a,b) = w00 + e (a + b) + g a b for a symmetric table.
  const double e = table.w10 - table.w00, g = table.w11 - table.w10 - table.w01 + table.w00;
  const double n0 = N - n1;
  const double C = -2.0 * (e * (xr - mu * (N - 1.0) * n1) + 0.5 * g * (q - mu * n1 * (n1 - 1.0))) +
                   table.w11 * table.w11 * 0.5 * n1 * (n1 - 1.0) + table.w10 * table.w10 * n1 * n0 +
                   table.w00 * table.w00 * 0.5 * n0 * (n0 - 1.0);
  const double prior = -log_prior_odds * n1 - xl;
  if (inv_a == 0.0) return prior + C / (2.0 * sigma2);
  // Woodbury terms: rho_k = A_k - e n1 - x_k beta(n1), sum_k rho_k^2 and S = sum_k rho_k
  // without their x-independent parts.
  const double beta = e * (N - 2.0) + g * (n1 - 1.0);
  const double XA = xr - n1 * A_shift;
  const double P = -2.0 * e * n1 * sum_A + N * e * e * n1 * n1 - 2.0 * beta * (XA - e * n1 * n1) + beta * beta * n1;
  const double S = sum_A - N * e * n1 - beta * n1;
  return prior + (C - inv_a * P + S * S * inv_a * inv_a / (1.0 + N * inv_a)) / (2.0 * sigma2);
}

SavinMemory::SavinMemory(const SavinOptions& o, Index count, Index dim, double level, std::uint64_t seed)
    : options_(o) {
  const double f = o.f;
  if (count < 2) throw std::invalid_argument("kind 'savin' needs memories.count >= 2 (the other memories are the interference), got " + std::to_string(count));
  if (dim < 3) throw std::invalid_argument("kind 'savin' needs memories.dim >= 3, got " + std::to_string(dim));
  r0_ = level / (2.0 * (1.0 - f));
  r1_ = level / (2.0 * f);
  if (!(level > 0.0) || !(r0_ < 1.0) || !(r1_ < 1.0))
    throw CueLevelError("is the expected fraction of wrong cue bits and must be in (0, " +
                        std::to_string(2.0 * std::min(f, 1.0 - f)) + ") for kind 'savin' with f = " + std::to_string(f) +
                        " (r1 = level/(2f) < 1), got " + std::to_string(level));
  Rng rng(seed, stream::memories);
  memories_ = sparse_binary_patterns(count, dim, f, rng);
  weights_ = store_patterns(memories_, o.table, o.saturation);
  rule_ = centre(o.table, f);

  // Interference of the other M-1 memories (notes section 4).
  const double M1 = static_cast<double>(count - 1), N = static_cast<double>(dim), v = f * (1.0 - f);
  const double s_eps2 = M1 * rule_.gamma * rule_.gamma * v * v;
  const double var_omega = (rule_.c_post * rule_.c_post + rule_.c_pre * rule_.c_pre) * v + rule_.gamma * rule_.gamma * v * v;
  energy_.N = N;
  energy_.log_prior_odds = std::log(f / (1.0 - f));
  energy_.table = o.table;
  energy_.mu = M1 * rule_.c0;
  energy_.sigma2 = M1 * var_omega;
  decode_w_ = &weights_;
  if (o.decoder == SavinDecoder::aware && rule_.c_post != 0.0) {
    // a = s_eps^2 / (c^2 s_u^2) + N - 2 with s_u^2 = (M-1) f(1-f); c = 0 leaves the naive decoder.
    const double c = rule_.c_post;
    energy_.sigma2 = s_eps2;
    energy_.inv_a = 1.0 / (rule_.gamma * rule_.gamma * v / (c * c) + N - 2.0);
    energy_.A_shift = (energy_.mu + o.table.w00) * (N - 1.0);
  } else if (o.decoder == SavinDecoder::double_centred) {
    // W~_ij = W_ij - Wbar_i - Wbar_j + Wbar (row means over j != i), read with the covariance
    // table gamma (a-f)(b-f), mu = 0, sigma^2 = s_eps^2 (notes section 6).
    const Vector mean_row = weights_.rowwise().sum() / (N - 1.0);
    const double grand = mean_row.mean();
    centred_ = weights_;
    centred_.colwise() -= mean_row;
    centred_.rowwise() -= mean_row.transpose();
    centred_.array() += grand;
    centred_.diagonal().setZero();
    decode_w_ = &centred_;
    const double g = rule_.gamma;
    energy_.table = {g * f * f, -g * f * (1.0 - f), -g * f * (1.0 - f), g * (1.0 - f) * (1.0 - f)};
    energy_.mu = 0.0;
    energy_.sigma2 = s_eps2;
  }
  row_sums_ = decode_w_->rowwise().sum();
  energy_.sum_A = row_sums_.sum() - N * energy_.A_shift;
}

Vector SavinMemory::cue_log_likelihood(const Vector& cue) const {
  // L_i = log P(cue_i | x_i = 1) / P(cue_i | x_i = 0).
  const double on = std::log((1.0 - r1_) / r0_), off = std::log(r1_ / (1.0 - r0_));
  return cue.unaryExpr([&](double c) { return c > 0.5 ? on : off; });
}

std::string SavinMemory::structure() const {
  std::ostringstream os;
  const auto& t = options_.table;
  os << memories_.cols() << " binary neurons, " << memories_.rows() << " patterns of coding level " << options_.f
     << " stored by Omega(post,pre) = [[" << t.w00 << ", " << t.w01 << "], [" << t.w10 << ", " << t.w11 << "]]"
     << (options_.saturation > 0.0 ? ", saturated at +-" + std::to_string(options_.saturation) : std::string())
     << "; symmetric weights, no autapses; decoder "
     << (options_.decoder == SavinDecoder::naive ? "naive" : options_.decoder == SavinDecoder::aware ? "aware (Woodbury)" : "double_centred");
  return os.str();
}

std::string SavinMemory::iteration() const {
  return "one asynchronous sweep: every neuron once in a fresh random order, x_i <- 1[I_i > 0] (MAP, cue term included)";
}

std::string SavinMemory::objective_name() const {
  return "the decoder's negative log-posterior -log P(x | W, cue) up to an x-independent constant";
}

std::vector<DiscreteAttribute> SavinMemory::attributes() const {
  const SynapticStatistics s = synaptic_statistics(options_.table, options_.f, memories_.rows());
  return {{"r0", r0_},
          {"r1", r1_},
          {"c0", rule_.c0},
          {"c_post", rule_.c_post},
          {"c_pre", rule_.c_pre},
          {"gamma", rule_.gamma},
          {"decoder_mu", energy_.mu},
          {"decoder_sigma2", energy_.sigma2},
          {"decoder_inv_a", energy_.inv_a},
          {"weight_mean", s.mean},
          {"weight_variance", s.variance},
          {"weight_corr_same_post", s.corr_same_post()}};
}

Cues SavinMemory::make_cues(Index count, Rng& rng) const {
  Cues c{Matrix(count, memories_.cols()), Eigen::VectorXi(count)};
  for (Index b = 0; b < count; ++b) {
    const Index k = static_cast<Index>(rng.below(static_cast<std::uint64_t>(memories_.rows())));
    c.targets[b] = static_cast<int>(k);
    for (Index i = 0; i < memories_.cols(); ++i) {
      const double u = rng.uniform();
      c.cues(b, i) = memories_(k, i) > 0.5 ? (u < r1_ ? 0.0 : 1.0) : (u < r0_ ? 1.0 : 0.0);
    }
  }
  return c;
}

std::unique_ptr<DiscreteRecall> SavinMemory::recall(const Vector& cue, Rng rng) const {
  return std::make_unique<SavinRecall>(*this, cue, rng);
}

DiscreteKind savin_kind() {
  using T = ParamSpec::Type;
  DiscreteKind d;
  KindInfo& k = d.info;
  k.kind = "savin";
  k.reference =
      "Savin, Dayan & Lengyel 2013 (NIPS), additive plasticity and recall as inference; naive and "
      "correlation-aware decoders derived in docs/models/savin.md";
  k.summary = "sparse binary patterns, additive 2x2 plasticity rule, MAP recall by a naive or correlation-aware decoder";
  k.params = {
      {"f", T::number, 0.1, 0.0, 1.0, true, {}, "coding level: probability of a 1 in a pattern, in (0, 1)"},
      {"rule", T::choice, 0, 0, 0, false, {"simple_hebb", "covariance", "table"},
       "plasticity rule: Omega = a b | (a-f)(b-f) | the table omega_00..omega_11"},
      {"omega_00", T::number, 0.0, -1e300, 1e300, false, {}, "rule = table: Omega(post 0, pre 0)"},
      {"omega_01", T::number, 0.0, -1e300, 1e300, false, {}, "rule = table: Omega(post 0, pre 1) (= omega_10)"},
      {"omega_10", T::number, 0.0, -1e300, 1e300, false, {}, "rule = table: Omega(post 1, pre 0)"},
      {"omega_11", T::number, 1.0, -1e300, 1e300, false, {}, "rule = table: Omega(post 1, pre 1)"},
      {"saturation", T::number, 0.0, 0.0, 1e300, false, {}, "clip |W_ij| to this after every pattern; 0: none"},
      {"decoder", T::choice, 0, 0, 0, false, {"naive", "aware", "double_centred"},
       "recall dynamics: independent synapses | correlations marginalised (Woodbury) | double-centred weights"},
  };
  k.build = [](const ModelSpec& s, const Matrix&) -> Model {
    throw std::invalid_argument("kind '" + s.kind + "' is a discrete-time memory without a Network (models/discrete_memory.hpp)");
  };
  d.build = [](const ModelSpec& s, Index count, Index dim, double level, std::uint64_t seed) -> std::shared_ptr<const DiscreteMemory> {
    SavinOptions o;
    o.f = s.number("f");
    if (!(o.f < 1.0)) throw ParamError("f", "must be < 1, got " + std::to_string(o.f));
    const std::string& rule = s.word("rule");
    if (rule == "simple_hebb") o.table = simple_hebb_table();
    else if (rule == "covariance") o.table = covariance_table(o.f);
    else o.table = {s.number("omega_00"), s.number("omega_01"), s.number("omega_10"), s.number("omega_11")};
    if (o.table.w01 != o.table.w10)
      throw ParamError("omega_01", "the decoders need a symmetric rule (omega_01 = omega_10 = " + std::to_string(o.table.w10) +
                                       "), got " + std::to_string(o.table.w01));
    if (centre(o.table, o.f).gamma == 0.0)
      throw ParamError("omega_11", "the rule needs a product term: omega_11 - omega_10 - omega_01 + omega_00 must not be 0");
    o.saturation = s.number("saturation");
    const std::string& dec = s.word("decoder");
    o.decoder = dec == "naive" ? SavinDecoder::naive : dec == "aware" ? SavinDecoder::aware : SavinDecoder::double_centred;
    return std::make_shared<SavinMemory>(o, count, dim, level, seed);
  };
  return d;
}

}  // namespace mnemo::models

#include "mnemo/models/karbasi_constraint_memory.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

namespace mnemo::models {
namespace {

using Index = Eigen::Index;

// The first `take` entries of a uniformly random permutation of 0..n-1 (partial Fisher-Yates).
std::vector<Index> random_subset(Index n, Index take, Rng& rng) {
  std::vector<Index> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), Index{0});
  for (Index i = 0; i < take; ++i) {
    const Index j = i + static_cast<Index>(rng.below(static_cast<std::uint64_t>(n - i)));
    std::swap(v[static_cast<std::size_t>(i)], v[static_cast<std::size_t>(j)]);
  }
  v.resize(static_cast<std::size_t>(take));
  return v;
}

double uniform_noise(double amplitude, Rng& rng) { return amplitude * (2.0 * rng.uniform() - 1.0); }

double sign(double v) { return v > 0.0 ? 1.0 : v < 0.0 ? -1.0 : 0.0; }

// Authors' code (faulty_recall_step.m) clips states to [-10, 100], not to the alphabet (pitfall 6).
constexpr double clip_low = -10.0, clip_high = 100.0;
// Hard thresholds of the learning code: inside an epoch and at its end (min_W).
constexpr double zero_inside = 1e-3, zero_epoch = 0.02;

class KarbasiRecall final : public DiscreteRecall {
 public:
  KarbasiRecall(const KarbasiMemory& memory, const Vector& cue, Rng rng)
      : memory_(memory), x_(cue), rng_(rng), violated_(memory.violated(cue)) {}
  const Vector& state() const override { return x_; }
  double objective() const override { return static_cast<double>(violated_); }
  bool converged() const override { return violated_ == 0; }
  void step() override {
    memory_.round(x_, rng_);
    violated_ = memory_.violated(x_);
  }

 private:
  const KarbasiMemory& memory_;
  Vector x_;
  Rng rng_;
  Index violated_;
};

}  // namespace

Matrix karbasi_generator(Index k, Index n, Index degree, Rng& rng) {
  // Socket model: n * degree sockets on the pattern side, spread evenly over the k message
  // nodes, matched by a random permutation; parallel edges merge into one entry 1.
  const Index total = n * degree;
  std::vector<Index> owner(static_cast<std::size_t>(total));
  for (Index s = 0; s < total; ++s) owner[static_cast<std::size_t>(s)] = s % k;
  for (Index i = total - 1; i > 0; --i)
    std::swap(owner[static_cast<std::size_t>(i)],
              owner[static_cast<std::size_t>(rng.below(static_cast<std::uint64_t>(i + 1)))]);
  Matrix G = Matrix::Zero(k, n);
  for (Index j = 0; j < n; ++j)
    for (Index d = 0; d < degree; ++d) G(owner[static_cast<std::size_t>(j * degree + d)], j) = 1.0;
  return G;
}

Matrix karbasi_patterns(const Matrix& G, Index count, Index message_active, Rng& rng) {
  const Index k = G.rows();
  Matrix X(count, G.cols());
  Vector z(k);
  for (Index p = 0; p < count; ++p) {
    z.setZero();
    for (Index r : random_subset(k, message_active, rng)) z[r] = static_cast<double>(rng.below(2));
    X.row(p) = z.transpose() * G;
  }
  return X;
}

LearnedConstraint learn_constraint(const Matrix& X, const Matrix& V, double fraction, const KarbasiOptions& o,
                                   Rng& rng) {
  const Index s = X.cols(), T = X.rows();
  LearnedConstraint out;
  Vector w(s);
  for (Index i = 0; i < s; ++i) w[i] = rng.uniform();
  w /= w.norm();
  const Vector xx = X.rowwise().squaredNorm();
  // Penalty threshold: theta1 = theta0 s/n_l, or 0 for small supports (notes section 4, step 1).
  const double theta1 = fraction < 0.3 ? 0.0 : o.theta * fraction;
  double alpha = o.alpha, theta = theta1;
  int quiet_epochs = 0;
  for (Index epoch = 1; epoch <= o.learn_epochs; ++epoch) {
    if (epoch % 200 == 0) alpha = std::max(o.alpha / static_cast<double>(epoch / 200 + 1), 5e-4);
    double max_y = 0.0;
    for (Index t = 0; t < T; ++t) {
      const Index r = static_cast<Index>(rng.below(static_cast<std::uint64_t>(T)));
      if (xx[r] == 0.0) continue;
      const double y = X.row(r).dot(w);
      max_y = std::max(max_y, std::abs(y));
      const double ww = w.squaredNorm();
      if (ww == 0.0) break;
      // Minor-component (anti-Oja) step: w <- w - (alpha/|x|^2) y (x - y w/|w|^2), then the
      // sparsity penalty -beta Gamma(w, theta) (not scaled by alpha) and the hard threshold.
      const double a = alpha * y / xx[r], b = a * y / ww;
      for (Index i = 0; i < s; ++i) {
        double wi = w[i] - a * X(r, i) + b * w[i];
        if (std::abs(wi) < theta) wi -= o.beta * wi;
        w[i] = std::abs(wi) <= zero_inside ? 0.0 : wi;
      }
    }
    if (epoch % 3 == 0) theta = theta1 / static_cast<double>(epoch / 3 + 1);
    for (Index i = 0; i < s; ++i)
      if (std::abs(w[i]) < zero_epoch) w[i] = 0.0;
    if (w.squaredNorm() == 0.0) break;
    // Stop after two consecutive epochs with every |w . x| small. The code stops at 0.01 =
    // 2 x tolerance with 10^5 patterns per epoch; with a few hundred, half the tolerance.
    quiet_epochs = max_y < 0.5 * o.learn_tolerance * w.norm() ? quiet_epochs + 1 : 0;
    if (quiet_epochs >= 2) break;
  }
  // The rule lets |w| drift (to ~3 in probes, which also makes the thresholds relatively
  // smaller); the kept vector is scaled to |w| = 1 so that the tolerance is relative.
  if (w.squaredNorm() > 0.0) w /= w.norm();
  out.w = w;
  out.residual = V.rows() ? (V * w).cwiseAbs().maxCoeff() : 0.0;
  out.accepted = w.squaredNorm() > 0.0 && out.residual < o.learn_tolerance;
  return out;
}

int karbasi_cluster_recall(const ConstraintCluster& c, Vector& x, double phi, double psi, double upsilon, double nu,
                           Index max_iterations, Rng& rng) {
  const Index m = c.weights.rows(), nl = c.weights.cols();
  Vector h(m), y(m), g(nl);
  Index t = 0;
  for (; t < max_iterations; ++t) {
    // Forward step: constraint neuron i fires sgn(h_i) when |(W x)_i + v_i| >= psi.
    h.noalias() = c.weights * x;
    bool any = false;
    for (Index i = 0; i < m; ++i) {
      const double hi = h[i] + (nu > 0.0 ? uniform_noise(nu, rng) : 0.0);
      y[i] = std::abs(hi) >= psi ? sign(hi) : 0.0;
      any |= y[i] != 0.0;
    }
    if (!any) break;
    // Backward step: pattern neuron j moves one level against its normalised noisy vote.
    g.noalias() = c.signs.transpose() * y;
    for (Index j = 0; j < nl; ++j) {
      if (c.degree[j] == 0.0) continue;
      const double gj = g[j] / c.degree[j] + (upsilon > 0.0 ? uniform_noise(upsilon, rng) : 0.0);
      if (std::abs(gj) >= phi) x[j] = std::clamp(x[j] - sign(gj), clip_low, clip_high);
    }
  }
  return static_cast<int>(t);
}

Index violated_constraints(const ConstraintCluster& c, const Vector& x, double psi0) {
  if (c.weights.rows() == 0) return 0;
  return ((c.weights * x).array().abs() >= psi0).count();
}

KarbasiMemory::KarbasiMemory(const KarbasiOptions& o, Index count, double level, std::uint64_t seed)
    : options_(o), level_(level) {
  if (!(level >= 0.0 && level <= 1.0))
    throw CueLevelError("is the fraction of entries changed by +-1 and must be in [0, 1], got " + std::to_string(level));
  Rng patterns_rng(seed, stream::memories);
  generator_ = karbasi_generator(o.subspace_dim, o.n, o.generator_degree, patterns_rng);
  memories_ = karbasi_patterns(generator_, count, o.message_active, patterns_rng);

  Rng rng(seed, stream::model);
  const Matrix training = karbasi_patterns(generator_, o.training_patterns, o.message_active, rng);
  const Matrix verify = karbasi_patterns(generator_, o.verify_patterns, o.message_active, rng);
  clusters_.resize(static_cast<std::size_t>(o.clusters));
  for (Index j = 0; j < o.n; ++j)
    for (Index l : random_subset(o.clusters, o.cluster_degree, rng)) clusters_[static_cast<std::size_t>(l)].neurons.push_back(j);

  for (ConstraintCluster& c : clusters_) {
    const Index nl = static_cast<Index>(c.neurons.size());
    std::vector<Vector> rows;
    if (nl > 0) {
      Matrix train_l(training.rows(), nl), verify_l(verify.rows(), nl);
      for (Index j = 0; j < nl; ++j) {
        train_l.col(j) = training.col(c.neurons[static_cast<std::size_t>(j)]);
        verify_l.col(j) = verify.col(c.neurons[static_cast<std::size_t>(j)]);
      }
      const Index s = std::min(o.support, nl);
      std::vector<Index> usage(static_cast<std::size_t>(nl), 0);
      for (Index attempt = 0; attempt < 3 * o.constraints && static_cast<Index>(rows.size()) < o.constraints; ++attempt) {
        // Support: the least-used pattern neurons of the cluster, ties broken at random (the
        // code's rule 1 - s_i/d_max has the same aim: spread the constraint degrees).
        std::vector<std::pair<double, Index>> order;
        for (Index j = 0; j < nl; ++j) order.emplace_back(static_cast<double>(usage[static_cast<std::size_t>(j)]) + rng.uniform(), j);
        std::sort(order.begin(), order.end());
        Matrix train_s(train_l.rows(), s), verify_s(verify_l.rows(), s);
        for (Index i = 0; i < s; ++i) {
          train_s.col(i) = train_l.col(order[static_cast<std::size_t>(i)].second);
          verify_s.col(i) = verify_l.col(order[static_cast<std::size_t>(i)].second);
        }
        const LearnedConstraint lc =
            learn_constraint(train_s, verify_s, static_cast<double>(s) / static_cast<double>(nl), o, rng);
        if (!lc.accepted) {
          ++rejected_;
          continue;
        }
        Vector row = Vector::Zero(nl);
        for (Index i = 0; i < s; ++i) {
          const Index j = order[static_cast<std::size_t>(i)].second;
          row[j] = lc.w[i];
          if (lc.w[i] != 0.0) ++usage[static_cast<std::size_t>(j)];
        }
        max_residual_ = std::max(max_residual_, lc.residual);
        rows.push_back(std::move(row));
      }
    }
    c.weights.resize(static_cast<Index>(rows.size()), nl);
    for (std::size_t i = 0; i < rows.size(); ++i) c.weights.row(static_cast<Index>(i)) = rows[i].transpose();
    c.signs = c.weights.unaryExpr([](double v) { return sign(v); });
    c.degree = c.signs.cwiseAbs().colwise().sum().transpose();
  }
  // Satisfied checks must never fire: psi0 above twice the largest learned residual (pitfall 2).
  psi0_ = std::max(o.psi_margin, 2.0 * max_residual_);
}

Index KarbasiMemory::violated(const Vector& x) const {
  Index v = 0;
  Vector sub;
  for (const ConstraintCluster& c : clusters_) {
    if (c.weights.rows() == 0) continue;
    sub.resize(static_cast<Index>(c.neurons.size()));
    for (std::size_t j = 0; j < c.neurons.size(); ++j) sub[static_cast<Index>(j)] = x[c.neurons[j]];
    v += violated_constraints(c, sub, psi0_);
  }
  return v;
}

void KarbasiMemory::round(Vector& x, Rng& rng) const {
  const double psi = options_.nu + psi0_;
  Vector sub;
  for (const ConstraintCluster& c : clusters_) {
    if (c.weights.rows() == 0) continue;
    sub.resize(static_cast<Index>(c.neurons.size()));
    for (std::size_t j = 0; j < c.neurons.size(); ++j) sub[static_cast<Index>(j)] = x[c.neurons[j]];
    // A satisfied cluster is left alone: with psi = nu + psi0 none of its checks can fire, so
    // Algorithm 1 would stop at once.
    if (violated_constraints(c, sub, psi0_) == 0) continue;
    karbasi_cluster_recall(c, sub, options_.phi, psi, options_.upsilon, options_.nu, options_.cluster_iterations, rng);
    // Algorithm 2: keep the new states only if the cluster's constraints are now satisfied.
    if (violated_constraints(c, sub, psi0_) == 0)
      for (std::size_t j = 0; j < c.neurons.size(); ++j) x[c.neurons[j]] = sub[static_cast<Index>(j)];
  }
}

std::string KarbasiMemory::structure() const {
  Index constraints = 0, smallest = options_.n, largest = 0;
  for (const ConstraintCluster& c : clusters_) {
    constraints += c.weights.rows();
    smallest = std::min<Index>(smallest, static_cast<Index>(c.neurons.size()));
    largest = std::max<Index>(largest, static_cast<Index>(c.neurons.size()));
  }
  std::ostringstream os;
  os << options_.n << " pattern neurons (integer patterns x = zG in a " << options_.subspace_dim
     << "-dim subspace); " << options_.clusters << " clusters of " << smallest << ".." << largest
     << " pattern neurons; " << constraints << " learned constraint neurons (target " << options_.constraints
     << " per cluster, " << rejected_ << " learned vectors rejected)";
  return os.str();
}

std::string KarbasiMemory::iteration() const {
  return "one round of Algorithm 2: Algorithm 1 on every unsatisfied cluster in turn, rollback unless satisfied";
}

std::string KarbasiMemory::objective_name() const {
  return "number of violated constraint neurons, |W x| >= psi0 without noise";
}

std::vector<DiscreteAttribute> KarbasiMemory::attributes() const {
  Index constraints = 0;
  for (const ConstraintCluster& c : clusters_) constraints += c.weights.rows();
  return {{"psi0", psi0_},
          {"psi", options_.nu + psi0_},
          {"max_learned_residual", max_residual_},
          {"learned_constraints", static_cast<double>(constraints)},
          {"rejected_constraints", static_cast<double>(rejected_)},
          {"noise_threshold_single_error", 1.0 - options_.phi}};
}

Cues KarbasiMemory::make_cues(Index count, Rng& rng) const {
  const Index n = memories_.cols();
  const Index errors = static_cast<Index>(std::llround(level_ * static_cast<double>(n)));
  Cues c{Matrix(count, n), Eigen::VectorXi(count)};
  for (Index b = 0; b < count; ++b) {
    const Index k = static_cast<Index>(rng.below(static_cast<std::uint64_t>(memories_.rows())));
    c.targets[b] = static_cast<int>(k);
    Vector x = memories_.row(k).transpose();
    for (Index j : random_subset(n, errors, rng)) x[j] += rng.sign();
    c.cues.row(b) = x.transpose();
  }
  return c;
}

std::unique_ptr<DiscreteRecall> KarbasiMemory::recall(const Vector& cue, Rng rng) const {
  return std::make_unique<KarbasiRecall>(*this, cue, rng);
}

DiscreteKind karbasi_kind() {
  using T = ParamSpec::Type;
  DiscreteKind d;
  KindInfo& k = d.info;
  k.kind = "karbasi";
  k.reference =
      "Karbasi, Salavati, Shokrollahi & Varshney 2013 (NIPS), Algorithms 1-2; parameters and learning rule "
      "from the authors' code (saloot/NeuralAssociativeMemory)";
  k.summary = "clustered constraint memory, integer patterns in a subspace, noisy bit-flipping recall with rollback";
  const double big = 1e300;
  k.params = {
      {"subspace_dim", T::integer, 20, 1, 1e6, false, {}, "k: dimension of the pattern subspace (rows of G)"},
      {"message_active", T::integer, 17, 0, 1e6, false, {}, "message positions set to random bits per pattern (<= subspace_dim)"},
      {"generator_degree", T::integer, 6, 1, 1e6, false, {}, "sockets per pattern neuron in G (entries of x in 0..degree)"},
      {"clusters", T::integer, 50, 1, 1e6, false, {}, "L: number of clusters"},
      {"cluster_degree", T::integer, 5, 1, 1e6, false, {}, "clusters each pattern neuron joins (<= clusters)"},
      {"constraints", T::integer, 20, 1, 1e6, false, {}, "constraint neurons to learn per cluster"},
      {"support", T::integer, 24, 1, 1e6, false, {}, "pattern neurons per constraint neuron (> subspace rank to be learnable)"},
      {"training_patterns", T::integer, 400, 1, 1e7, false, {}, "patterns the constraints are learned from"},
      {"verify_patterns", T::integer, 1000, 1, 1e7, false, {}, "fresh patterns each learned vector is verified on"},
      {"learn_epochs", T::integer, 300, 1, 1e7, false, {}, "epochs of the learning rule at most"},
      {"alpha", T::number, 0.95, 0, 2, true, {}, "learning step alpha0"},
      {"beta", T::number, 0.75, 0, 1, false, {}, "sparsity penalty beta0"},
      {"theta", T::number, 0.05, 0, big, false, {}, "penalty threshold theta0"},
      {"learn_tolerance", T::number, 0.005, 0, big, true, {}, "keep a vector only if max |w.x| below this"},
      {"phi", T::number, 0.95, 0, big, true, {}, "pattern-neuron threshold on the normalised vote"},
      {"upsilon", T::number, 0.0, 0, big, false, {}, "internal noise of pattern neurons, U[-upsilon, upsilon]"},
      {"nu", T::number, 0.0, 0, big, false, {}, "internal noise of constraint neurons, U[-nu, nu]"},
      {"psi_margin", T::number, 1e-3, 0, big, true, {}, "psi0 = max(psi_margin, 2 max residual); psi = nu + psi0"},
      {"cluster_iterations", T::integer, 80, 1, 1e6, false, {}, "Algorithm 1 iterations at most"},
  };
  k.build = [](const ModelSpec& s, const Matrix&) -> Model {
    throw std::invalid_argument("kind '" + s.kind + "' is a discrete-time memory without a Network (models/discrete_memory.hpp)");
  };
  d.build = [](const ModelSpec& s, Index count, Index dim, double level, std::uint64_t seed) -> std::shared_ptr<const DiscreteMemory> {
    KarbasiOptions o;
    auto whole = [&](const char* name) { return static_cast<Index>(s.number(name)); };
    o.n = dim;
    o.subspace_dim = whole("subspace_dim");
    o.message_active = whole("message_active");
    o.generator_degree = whole("generator_degree");
    o.clusters = whole("clusters");
    o.cluster_degree = whole("cluster_degree");
    o.constraints = whole("constraints");
    o.support = whole("support");
    o.training_patterns = whole("training_patterns");
    o.verify_patterns = whole("verify_patterns");
    o.learn_epochs = whole("learn_epochs");
    o.alpha = s.number("alpha");
    o.beta = s.number("beta");
    o.theta = s.number("theta");
    o.learn_tolerance = s.number("learn_tolerance");
    o.phi = s.number("phi");
    o.upsilon = s.number("upsilon");
    o.nu = s.number("nu");
    o.psi_margin = s.number("psi_margin");
    o.cluster_iterations = whole("cluster_iterations");
    if (o.message_active > o.subspace_dim)
      throw ParamError("message_active", "must be <= subspace_dim (" + std::to_string(o.subspace_dim) + "), got " +
                                             std::to_string(o.message_active));
    if (o.cluster_degree > o.clusters)
      throw ParamError("cluster_degree", "must be <= clusters (" + std::to_string(o.clusters) + "), got " +
                                             std::to_string(o.cluster_degree));
    if (double(o.n) * double(o.generator_degree) > 1e9 || double(o.n) * double(o.cluster_degree) > 1e9)
      throw std::invalid_argument("memories.dim is too large for this kind");
    return std::make_shared<KarbasiMemory>(o, count, level, seed);
  };
  return d;
}

}  // namespace mnemo::models

#include "mnemo/models/random_features.hpp"

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "mnemo/models/random.hpp"

namespace mnemo::models {

// Per-thread scratch of one evaluation: the coupling is const and shared between threads, and the
// RHS must not allocate in its hot path, so the Y-sized buffers live here (resized once).
struct RandomFeatureMemory::Eval {
  bool clipped = false;
  double energy = 0.0;  // E~(v)
  double s = 0.0;       // sincos: <phi(v), T> (unclipped)
  Vector proj;          // Omega v (Y), then reused for Omega dv
  Vector cs, sn;        // sincos: cos h, sin h
  Vector q, a;          // sincos: cos h .* T_c + sin h .* T_s and -sin h .* T_c + cos h .* T_s
  Vector w;             // positive: softmax of the log terms
  Vector m;             // grad s / s (N)
};

RandomFeatureMemory::RandomFeatureMemory(FeatureMap map, Eigen::Index dim, Eigen::Index Y, double beta,
                                         std::uint64_t seed, double clip, int layer)
    : map_(map), beta_(beta), clip_(clip), layer_(layer) {
  if (dim < 1 || Y < 1) throw std::invalid_argument("random features need dim >= 1 and Y >= 1");
  if (!(beta > 0.0)) throw std::invalid_argument("random features need beta > 0");
  if (!(clip > 0.0)) throw std::invalid_argument("random features need clip > 0");
  // Omega ~ N(0, I), drawn row by row from the model stream (authors' code: one Y x N normal draw).
  Rng rng(seed, stream::model);
  omega_.resize(Y, dim);
  for (Eigen::Index i = 0; i < Y; ++i)
    for (Eigen::Index j = 0; j < dim; ++j) omega_(i, j) = rng.normal();
  T_ = Vector::Zero(map == FeatureMap::sincos ? 2 * Y : Y);
}

Vector RandomFeatureMemory::features(VectorCRef x) const {
  const Eigen::Index Y = num_projections();
  const double norm = 1.0 / std::sqrt(static_cast<double>(Y));
  const Vector h = std::sqrt(beta_) * (omega_ * x);
  Vector phi(T_.size());
  if (map_ == FeatureMap::sincos) {
    phi.head(Y) = norm * h.array().cos().matrix();
    phi.tail(Y) = norm * h.array().sin().matrix();
  } else {
    phi = norm * (h.array() - beta_ * x.squaredNorm()).exp().matrix();
  }
  return phi;
}

void RandomFeatureMemory::add_memory(VectorCRef xi) {
  if (xi.size() != dim())
    throw std::invalid_argument("memory has " + std::to_string(xi.size()) + " entries, the features expect " +
                                std::to_string(dim()));
  T_ += features(xi);
}

void RandomFeatureMemory::add_memories(const Matrix& memories) {
  for (Eigen::Index k = 0; k < memories.rows(); ++k) add_memory(memories.row(k).transpose());
}

double RandomFeatureMemory::inner_product(VectorCRef v) const { return features(v).dot(T_); }

// Energy and grad s / s at v (Hoover et al. 2024 tutorial eq. 2 and its gradient; closed forms in
// docs/models/random_features.md).
RandomFeatureMemory::Eval& RandomFeatureMemory::evaluate(VectorCRef v) const {
  thread_local Eval e;
  const Eigen::Index Y = num_projections();
  const double sb = std::sqrt(beta_), rY = std::sqrt(static_cast<double>(Y));
  e.proj.resize(Y);
  e.proj.noalias() = omega_ * v;
  e.m.resize(dim());
  if (map_ == FeatureMap::sincos) {
    // h = sqrt(beta) Omega v; s = Y^-1/2 sum_i (cos h_i T_c,i + sin h_i T_s,i);
    // grad s = sqrt(beta) Y^-1/2 Omega^T (-sin h .* T_c + cos h .* T_s).
    e.cs = (sb * e.proj.array()).cos().matrix();
    e.sn = (sb * e.proj.array()).sin().matrix();
    e.q = (e.cs.array() * T_.head(Y).array() + e.sn.array() * T_.tail(Y).array()).matrix();
    e.a = (e.cs.array() * T_.tail(Y).array() - e.sn.array() * T_.head(Y).array()).matrix();
    e.s = e.q.sum() / rY;
    e.clipped = !(e.s > clip_);
    e.energy = -std::log(e.clipped ? clip_ : e.s) / beta_;
    if (e.clipped) {
      e.m.setZero();
      clipped_.fetch_add(1, std::memory_order_relaxed);
    } else {
      e.m.noalias() = omega_.transpose() * e.a;
      e.m *= sb / (rY * e.s);
    }
  } else {
    // log of each term: l_i = sqrt(beta) omega_i.v - beta |v|^2 + log T_i - 1/2 log Y; softmax w.
    // s = sum exp(l_i); grad s / s = sum_i w_i (sqrt(beta) omega_i - 2 beta v).
    e.w = (sb * e.proj.array() - beta_ * v.squaredNorm() + T_.array().log()).matrix();
    const double top = e.w.maxCoeff();
    if (!std::isfinite(top)) {
      // T = 0 (no memory) or overflow: no finite energy. Treat as clipped.
      e.clipped = true;
      e.energy = -std::log(clip_) / beta_;
      e.m.setZero();
      e.w.setZero();
      clipped_.fetch_add(1, std::memory_order_relaxed);
      return e;
    }
    e.w = (e.w.array() - top).exp().matrix();
    const double sum = e.w.sum();
    e.w /= sum;
    e.clipped = false;
    e.energy = -(top + std::log(sum) - 0.5 * std::log(static_cast<double>(Y))) / beta_;
    e.m.noalias() = omega_.transpose() * e.w;
    e.m *= sb;
    e.m -= 2.0 * beta_ * v;
  }
  return e;
}

double RandomFeatureMemory::approximate_energy(VectorCRef v) const { return evaluate(v).energy; }

void RandomFeatureMemory::approximate_gradient(VectorCRef v, VectorRef grad) const {
  // grad E~ = -beta^-1 grad s / s.
  grad = -evaluate(v).m / beta_;
}

void RandomFeatureMemory::approximate_hessian_vector(VectorCRef v, VectorCRef dv, VectorRef out) const {
  // d2 E~ dv = -beta^-1 [ (d2 s / s) dv - m (m . dv) ],  m = grad s / s.
  Eval& e = evaluate(v);
  if (e.clipped) {
    out.setZero();
    return;
  }
  const double sb = std::sqrt(beta_);
  const Eigen::Index Y = num_projections();
  e.proj.noalias() = omega_ * dv;  // Omega dv
  Vector hs(dim());
  if (map_ == FeatureMap::sincos) {
    // d2 s dv = -beta Y^-1/2 Omega^T (q .* Omega dv).
    e.proj.array() *= e.q.array();
    hs.noalias() = omega_.transpose() * e.proj;
    hs *= -beta_ / (std::sqrt(static_cast<double>(Y)) * e.s);
  } else {
    // (d2 s / s) dv = sum_i w_i u_i (u_i . dv) - 2 beta dv,  u_i = sqrt(beta) omega_i - 2 beta v;
    // u_i . dv = sqrt(beta) (Omega dv)_i - 2 beta v.dv.
    e.proj = (sb * e.proj.array() - 2.0 * beta_ * v.dot(dv)).matrix();
    e.proj.array() *= e.w.array();
    hs.noalias() = omega_.transpose() * e.proj;
    hs *= sb;
    hs -= 2.0 * beta_ * e.proj.sum() * v;
    hs -= 2.0 * beta_ * dv;
  }
  out = -(hs - e.m * e.m.dot(dv)) / beta_;
}

double RandomFeatureMemory::energy(const std::vector<Vector>& g) const {
  const Vector& v = g[layer_];
  return approximate_energy(v) - 0.5 * v.squaredNorm();
}

void RandomFeatureMemory::add_input(const std::vector<Vector>& g, std::vector<Vector>& inputs) const {
  // input = -dE_c/dv = -grad E~ + v.
  const Vector& v = g[layer_];
  const Eval& e = evaluate(v);
  inputs[layer_].noalias() += e.m / beta_;
  inputs[layer_] += v;
}

void RandomFeatureMemory::add_input_derivative(const std::vector<Vector>& g, const std::vector<Vector>& dg,
                                               std::vector<Vector>& dinputs) const {
  Vector hv(dim());
  approximate_hessian_vector(g[layer_], dg[layer_], hv);
  dinputs[layer_] += dg[layer_] - hv;
}

std::string RandomFeatureMemory::describe() const {
  std::ostringstream os;
  os << "random-feature memory (" << (map_ == FeatureMap::sincos ? "sincos" : "positive") << ", Y = " << num_projections()
     << ", beta = " << beta_ << ")";
  return os.str();
}

Network exact_dam_network(const Matrix& memories, double beta, double tau) {
  Layer v{"feature", memories.cols(), tau, Identity{}, {}};
  Layer h{"memory", memories.rows(), 0.0, Softmax{beta}, Vector(-0.5 * memories.rowwise().squaredNorm())};
  return Network({v, h}, {Synapse{0, 1, memories}}, 0);
}

namespace {
// log-domain weights -beta/2 |v - xi_mu|^2 of the exact DAM.
Vector exact_scores(const Matrix& memories, double beta, VectorCRef v) {
  return (-0.5 * beta * (memories.rowwise() - v.transpose()).rowwise().squaredNorm()).eval();
}
}  // namespace

double exact_dam_energy(const Matrix& memories, double beta, VectorCRef v) {
  const Vector s = exact_scores(memories, beta, v);
  const double top = s.maxCoeff();
  return -(top + std::log((s.array() - top).exp().sum())) / beta;
}

Vector exact_dam_gradient(const Matrix& memories, double beta, VectorCRef v) {
  Vector p = exact_scores(memories, beta, v);
  p = (p.array() - p.maxCoeff()).exp().matrix();
  p /= p.sum();
  return v - memories.transpose() * p;  // sum_mu p_mu (v - xi_mu)
}

Network random_feature_network(const Matrix& memories, FeatureMap map, Eigen::Index Y, double beta,
                               std::uint64_t seed, double tau, double clip) {
  auto memory = std::make_shared<RandomFeatureMemory>(map, memories.cols(), Y, beta, seed, clip, 0);
  memory->add_memories(memories);
  Layer v{"feature", memories.cols(), tau, Identity{}, {}};
  return Network({v}, {}, 0, {std::shared_ptr<const Coupling>(memory)});
}

KindInfo random_features_kind() {
  using T = ParamSpec::Type;
  KindInfo k;
  k.kind = "random_features";
  k.reference = "Hoover, Chau, Strobelt, Ram & Krotov 2024 (NeurIPS), DrDAM: tutorial eqs. 1-2, authors' "
                "kernel_sims.py (SinCos and positive random features, clipping)";
  k.summary = "DAM energy -beta^-1 log sum exp(-beta/2 |v - xi|^2) approximated by Y random features";
  k.params = {
      {"beta", T::number, 1.0, 0.0, 1e300, true, {}, "inverse temperature of the Gaussian kernel exp(-beta/2 |v - xi|^2)"},
      {"features", T::choice, 0, 0, 0, false, {"sincos", "positive", "exact"},
       "sincos: [cos, sin] features (2Y weights); positive: Performer features (Y weights); exact: the exact DAM"},
      {"Y", T::integer, 4096.0, 1.0, 1e9, false, {}, "number of random projections"},
      {"clip", T::number, 1e-5, 0.0, 1e300, true, {},
       "sincos: <phi(v), T> below this is clipped to it (flat energy; counted)"},
      {"tau", T::number, 1.0, 0.0, 1e300, true, {}, "time constant of the visible neurons"},
  };
  k.build = [](const ModelSpec& s, const Matrix& memories) {
    const double beta = s.number("beta");
    const std::string& f = s.word("features");
    if (f == "exact") return Model{s, memories, exact_dam_network(memories, beta, s.number("tau"))};
    const auto Y = static_cast<Eigen::Index>(s.number("Y"));
    const double bytes = 8.0 * double(Y) * double(memories.cols() + 2);
    if (bytes > 4e9)
      throw ParamError("Y", "Y = " + std::to_string(Y) + " projections of dimension " +
                                std::to_string(memories.cols()) + " need " + std::to_string(bytes / 1e9) +
                                " GB; refusing");
    return Model{s, memories,
                 random_feature_network(memories, f == "sincos" ? FeatureMap::sincos : FeatureMap::positive, Y, beta,
                                        s.seed, s.number("tau"), s.number("clip"))};
  };
  // Near each memory the exact DAM has a minimum when the memories are separated on the scale
  // beta^-1/2; the features move it by O(sqrt(N / Y)).
  k.memories_are_fixed_points = true;
  return k;
}

}  // namespace mnemo::models

#include "mnemo/analysis/fixed_points.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

#include "mnemo/analysis/operators.hpp"
#include "mnemo/analysis/recall.hpp"
#include "mnemo/dynamics/ensemble.hpp"
#include "mnemo/models/random.hpp"
#ifdef _OPENMP
#include <omp.h>
#endif

namespace mnemo::analysis {

const char* to_string(PointStatus s) {
  switch (s) {
    case PointStatus::fixed_point: return "fixed_point";
    case PointStatus::slow_point: return "slow_point";
    case PointStatus::failed: return "failed";
  }
  return "?";
}

const char* to_string(PointKind k) {
  switch (k) {
    case PointKind::memory: return "memory";
    case PointKind::reversed_memory: return "reversed_memory";
    case PointKind::mixture: return "mixture";
    case PointKind::origin: return "origin";
    case PointKind::other: return "other";
  }
  return "?";
}

namespace {

double speed(const models::Network& net, const Vector& s, Vector& F, models::Network::Workspace& ws) {
  net.rhs(s, F, ws);
  const double r = F.norm();
  return std::isfinite(r) ? r : std::numeric_limits<double>::infinity();
}

// Newton direction d with J d = -F.
bool newton_direction(const models::Network& net, const Vector& s, const Vector& F, double residual,
                      const FixedPointOptions& o, Vector& d) {
  const auto lin = std::make_shared<Linearisation>(net, s);
  const Eigen::Index n = s.size();
  if (n <= o.dense_limit) {
    const Matrix J = dense(JacobianOp(lin));
    const Eigen::ColPivHouseholderQR<Matrix> qr(J);
    d = qr.solve(-F);
    return d.allFinite();
  }
  GmresOptions g = o.gmres;
  g.tolerance = std::min(o.gmres.tolerance, residual);  // forcing term: superlinear near the root
  g.tolerance = std::max(g.tolerance, 1e-14);
  d = Vector::Zero(n);
  const LinearMap A = [&lin](const Vector& v, Vector& out) {
    out.resize(v.size());
    lin->jacobian(v, out);
  };
  const Vector b = -F;
  gmres(A, b, d, g);
  return d.allFinite();
}

}  // namespace

Refinement newton(const models::Network& net, const Vector& s0, const FixedPointOptions& o) {
  auto ws = net.workspace();
  Refinement res;
  res.state = s0;
  Vector F(s0.size()), Ft(s0.size()), d;
  double r = speed(net, res.state, F, ws);
  for (; res.steps < o.max_newton_steps && r > o.tolerance && std::isfinite(r); ++res.steps) {
    if (!newton_direction(net, res.state, F, r, o, d)) break;
    // Backtracking on |F| (Armijo condition with c = 1e-4 on the merit function |F|).
    double alpha = 1.0, rt = 0.0;
    Vector trial;
    bool accepted = false;
    for (int k = 0; k < 30; ++k, alpha *= 0.5) {
      trial = res.state + alpha * d;
      rt = speed(net, trial, Ft, ws);
      if (rt <= (1.0 - 1e-4 * alpha) * r) {
        accepted = true;
        break;
      }
    }
    if (!accepted) break;  // stagnation: a local minimum of |F| or a singular Jacobian
    res.state = trial;
    F = Ft;
    r = rt;
  }
  res.residual = r;
  res.converged = r <= o.tolerance;
  return res;
}

Refinement minimise_speed(const models::Network& net, const Vector& s0, const FixedPointOptions& o) {
  auto ws = net.workspace();
  const Eigen::Index n = s0.size();
  Refinement res;
  Vector s = s0, F(n), grad(n), Fn(n), gradn(n), trial(n);
  auto q_of = [&](const Vector& x, Vector& Fx) {
    const double r = speed(net, x, Fx, ws);
    return std::isfinite(r) ? 0.5 * r * r : std::numeric_limits<double>::infinity();
  };
  auto gradient = [&](const Vector& x, const Vector& Fx, Vector& gx) {
    const Linearisation lin(net, x);
    lin.jacobian_transpose(Fx, gx);  // grad q = J^T F
  };
  double q = q_of(s, F);
  gradient(s, F, grad);
  const int m = 10;
  std::deque<Vector> S, Y;
  std::deque<double> rho;
  const double q_target = 0.5 * o.tolerance * o.tolerance;
  for (; res.steps < o.speed_iterations && q > q_target && std::isfinite(q); ++res.steps) {
    // Two-loop recursion for d = -H_k grad.
    Vector d = -grad;
    std::vector<double> a(S.size());
    for (int i = static_cast<int>(S.size()) - 1; i >= 0; --i) {
      a[i] = rho[i] * S[i].dot(d);
      d -= a[i] * Y[i];
    }
    if (!S.empty()) d *= S.back().dot(Y.back()) / Y.back().squaredNorm();
    for (std::size_t i = 0; i < S.size(); ++i) {
      const double b = rho[i] * Y[i].dot(d);
      d += (a[i] - b) * S[i];
    }
    double slope = grad.dot(d);
    if (!(slope < 0.0)) {  // not a descent direction: restart from steepest descent
      S.clear(), Y.clear(), rho.clear();
      d = -grad;
      slope = -grad.squaredNorm();
    }
    if (slope == 0.0) break;
    double alpha = S.empty() ? std::min(1.0, 1.0 / std::max(1e-300, grad.norm())) : 1.0;
    double qn = 0.0;
    bool accepted = false;
    for (int k = 0; k < 40; ++k, alpha *= 0.5) {  // backtracking (Armijo, c = 1e-4) on q alone
      trial = s + alpha * d;
      qn = q_of(trial, Fn);
      if (qn <= q + 1e-4 * alpha * slope) {
        accepted = true;
        break;
      }
    }
    if (!accepted) break;
    gradient(trial, Fn, gradn);
    const Vector step = trial - s, dy = gradn - grad;
    s = trial;
    const double sy = step.dot(dy);
    if (sy > 1e-16 * step.norm() * dy.norm()) {
      S.push_back(step);
      Y.push_back(dy);
      rho.push_back(1.0 / sy);
      if (static_cast<int>(S.size()) > m) S.pop_front(), Y.pop_front(), rho.pop_front();
    }
    const double dq = q - qn;
    q = qn;
    F = Fn;
    grad = gradn;
    // Relative stagnation of q: a slow point (local minimum of q above zero).
    if (dq <= 1e-15 * std::max(q, 1e-300) && grad.norm() <= 1e-12 * std::max(1.0, s.norm())) break;
  }
  res.state = s;
  res.residual = std::sqrt(2.0 * q);
  res.converged = res.residual <= o.tolerance;
  return res;
}

FixedPoint refine(const models::Network& net, const Vector& s0, const FixedPointOptions& o) {
  FixedPoint p;
  const Vector& start = s0;
  Refinement r = newton(net, start, o);
  p.newton_steps = r.steps;
  if (!r.converged && o.minimise_speed) {
    const Refinement q = minimise_speed(net, r.residual < std::numeric_limits<double>::infinity() ? r.state : start, o);
    p.speed_iterations = q.steps;
    Refinement polish = newton(net, q.state, o);
    p.newton_steps += polish.steps;
    r = polish.residual <= q.residual ? polish : q;
  }
  p.state = r.state;
  p.residual = r.residual;
  if (!std::isfinite(r.residual) || !r.state.allFinite())
    p.status = PointStatus::failed;
  else
    p.status = r.residual <= o.tolerance ? PointStatus::fixed_point : PointStatus::slow_point;
  return p;
}

void describe(const models::Model& model, FixedPoint& p, const FixedPointOptions& o) {
  const models::Network& net = model.network;
  auto ws = net.workspace();
  p.energy = net.energy(p.state, ws);
  p.readout.resize(net.readout_size());
  net.readout(p.state, p.readout, ws);
  const Vector ov = cosine_overlaps(model.memories, p.readout);
  Eigen::Index k = 0;
  ov.cwiseAbs().maxCoeff(&k);
  p.nearest = k;
  p.overlap = ov(k);
  p.mixture_size = (ov.cwiseAbs().array() >= o.mixture_overlap).count();
  const double scale = std::sqrt(model.memories.squaredNorm() / static_cast<double>(model.memories.rows()));
  if (p.readout.norm() <= 1e-6 * std::max(scale, 1e-300))
    p.kind = PointKind::origin;
  else if (p.overlap >= o.memory_overlap)
    p.kind = PointKind::memory;
  else if (p.overlap <= -o.memory_overlap)
    p.kind = PointKind::reversed_memory;
  else if (p.mixture_size >= 2)
    p.kind = PointKind::mixture;
  else
    p.kind = PointKind::other;
}

std::vector<FixedPoint> find_fixed_points(const models::Model& model, const Matrix& candidates,
                                          const FixedPointOptions& o, int threads) {
  const Eigen::Index B = candidates.rows();
  std::vector<FixedPoint> refined(B);
#ifdef _OPENMP
  const int nthreads = threads > 0 ? threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic) num_threads(nthreads)
#else
  (void)threads;
#endif
  for (Eigen::Index b = 0; b < B; ++b) {
    refined[b] = refine(model.network, candidates.row(b).transpose(), o);
    refined[b].source = b;
  }
  // Merge: fixed points first, so a slow point next to a fixed point joins it.
  std::vector<Eigen::Index> order(B);
  for (Eigen::Index b = 0; b < B; ++b) order[b] = b;
  std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) {
    return static_cast<int>(refined[a].status) < static_cast<int>(refined[b].status);
  });
  std::vector<FixedPoint> unique;
  for (Eigen::Index b : order) {
    FixedPoint& p = refined[b];
    if (p.status == PointStatus::failed) continue;
    bool merged = false;
    for (FixedPoint& u : unique)
      if ((u.state - p.state).norm() <= o.duplicate_distance * std::max(1.0, u.state.norm())) {
        ++u.hits;
        u.source = std::min(u.source, p.source);
        merged = true;
        break;
      }
    if (!merged) {
      p.hits = 1;
      unique.push_back(std::move(p));
    }
  }
  for (FixedPoint& p : unique) describe(model, p, o);
  std::stable_sort(unique.begin(), unique.end(), [](const FixedPoint& a, const FixedPoint& b) {
    if (a.status != b.status) return static_cast<int>(a.status) < static_cast<int>(b.status);
    return a.energy < b.energy;
  });
  return unique;
}

Matrix relax(const models::Network& net, const Matrix& starts, double t_end, int threads) {
  dynamics::IntegrateOptions io;
  io.t_end = t_end;
  io.dt_save = t_end;
  io.converge_tol = 1e-8;
  io.threads = threads;
  const auto make = [&net]() -> dynamics::System {
    return [flow = models::GradientFlow(net)](const Vector& x, Vector& dx, double t) mutable { flow(x, dx, t); };
  };
  return dynamics::integrate_ensemble(make, starts, io, [](auto, auto, const auto&, const auto&) { return true; })
      .final_state;
}

Matrix random_starts(const models::Model& model, Eigen::Index count, std::uint64_t seed, double noise) {
  // Stream 5 of the seed: independent of memories (1), queries (2), model (3) and noise (4).
  models::Rng rng(seed, 5);
  const Matrix& X = model.memories;
  const Eigen::Index K = X.rows(), N = X.cols();
  const double rms = std::sqrt(X.squaredNorm() / static_cast<double>(X.size()));
  // Random signs only for odd flows (F(-s) = -F(s), e.g. classical Hopfield), where -xi is as
  // good a pattern as xi; checked at a random state.
  bool odd = false;
  {
    const Eigen::Index n = model.network.state_size();
    models::Rng probe(seed, 6);
    Vector s(n), fp(n), fm(n);
    for (auto& x : s) x = probe.normal();
    auto ws = model.network.workspace();
    model.network.rhs(s, fp, ws);
    model.network.rhs(-s, fm, ws);
    odd = (fp + fm).norm() <= 1e-12 * (1.0 + fp.norm());
  }
  Matrix out(count, model.network.state_size());
  for (Eigen::Index b = 0; b < count; ++b) {
    // 1, 2 or 3 distinct memories with equal weights (and random signs for odd flows): the
    // symmetric mixtures of Amit, Gutfreund & Sompolinsky 1985 (and, for two memories, the saddle
    // between them).
    const Eigen::Index m = 1 + static_cast<Eigen::Index>(rng.below(std::min<Eigen::Index>(3, K)));
    std::vector<Eigen::Index> chosen;
    while (static_cast<Eigen::Index>(chosen.size()) < m) {
      const auto mu = static_cast<Eigen::Index>(rng.below(K));
      if (std::find(chosen.begin(), chosen.end(), mu) == chosen.end()) chosen.push_back(mu);
    }
    Vector cue = Vector::Zero(N);
    for (Eigen::Index mu : chosen) {
      const double sign = rng.sign();
      cue += ((odd ? sign : 1.0) / static_cast<double>(m)) * X.row(mu).transpose();
    }
    for (Eigen::Index i = 0; i < N; ++i) cue(i) += noise * rms * rng.normal();
    out.row(b) = models::initial_state(model, cue).transpose();
  }
  return out;
}

}  // namespace mnemo::analysis

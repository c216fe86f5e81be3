#include "mnemo/dynamics/batched.hpp"

#include "mnemo/dynamics/threads.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#ifdef _OPENMP
#include <omp.h>
#endif

namespace mnemo::dynamics {
namespace {

// Dormand & Prince 1980, RK5(4)7FM (Hairer, Norsett & Wanner, Table II.5.2): stage weights a_ij,
// 5th-order weights b = a_7j (first same as last), error weights e = b - b_hat.
constexpr double a21 = 1.0 / 5.0;
constexpr double a31 = 3.0 / 40.0, a32 = 9.0 / 40.0;
constexpr double a41 = 44.0 / 45.0, a42 = -56.0 / 15.0, a43 = 32.0 / 9.0;
constexpr double a51 = 19372.0 / 6561.0, a52 = -25360.0 / 2187.0, a53 = 64448.0 / 6561.0, a54 = -212.0 / 729.0;
constexpr double a61 = 9017.0 / 3168.0, a62 = -355.0 / 33.0, a63 = 46732.0 / 5247.0, a64 = 49.0 / 176.0,
                 a65 = -5103.0 / 18656.0;
constexpr double b1 = 35.0 / 384.0, b3 = 500.0 / 1113.0, b4 = 125.0 / 192.0, b5 = -2187.0 / 6784.0, b6 = 11.0 / 84.0;
constexpr double e1 = 71.0 / 57600.0, e3 = -71.0 / 16695.0, e4 = 71.0 / 1920.0, e5 = -17253.0 / 339200.0,
                 e6 = 22.0 / 525.0, e7 = -1.0 / 40.0;
// Dense output of order 4 (Hairer, Norsett & Wanner, Sec. II.6, eq. 6.12 and the DOPRI5 code):
// y(t0 + th h) = y0 + th (D + (1-th) (h k1 - D + th (D - h k7 - (h k1 - D) + (1-th) Q))),
// D = y1 - y0, Q = h (d1 k1 + d3 k3 + d4 k4 + d5 k5 + d6 k6 + d7 k7).
constexpr double d1 = -12715105075.0 / 11282082432.0, d3 = 87487479700.0 / 32700410799.0,
                 d4 = -10690763975.0 / 1880347072.0, d5 = 701980252875.0 / 199316789632.0,
                 d6 = -1453857185.0 / 822651844.0, d7 = 69997945.0 / 29380423.0;



// The RHS of the rows of Z in chunks of batch_chunk_rows, chunks spread over threads.
class ChunkedRhs {
 public:
  ChunkedRhs(const std::function<BatchSystem()>& make, int nthreads) : nthreads_(nthreads) {
    for (int i = 0; i < nthreads; ++i) systems_.push_back(make());
    in_.resize(nthreads);
    out_.resize(nthreads);
  }
  void operator()(const Matrix& Z, Matrix& K) {
    const Eigen::Index m = Z.rows();
    K.resize(m, Z.cols());
    const Eigen::Index chunks = (m + batch_chunk_rows - 1) / batch_chunk_rows;
    const int nt = static_cast<int>(std::max<Eigen::Index>(1, std::min<Eigen::Index>(nthreads_, chunks)));
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (Eigen::Index c = 0; c < chunks; ++c) {
      const int id = this_thread();
      const Eigen::Index first = c * batch_chunk_rows;
      const Eigen::Index rows = std::min(batch_chunk_rows, m - first);
      if (rows == m) {
        systems_[id](Z, K);
        continue;
      }
      in_[id] = Z.middleRows(first, rows);
      systems_[id](in_[id], out_[id]);
      K.middleRows(first, rows) = out_[id];
    }
  }

 private:
  int nthreads_;
  std::vector<BatchSystem> systems_;
  std::vector<Matrix> in_, out_;
};

}  // namespace

EnsembleResult integrate_batched(const std::function<BatchSystem()>& make_batch_system, const Matrix& initial,
                                 const IntegrateOptions& o, const EnsembleObserver& observer,
                                 const std::atomic<bool>* cancel) {
  if (!(o.rtol > 0.0) || !(o.atol > 0.0)) throw std::invalid_argument("rtol and atol must be > 0");
  if (!(o.dt > 0.0)) throw std::invalid_argument("dt must be > 0");
  if (o.method != Method::dopri5 || o.noise.enabled)
    throw std::invalid_argument("batched integration supports dopri5 without noise only");
  const Eigen::Index B = initial.rows(), D = initial.cols();
  ChunkedRhs rhs(make_batch_system, thread_count(o.threads));

  EnsembleResult r;
  r.time = save_grid(o.t0, o.t_end, o.dt_save);
  r.t_stop = Vector::Constant(B, o.t_end);
  r.status.assign(B, Status::running);
  r.rhs_evaluations.assign(B, 0);
  r.steps.assign(B, 0);

  // Per trajectory: current state X and its derivative F (first same as last), time, next step
  // size; the last accepted step [t_old, t] for the dense output: Y0 = x(t_old), F0 = f(Y0), Q.
  Matrix X = initial, F, Y0 = initial, F0, Q = Matrix::Zero(B, D);
  rhs(X, F);
  F0 = F;
  Vector t = Vector::Constant(B, o.t0), h = Vector::Constant(B, o.dt), h_last = Vector::Zero(B);
  for (Eigen::Index b = 0; b < B; ++b) r.rhs_evaluations[b] = 1;
  double h_shared = o.dt;

  std::vector<Vector> states(B);
  for (Eigen::Index b = 0; b < B; ++b) states[b] = X.row(b).transpose();

  std::vector<Eigen::Index> active, at_save;
  Matrix Y, K1, K2, K3, K4, K5, K6, K7, Z, S, FS;
  Vector hh, err;
  const Eigen::Index T = r.time.size();
  for (Eigen::Index k = 0; k < T; ++k) {
    if (cancel && cancel->load()) {
      r.interrupted = true;
      break;
    }
    const double target = r.time[k];
    const bool last = (k + 1 == T);
    // 1. Step every running row until its time reaches the save time.
    for (;;) {
      active.clear();
      for (Eigen::Index b = 0; b < B; ++b)
        if (r.status[b] == Status::running && t[b] < target) active.push_back(b);
      const auto m = static_cast<Eigen::Index>(active.size());
      if (m == 0) break;
      Y.resize(m, D);
      K1.resize(m, D);
      hh.resize(m);
      for (Eigen::Index i = 0; i < m; ++i) {
        Y.row(i) = X.row(active[i]);
        K1.row(i) = F.row(active[i]);
        hh[i] = o.batch_shared_step ? h_shared : h[active[i]];
      }
      const auto H = hh.asDiagonal();
      Z = Y + H * (a21 * K1);
      rhs(Z, K2);
      Z = Y + H * (a31 * K1 + a32 * K2);
      rhs(Z, K3);
      Z = Y + H * (a41 * K1 + a42 * K2 + a43 * K3);
      rhs(Z, K4);
      Z = Y + H * (a51 * K1 + a52 * K2 + a53 * K3 + a54 * K4);
      rhs(Z, K5);
      Z = Y + H * (a61 * K1 + a62 * K2 + a63 * K3 + a64 * K4 + a65 * K5);
      rhs(Z, K6);
      S = Y + H * (b1 * K1 + b3 * K3 + b4 * K4 + b5 * K5 + b6 * K6);
      rhs(S, K7);
      // Error relative to atol + rtol (|x| + h |f|), max over the components of each row.
      Z = H * (e1 * K1 + e3 * K3 + e4 * K4 + e5 * K5 + e6 * K6 + e7 * K7);
      err.resize(m);
      for (Eigen::Index i = 0; i < m; ++i)
        err[i] = (Z.row(i).array().abs() /
                  (o.atol + o.rtol * (Y.row(i).array().abs() + hh[i] * K1.row(i).array().abs())))
                     .maxCoeff();
      if (o.batch_shared_step) {
        const double e = err.maxCoeff();
        err.setConstant(std::isfinite(e) ? e : std::numeric_limits<double>::infinity());
      }
      for (Eigen::Index i = 0; i < m; ++i) {
        const Eigen::Index b = active[i];
        r.rhs_evaluations[b] += 6;
        const double e = err[i];
        if (!(e <= 1.0)) {  // rejected (NaN too): shrink, as odeint's default_step_adjuster
          const double shrink = std::isfinite(e) ? std::max(0.9 * std::pow(e, -1.0 / 3.0), 0.2) : 0.2;
          h[b] = hh[i] * shrink;
          if (h[b] < 1e-15 * std::max(1.0, std::abs(t[b]))) {
            r.status[b] = Status::failed;
            r.t_stop[b] = target;
          }
          continue;
        }
        if (!S.row(i).allFinite()) {
          r.status[b] = Status::failed;
          r.t_stop[b] = target;
          continue;
        }
        Y0.row(b) = Y.row(i);
        F0.row(b) = K1.row(i);
        Q.row(b) = hh[i] * (d1 * K1.row(i) + d3 * K3.row(i) + d4 * K4.row(i) + d5 * K5.row(i) + d6 * K6.row(i) +
                            d7 * K7.row(i));
        X.row(b) = S.row(i);
        F.row(b) = K7.row(i);
        h_last[b] = hh[i];
        t[b] += hh[i];
        double grow = 1.0;
        if (e < 0.5) grow = 0.9 * std::pow(std::max(e, std::pow(5.0, -5.0)), -1.0 / 5.0);
        h[b] = hh[i] * grow;
        if (++r.steps[b] > o.max_steps) {
          r.status[b] = Status::failed;
          r.t_stop[b] = target;
        }
      }
      if (o.batch_shared_step) {
        const double e = err[0];
        if (!(e <= 1.0)) {
          h_shared *= std::isfinite(e) ? std::max(0.9 * std::pow(e, -1.0 / 3.0), 0.2) : 0.2;
          if (h_shared < 1e-15 * std::max(1.0, std::abs(target))) break;  // every row failed above
        } else if (e < 0.5) {
          h_shared *= 0.9 * std::pow(std::max(e, std::pow(5.0, -5.0)), -1.0 / 5.0);
        }
      }
    }
    // 2. States at the save time from each row's last step (dense output).
    at_save.clear();
    for (Eigen::Index b = 0; b < B; ++b) {
      if (r.status[b] != Status::running) continue;
      if (k > 0) {
        const double th = (target - (t[b] - h_last[b])) / h_last[b], th1 = 1.0 - th;
        const auto d = (X.row(b) - Y0.row(b)).eval();
        const auto bspl = (h_last[b] * F0.row(b) - d).eval();
        states[b] = (Y0.row(b) + th * (d + th1 * (bspl + th * (d - h_last[b] * F.row(b) - bspl + th1 * Q.row(b)))))
                        .transpose();
        if (!states[b].allFinite()) {
          r.status[b] = Status::failed;
          r.t_stop[b] = target;
          continue;
        }
      }
      at_save.push_back(b);
    }
    // 3. Convergence at the save time: ||f(x(t_k))||_inf <= converge_tol.
    if (o.converge_tol > 0.0 && !last && !at_save.empty()) {
      const auto m = static_cast<Eigen::Index>(at_save.size());
      S.resize(m, D);
      for (Eigen::Index i = 0; i < m; ++i) S.row(i) = states[at_save[i]].transpose();
      if (k > 0) rhs(S, FS);
      for (Eigen::Index i = 0; i < m; ++i) {
        const Eigen::Index b = at_save[i];
        double norm = 0.0;
        if (k > 0) {
          ++r.rhs_evaluations[b];
          norm = FS.row(i).lpNorm<Eigen::Infinity>();
        } else {
          norm = F.row(b).lpNorm<Eigen::Infinity>();
        }
        if (norm <= o.converge_tol) {
          r.status[b] = Status::converged;
          r.t_stop[b] = target;
        }
      }
    }
    if (last)
      for (Eigen::Index b : at_save)
        if (r.status[b] == Status::running) r.status[b] = Status::reached_end;
    if (observer && !observer(k, target, states, r.status)) {
      r.interrupted = true;
      break;
    }
  }
  r.final_state.resize(B, D);
  for (Eigen::Index b = 0; b < B; ++b) {
    r.final_state.row(b) = states[b].transpose();
    if (r.interrupted && r.status[b] == Status::running) r.status[b] = Status::interrupted;
  }
  return r;
}

}  // namespace mnemo::dynamics

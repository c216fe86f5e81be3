#include "mnemo/analysis/lyapunov.hpp"

#include <cmath>
#include <limits>

namespace mnemo::analysis {

Vector finite_difference_rate(const Vector& t, const Vector& E, double t_stop) {
  const Eigen::Index T = t.size();
  Vector rate = Vector::Constant(T, std::numeric_limits<double>::quiet_NaN());
  // Only saves whose stencil lies before t_stop: later rows repeat the stopped state.
  const double slack = 1e-9 * (1.0 + std::abs(t_stop));
  auto live = [&](Eigen::Index k) { return k >= 0 && k < T && t(k) <= t_stop + slack; };
  auto uniform = [&](Eigen::Index a, Eigen::Index b) {
    const double h = t(a + 1) - t(a);
    for (Eigen::Index k = a; k < b; ++k)
      if (std::abs((t(k + 1) - t(k)) - h) > 1e-9 * h) return false;
    return true;
  };
  for (Eigen::Index k = 1; k + 1 < T; ++k) {
    if (!live(k + 1)) continue;
    if (live(k + 2) && k >= 2 && uniform(k - 2, k + 2)) {
      const double h = t(k + 1) - t(k);
      rate(k) = (-E(k + 2) + 8.0 * E(k + 1) - 8.0 * E(k - 1) + E(k - 2)) / (12.0 * h);
    } else {
      // Second-order central difference on a non-uniform grid.
      const double h1 = t(k) - t(k - 1), h2 = t(k + 1) - t(k);
      rate(k) = (h1 * h1 * E(k + 1) - h2 * h2 * E(k - 1) + (h2 * h2 - h1 * h1) * E(k)) / (h1 * h2 * (h1 + h2));
    }
  }
  return rate;
}

LyapunovAudit audit_energy(const models::Network& net, const Vector& time,
                           const std::function<Matrix(Eigen::Index)>& states, const Matrix& energy,
                           const Vector& t_stop, double tolerance) {
  LyapunovAudit audit;
  audit.tolerance = tolerance;
  const Eigen::Index B = energy.rows(), T = energy.cols();
  auto ws = net.workspace();
  for (Eigen::Index b = 0; b < B; ++b) {
    TrajectoryAudit a;
    const Matrix S = states(b);
    const Vector E = energy.row(b).transpose();
    const Vector fd = finite_difference_rate(time, E, t_stop(b));
    a.max_increase = -std::numeric_limits<double>::infinity();
    a.max_rate = -std::numeric_limits<double>::infinity();
    for (Eigen::Index k = 0; k < T; ++k) {
      const Vector s = S.row(k).transpose();
      a.energy_mismatch = std::max(a.energy_mismatch, std::abs(net.energy(s, ws) - E(k)));
      const double rate = net.energy_rate(s, ws);
      a.max_rate = std::max(a.max_rate, rate);
      if (std::isfinite(fd(k))) {
        a.max_rate_error = std::max(a.max_rate_error, std::abs(rate - fd(k)));
        a.rate_scale = std::max(a.rate_scale, std::abs(rate));
      }
      if (k == 0) continue;
      const double rise = E(k) - E(k - 1);
      if (rise > a.max_increase) {
        a.max_increase = rise;
        a.max_increase_time = time(k);
      }
      if (rise > tolerance) {
        ++a.violations;
        audit.violations.push_back({b, time(k), rise});
      }
    }
    if (T < 2) a.max_increase = 0.0;
    if (audit.worst_trajectory < 0 || a.max_increase > audit.max_increase) {
      audit.max_increase = a.max_increase;
      audit.worst_trajectory = b;
      audit.worst_time = a.max_increase_time;
    }
    audit.max_rate = b == 0 ? a.max_rate : std::max(audit.max_rate, a.max_rate);
    if (a.rate_scale > 0.0)
      audit.max_relative_rate_error = std::max(audit.max_relative_rate_error, a.max_rate_error / a.rate_scale);
    audit.max_energy_mismatch = std::max(audit.max_energy_mismatch, a.energy_mismatch);
    audit.trajectories.push_back(a);
  }
  return audit;
}

// ---- residual Lyapunov function ------------------------------------------------------------------

double ResidualPotential::value(VectorCRef r) const {
  switch (kind) {
    case Kind::quadratic: return 0.5 * r.squaredNorm();
    case Kind::power: return r.array().abs().pow(p).sum() / p;
    case Kind::huber: {
      const auto a = r.array().abs();
      return (a <= delta).select(0.5 * a.square(), delta * (a - 0.5 * delta)).sum();
    }
  }
  return 0.0;
}

void ResidualPotential::gradient(VectorCRef r, VectorRef out) const {
  switch (kind) {
    case Kind::quadratic: out = r; return;
    case Kind::power: out = (r.array().sign() * r.array().abs().pow(p - 1.0)).matrix(); return;
    case Kind::huber: out = r.cwiseMax(-delta).cwiseMin(delta); return;
  }
}

double residual_lyapunov(const models::Network& net, const Vector& s, const ResidualPotential& phi) {
  const Linearisation lin(net, s);
  return phi.value(lin.residual());
}

void altered_flow(const models::Network& net, const Vector& s, const ResidualPotential& phi, VectorRef dsdt) {
  const Linearisation lin(net, s);
  Vector g(s.size());
  phi.gradient(lin.residual(), g);
  for (Eigen::Index k = 0; k < g.size(); ++k) g(k) *= lin.tau(k);  // T grad Phi
  lin.jacobian_transpose(g, dsdt);                               // J^T T grad Phi = -(dr/ds)^T grad Phi
}

double altered_flow_rate(const models::Network& net, const Vector& s, const ResidualPotential& phi) {
  Vector v(s.size());
  altered_flow(net, s, phi, v);
  return -v.squaredNorm();
}

}  // namespace mnemo::analysis

#include "mnemo/analysis/minres.hpp"

#include <cmath>
#include <limits>

namespace mnemo::analysis {

GmresResult minres(const LinearMap& A, const Vector& b, Vector& x, const MinresOptions& o) {
  const Eigen::Index n = b.size();
  GmresResult res;
  x = Vector::Zero(n);
  const double beta1 = b.norm();
  if (beta1 == 0.0) {
    res.converged = true;
    return res;
  }
  Vector r1 = b, r2 = b, y = b, v(n), w = Vector::Zero(n), w1(n), w2 = Vector::Zero(n), Av(n);
  double oldb = 0.0, beta = beta1, dbar = 0.0, epsln = 0.0, phibar = beta1, cs = -1.0, sn = 0.0;
  const double tiny = std::numeric_limits<double>::min();
  for (int itn = 1; itn <= o.max_iterations; ++itn) {
    v = y / beta;
    A(v, Av);
    ++res.iterations;
    y = Av;
    if (itn >= 2) y -= (beta / oldb) * r1;
    const double alfa = v.dot(y);
    y -= (alfa / beta) * r2;
    r1 = r2;
    r2 = y;
    oldb = beta;
    beta = y.norm();
    const double oldeps = epsln;
    const double delta = cs * dbar + sn * alfa;
    const double gbar = sn * dbar - cs * alfa;
    epsln = sn * beta;
    dbar = -cs * beta;
    const double gamma = std::max(std::hypot(gbar, beta), tiny);
    cs = gbar / gamma;
    sn = beta / gamma;
    const double phi = cs * phibar;
    phibar = sn * phibar;
    w1 = w2;
    w2 = w;
    w = (v - oldeps * w1 - delta * w2) / gamma;
    x += phi * w;
    if (phibar <= o.tolerance * beta1 || beta <= tiny) break;
  }
  A(x, Av);
  res.relative_residual = (b - Av).norm() / beta1;
  res.converged = res.relative_residual <= std::max(o.tolerance, 1e-14) * 10.0;
  return res;
}

}  // namespace mnemo::analysis

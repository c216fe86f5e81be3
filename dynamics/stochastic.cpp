#include "mnemo/dynamics/stochastic.hpp"

#include <cassert>
#include <stdexcept>

namespace mnemo::dynamics {

Diffusion Diffusion::additive(Eigen::VectorXd sigma) {
  Diffusion d;
  d.form_ = Form::additive;
  d.sigma_ = std::move(sigma);
  return d;
}

Diffusion Diffusion::multiplicative(Eigen::VectorXd sigma) {
  Diffusion d;
  d.form_ = Form::multiplicative;
  d.sigma_ = std::move(sigma);
  return d;
}

Diffusion Diffusion::general(DiagonalFunction g) {
  if (!g) throw std::invalid_argument("Diffusion::general needs a function");
  Diffusion d;
  d.form_ = Form::general;
  d.function_ = std::move(g);
  return d;
}

Diffusion Diffusion::from_options(const NoiseOptions& o, Eigen::Index D) {
  if (o.diffusion) return general(o.diffusion);
  if (!(o.sigma >= 0.0)) throw std::invalid_argument("noise sigma must be >= 0");
  if (o.weights.size() != 0 && o.weights.size() != D)
    throw std::invalid_argument("noise weights have " + std::to_string(o.weights.size()) + " entries for a state of " +
                                std::to_string(D));
  Eigen::VectorXd sigma = o.weights.size() ? Eigen::VectorXd(o.sigma * o.weights) : Eigen::VectorXd::Constant(D, o.sigma);
  return o.kind == NoiseKind::multiplicative ? multiplicative(std::move(sigma)) : additive(std::move(sigma));
}

void Diffusion::operator()(const Eigen::VectorXd& x, double t, Eigen::VectorXd& g) const {
  switch (form_) {
    case Form::additive:
      if (sigma_.size() == 0) g.setZero(x.size());  // the default-constructed Diffusion: no noise
      else g = sigma_;
      assert(g.size() == x.size());
      return;
    case Form::multiplicative:
      g = sigma_.cwiseProduct(x);
      return;
    case Form::general:
      g.resize(x.size());
      function_(x, t, g);
      return;
  }
}

}  // namespace mnemo::dynamics

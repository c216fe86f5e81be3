#pragma once
// Small first-order optimisers over one Eigen parameter array (matrix or vector), for models
// that learn their weights before recall. Generic: the caller computes the loss gradient and
// calls step(params, grad); nothing here knows about any model.
//
//   Sgd   v <- mu v + g;             p <- p - lr v                  (heavy-ball momentum mu)
//   Adam  m <- b1 m + (1-b1) g;  s <- b2 s + (1-b2) g^2;
//         p <- p - lr (m / (1-b1^t)) / (sqrt(s / (1-b2^t)) + eps)   (Kingma & Ba 2015, Alg. 1)
//   RowNormalizedMomentum  v <- mu v + g;  p_r <- p_r - lr v_r / max_i |v_ri|  per row r
//         (Krotov & Hopfield 2016, Appendix A: each memory moves by lr in its largest entry)
//
// One optimiser object per parameter array (its moments have that array's shape, set on the
// first step).
#include <Eigen/Dense>
#include <cmath>
#include <stdexcept>

namespace mnemo::models {

struct AdamOptions {
  double learning_rate = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
};

class Adam {
 public:
  explicit Adam(AdamOptions o = {}) : o_(o) {}
  template <class P, class G>
  void step(Eigen::DenseBase<P>& params, const Eigen::DenseBase<G>& grad) {
    if (t_ == 0) {
      m_ = Eigen::ArrayXXd::Zero(grad.rows(), grad.cols());
      s_ = m_;
    }
    if (grad.rows() != m_.rows() || grad.cols() != m_.cols() || params.rows() != m_.rows() ||
        params.cols() != m_.cols())
      throw std::invalid_argument("Adam::step: parameter and gradient shapes differ from the first step");
    ++t_;
    m_ = o_.beta1 * m_ + (1.0 - o_.beta1) * grad.derived().array();
    s_ = o_.beta2 * s_ + (1.0 - o_.beta2) * grad.derived().array().square();
    const double c1 = 1.0 - std::pow(o_.beta1, static_cast<double>(t_));
    const double c2 = 1.0 - std::pow(o_.beta2, static_cast<double>(t_));
    params.derived().array() -= o_.learning_rate * (m_ / c1) / ((s_ / c2).sqrt() + o_.epsilon);
  }
  long steps() const { return t_; }
  void set_learning_rate(double lr) { o_.learning_rate = lr; }

 private:
  AdamOptions o_;
  long t_ = 0;
  Eigen::ArrayXXd m_, s_;
};

class Sgd {
 public:
  explicit Sgd(double learning_rate, double momentum = 0.0) : lr_(learning_rate), mu_(momentum) {}
  template <class P, class G>
  void step(Eigen::DenseBase<P>& params, const Eigen::DenseBase<G>& grad) {
    if (t_ == 0) v_ = Eigen::ArrayXXd::Zero(grad.rows(), grad.cols());
    if (grad.rows() != v_.rows() || grad.cols() != v_.cols() || params.rows() != v_.rows() ||
        params.cols() != v_.cols())
      throw std::invalid_argument("Sgd::step: parameter and gradient shapes differ from the first step");
    ++t_;
    v_ = mu_ * v_ + grad.derived().array();
    params.derived().array() -= lr_ * v_;
  }
  long steps() const { return t_; }
  void set_learning_rate(double lr) { lr_ = lr; }

 private:
  double lr_, mu_;
  long t_ = 0;
  Eigen::ArrayXXd v_;
};

class RowNormalizedMomentum {
 public:
  explicit RowNormalizedMomentum(double learning_rate, double momentum = 0.0) : lr_(learning_rate), mu_(momentum) {}
  template <class P, class G>
  void step(Eigen::DenseBase<P>& params, const Eigen::DenseBase<G>& grad) {
    if (t_ == 0) v_ = Eigen::ArrayXXd::Zero(grad.rows(), grad.cols());
    if (grad.rows() != v_.rows() || grad.cols() != v_.cols() || params.rows() != v_.rows() ||
        params.cols() != v_.cols())
      throw std::invalid_argument("RowNormalizedMomentum::step: parameter and gradient shapes differ from the first step");
    ++t_;
    v_ = mu_ * v_ + grad.derived().array();
    for (Eigen::Index r = 0; r < v_.rows(); ++r) {
      const double top = v_.row(r).abs().maxCoeff();
      if (top > 0.0) params.derived().row(r).array() -= (lr_ / top) * v_.row(r);
    }
  }
  long steps() const { return t_; }
  void set_learning_rate(double lr) { lr_ = lr; }

 private:
  double lr_, mu_;
  long t_ = 0;
  Eigen::ArrayXXd v_;
};

}  // namespace mnemo::models

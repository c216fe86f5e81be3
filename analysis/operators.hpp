#pragma once
// Linear operators of a network at one state s, matrix-free, in Spectra's op shape (`Scalar`,
// `rows()`, `cols()`, `perform_op(const double* x, double* y)`), with dense versions for small
// N and for the tests that compare the two.
//
// Notation (models/network.hpp; Krotov & Hopfield 2021 eqs. 1-6; Fanaskov & Oseledets 2024):
// integrated layers i with time constants T = diag(tau_i), Lagrangian Hessians H = blockdiag(H_i),
// synaptic inputs I(g) with M = dI/dg (instantaneous layers and couplings folded in), residual
// r = x - I - b = -T ds/dt. Every term of the energy is symmetric in the activations, so M is
// symmetric. Then
//   Jacobian of the ODE     J   = T^-1 (M H - I)
//   its transpose           J^T = H M T^-1 - T^-1
//   energy gradient         dE  = H r                                   (KH2021, eq. 5)
//   energy Hessian          d2E = H (I - M H) + H'[.] r = -H T J + H'[.] r
// At a fixed point r = 0 and d2E = H - H M H exactly. Away from fixed points the third-derivative
// term H'[v] r (derivative of the Lagrangian Hessian along v, applied to r) is taken by a central
// difference of `hessian_vector` with step eps = 6e-6 (1 + |x|_inf) / |v|_inf (~ the cube root of
// machine epsilon): truncation error O(eps^2 |L''''| |r|), rounding O(1e-16 |H| |r| / eps), so
// about 1e-10 |r| relative to the term itself, which vanishes at fixed points; the operator is
// symmetric to that accuracy. Layers whose Lagrangian Hessian is constant (identity)
// skip it. For piecewise Lagrangians (rectified polynomials) the difference is wrong within eps
// of a kink x_i = 0, where the Hessian has no classical meaning anyway.
#include <Eigen/Dense>
#include <memory>

#include "mnemo/models/network.hpp"

namespace mnemo::analysis {

using Vector = Eigen::VectorXd;
using Matrix = Eigen::MatrixXd;
using VectorCRef = Eigen::Ref<const Eigen::VectorXd>;
using VectorRef = Eigen::Ref<Eigen::VectorXd>;

// The network evaluated once at s; every product below reuses that evaluation. Not thread-safe
// (scratch buffers): one per thread.
class Linearisation {
 public:
  Linearisation(const models::Network& network, const Vector& state);

  const models::Network& network() const { return *network_; }
  const Vector& state() const { return state_; }
  Eigen::Index size() const { return state_.size(); }
  const Vector& velocity() const { return velocity_; }  // F(s) = ds/dt
  const Vector& residual() const { return residual_; }  // r = x - I - b = -T F

  void lagrangian_hessian(VectorCRef v, VectorRef out) const;  // H v
  void input_derivative(VectorCRef u, VectorRef out) const;    // M u (u: change of activations)
  void jacobian(VectorCRef v, VectorRef out) const;            // J v
  void jacobian_transpose(VectorCRef v, VectorRef out) const;  // J^T v
  // d2E v; `third_order` = false drops H'[v] r (exact at fixed points, cheaper elsewhere).
  void energy_hessian(VectorCRef v, VectorRef out, bool third_order = true) const;
  double tau(Eigen::Index k) const { return tau_(k); }  // time constant of state entry k

 private:
  void synapse_derivative(int layer) const;

  const models::Network* network_;
  Vector state_, velocity_, residual_, tau_;
  mutable models::Network::Workspace ws_;
  mutable Vector scratch_, scratch2_;
};

// The shape Spectra's solvers take. `Apply` is a member of Linearisation.
template <void (Linearisation::*Apply)(VectorCRef, VectorRef) const>
class LinearisationOp {
 public:
  using Scalar = double;
  explicit LinearisationOp(std::shared_ptr<const Linearisation> lin) : lin_(std::move(lin)) {}
  Eigen::Index rows() const { return lin_->size(); }
  Eigen::Index cols() const { return lin_->size(); }
  void perform_op(const double* x, double* y) const {
    Eigen::Map<const Vector> in(x, rows());
    Eigen::Map<Vector> out(y, rows());
    (lin_.get()->*Apply)(in, out);
  }
  const Linearisation& linearisation() const { return *lin_; }

 private:
  std::shared_ptr<const Linearisation> lin_;
};

using JacobianOp = LinearisationOp<&Linearisation::jacobian>;
using JacobianTransposeOp = LinearisationOp<&Linearisation::jacobian_transpose>;
using LagrangianHessianOp = LinearisationOp<&Linearisation::lagrangian_hessian>;

// Energy Hessian (symmetric): for Spectra's SymEigsSolver.
class EnergyHessianOp {
 public:
  using Scalar = double;
  explicit EnergyHessianOp(std::shared_ptr<const Linearisation> lin, bool third_order = true)
      : lin_(std::move(lin)), third_order_(third_order) {}
  Eigen::Index rows() const { return lin_->size(); }
  Eigen::Index cols() const { return lin_->size(); }
  void perform_op(const double* x, double* y) const {
    Eigen::Map<const Vector> in(x, rows());
    Eigen::Map<Vector> out(y, rows());
    lin_->energy_hessian(in, out, third_order_);
  }

 private:
  std::shared_ptr<const Linearisation> lin_;
  bool third_order_;
};

// The Hessian of one Lagrangian at x: the operator whose kernel holds the flat directions
// (dead neurons) of Fanaskov & Oseledets 2024.
class SingleLagrangianHessianOp {
 public:
  using Scalar = double;
  SingleLagrangianHessianOp(models::Lagrangian lagrangian, Vector x) : L_(std::move(lagrangian)), x_(std::move(x)) {}
  Eigen::Index rows() const { return x_.size(); }
  Eigen::Index cols() const { return x_.size(); }
  void perform_op(const double* in, double* out) const {
    Eigen::Map<const Vector> v(in, rows());
    Eigen::Map<Vector> y(out, rows());
    models::hessian_vector(L_, x_, v, y);
  }

 private:
  models::Lagrangian L_;
  Vector x_;
};

// Any op of Spectra's shape as a dense matrix, column by column (n products: small n only).
template <class Op>
Matrix dense(const Op& op) {
  const Eigen::Index n = op.rows();
  Matrix A(n, op.cols());
  Vector e = Vector::Zero(op.cols()), y(n);
  for (Eigen::Index j = 0; j < op.cols(); ++j) {
    e(j) = 1.0;
    op.perform_op(e.data(), y.data());
    A.col(j) = y;
    e(j) = 0.0;
  }
  return A;
}

Matrix dense_jacobian(const models::Network& network, const Vector& state);
// Symmetrised ((A + A^T)/2: the finite-difference term is symmetric only to its accuracy).
Matrix dense_hessian(const models::Network& network, const Vector& state, bool third_order = true);

}  // namespace mnemo::analysis

// Typed property suite: every Lagrangian passes the same checks (style.md section 6).
//   activation = gradient of L (central differences), Hessian = Jacobian of the activation,
//   Hessian-vector product = Hessian times vector, Hessian symmetric, PSD where claimed,
//   Legendre identity d/dx (x^T g - L) = H x (KH2021 eq. 3 and the line after it).
#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>

#include "mnemo/models/lagrangian.hpp"
#include "mnemo/models/random.hpp"

namespace mnemo::models {
namespace {

template <class L>
L make();
template <> Identity make<Identity>() { return {}; }
template <> LogCosh make<LogCosh>() { return {2.5}; }
template <> Softmax make<Softmax>() { return {3.0}; }
template <> RectifiedPoly make<RectifiedPoly>() { return {3.0}; }
template <> Polynomial make<Polynomial>() { return {4.0}; }
template <> Exponential make<Exponential>() { return {0.7}; }
template <> LayerNorm make<LayerNorm>() { return {1.3, 1e-3}; }
template <> RectifiedNorm make<RectifiedNorm>() { return {3.0}; }

template <class L>
class LagrangianTest : public ::testing::Test {
 protected:
  // Points away from kinks (rectified Lagrangians are smooth except at 0).
  Vector point(std::uint64_t seed, Eigen::Index n = 9) {
    Rng rng(seed, 99);
    Vector x(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      double v = rng.normal();
      if (std::abs(v) < 0.1) v += (v < 0 ? -0.2 : 0.2);
      x[i] = v;
    }
    return x;
  }
  L lagrangian = make<L>();
};

using AllLagrangians = ::testing::Types<Identity, LogCosh, Softmax, RectifiedPoly, Polynomial, Exponential, LayerNorm,
                                       RectifiedNorm>;
TYPED_TEST_SUITE(LagrangianTest, AllLagrangians);

TYPED_TEST(LagrangianTest, ActivationIsGradientOfValue) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const Vector x = this->point(seed);
    Vector g(x.size());
    this->lagrangian.activation(x, g);
    const double h = 1e-6;
    for (Eigen::Index i = 0; i < x.size(); ++i) {
      Vector xp = x, xm = x;
      xp[i] += h;
      xm[i] -= h;
      const double fd = (this->lagrangian.value(xp) - this->lagrangian.value(xm)) / (2 * h);
      EXPECT_NEAR(g[i], fd, 1e-6 * (1.0 + std::abs(fd))) << this->lagrangian.name() << " i=" << i;
    }
  }
}

TYPED_TEST(LagrangianTest, HessianIsJacobianOfActivation) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const Vector x = this->point(seed);
    const Matrix H = this->lagrangian.hessian(x);
    const double h = 1e-6;
    for (Eigen::Index j = 0; j < x.size(); ++j) {
      Vector xp = x, xm = x, gp(x.size()), gm(x.size());
      xp[j] += h;
      xm[j] -= h;
      this->lagrangian.activation(xp, gp);
      this->lagrangian.activation(xm, gm);
      const Vector fd = (gp - gm) / (2 * h);
      for (Eigen::Index i = 0; i < x.size(); ++i)
        EXPECT_NEAR(H(i, j), fd[i], 1e-6 * (1.0 + std::abs(fd[i]))) << this->lagrangian.name();
    }
  }
}

TYPED_TEST(LagrangianTest, HessianVectorProductMatchesHessian) {
  const Vector x = this->point(7), v = this->point(8);
  Vector Hv(x.size());
  this->lagrangian.hessian_vector(x, v, Hv);
  EXPECT_LT((Hv - this->lagrangian.hessian(x) * v).norm(), 1e-12 * (1.0 + Hv.norm()));
}

TYPED_TEST(LagrangianTest, HessianSymmetricAndPsdWhereClaimed) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const Vector x = this->point(seed);
    const Matrix H = this->lagrangian.hessian(x);
    EXPECT_LT((H - H.transpose()).norm(), 1e-12 * (1.0 + H.norm()));
    const Lagrangian any = this->lagrangian;
    if (is_convex(any)) {
      const double lmin = Eigen::SelfAdjointEigenSolver<Matrix>(H).eigenvalues().minCoeff();
      EXPECT_GE(lmin, -1e-12 * (1.0 + H.norm())) << this->lagrangian.name();
    }
  }
}

TYPED_TEST(LagrangianTest, LegendreTermHasGradientHx) {
  // d/dx [x^T g(x) - L(x)] = g + H x - g = H x: the identity behind dE/dt = -tau xdot^T H xdot.
  const Vector x = this->point(11);
  const Lagrangian any = this->lagrangian;
  auto term = [&](const Vector& y) {
    Vector g(y.size());
    activation(any, y, g);
    return legendre(any, y, g);
  };
  const Vector Hx = this->lagrangian.hessian(x) * x;
  const double h = 1e-6;
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    Vector xp = x, xm = x;
    xp[i] += h;
    xm[i] -= h;
    EXPECT_NEAR((term(xp) - term(xm)) / (2 * h), Hx[i], 1e-5 * (1.0 + std::abs(Hx[i])));
  }
}

TYPED_TEST(LagrangianTest, VariantDispatchAgreesWithConcreteType) {
  const Vector x = this->point(3);
  const Lagrangian any = this->lagrangian;
  Vector g1(x.size()), g2(x.size());
  this->lagrangian.activation(x, g1);
  activation(any, x, g2);
  EXPECT_EQ(value(any, x), this->lagrangian.value(x));
  EXPECT_EQ((g1 - g2).norm(), 0.0);
  EXPECT_EQ(name(any), this->lagrangian.name());
}

TEST(Lagrangians, SoftmaxHasNullDirectionOnes) {
  // H = beta (diag p - p p^T) annihilates 1: the flat direction of Fanaskov & Oseledets 2024.
  const Softmax s{2.0};
  Vector x(5);
  x << 0.3, -1.0, 2.0, 0.1, 0.0;
  EXPECT_LT((s.hessian(x) * Vector::Ones(5)).norm(), 1e-14);
}

TEST(Lagrangians, SoftmaxIsStableForLargeArguments) {
  const Softmax s{10.0};
  Vector x = Vector::Constant(4, 1000.0);
  x[0] = 1001.0;
  Vector g(4);
  s.activation(x, g);
  EXPECT_TRUE(g.allFinite());
  EXPECT_NEAR(g.sum(), 1.0, 1e-15);
  EXPECT_TRUE(std::isfinite(s.value(x)));
}

TEST(Lagrangians, LogCoshActivationIsTanhWithGain) {
  const LogCosh l{10.0};
  Vector x(3), g(3);
  x << -1.0, 0.01, 100.0;
  l.activation(x, g);
  for (int i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(g[i], std::tanh(10.0 * x[i]));
  EXPECT_TRUE(std::isfinite(l.value(x)));  // no overflow of cosh(1000)
}

TEST(Lagrangians, OddPolynomialIsNotConvex) {
  EXPECT_TRUE(is_convex(Lagrangian{Polynomial{4.0}}));
  EXPECT_FALSE(is_convex(Lagrangian{Polynomial{3.0}}));
}

}  // namespace
}  // namespace mnemo::models

// Matrix-free Jacobian and Hessian operators (analysis/operators.hpp) against the network's own
// products, finite differences and closed forms; Spectra's spectra against Eigen's dense solvers.
#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <algorithm>

#include "analysis/analysis_models.hpp"
#include "mnemo/analysis/gmres.hpp"
#include "mnemo/analysis/minres.hpp"
#include "mnemo/analysis/operators.hpp"
#include "mnemo/analysis/spectrum.hpp"

namespace mnemo::analysis {
namespace {

using models::Rng;

struct Named {
  const char* name;
  models::Network net;
};

std::vector<Named> networks() {
  Rng rng(7, 11);
  const Matrix X = models::random_gaussian(6, 15, rng) / std::sqrt(15.0);
  const Matrix xi = models::random_gaussian(5, 7, rng);
  Vector input(7);
  for (auto& v : input) v = rng.normal();
  std::vector<Named> out;
  out.push_back({"classical", models::build_model({"classical_hopfield", {{"gain", 2.0}}, {}}, X).network});
  out.push_back({"modern_reduced", models::build_model({"modern_hopfield", {{"beta", 3.0}}, {}}, X).network});
  out.push_back({"modern_two_layer",
                 models::build_model({"modern_hopfield", {{"beta", 3.0}, {"tau_hidden", 0.3}}, {{"form", "two_layer"}}}, X)
                     .network});
  out.push_back({"relu_compact", testing_models::relu_compact(xi, input, 0.7)});
  return out;
}

Vector random_vector(Eigen::Index n, Rng& rng) {
  Vector v(n);
  for (auto& x : v) x = rng.normal();
  return v;
}

TEST(Operators, JacobianMatchesNetworkAndFiniteDifferences) {
  Rng rng(3, 12);
  for (const Named& m : networks()) {
    const Eigen::Index n = m.net.state_size();
    const Vector s = random_vector(n, rng), v = random_vector(n, rng);
    const Linearisation lin(m.net, s);
    Vector ours(n), theirs(n);
    lin.jacobian(v, ours);
    auto ws = m.net.workspace();
    m.net.jacobian_vector(s, v, theirs, ws);
    EXPECT_LE((ours - theirs).norm(), 1e-12 * (1.0 + theirs.norm())) << m.name;
    // Central difference of the right-hand side, step 1e-6: error O(1e-12) + rounding O(1e-10).
    Vector fp(n), fm(n);
    const double h = 1e-6;
    m.net.rhs(s + h * v, fp, ws);
    m.net.rhs(s - h * v, fm, ws);
    EXPECT_LE((ours - (fp - fm) / (2 * h)).norm(), 1e-6 * (1.0 + ours.norm())) << m.name;
  }
}

TEST(Operators, TransposeIsTheTransposeOfTheDenseJacobian) {
  Rng rng(4, 12);
  for (const Named& m : networks()) {
    const Eigen::Index n = m.net.state_size();
    const Vector s = random_vector(n, rng), v = random_vector(n, rng);
    const Matrix J = dense_jacobian(m.net, s);
    const Linearisation lin(m.net, s);
    Vector out(n);
    lin.jacobian_transpose(v, out);
    const Vector want = J.transpose() * v;
    EXPECT_LE((out - want).norm(), 1e-12 * (1.0 + want.norm())) << m.name;
  }
}

TEST(Operators, EnergyHessianIsTheDerivativeOfTheEnergyGradient) {
  // Away from fixed points, with the finite-difference third-order term (header comment).
  Rng rng(5, 12);
  for (const Named& m : networks()) {
    if (std::string(m.name) == "relu_compact") continue;  // kinks: tested at fixed points instead
    const Eigen::Index n = m.net.state_size();
    const Vector s = 0.5 * random_vector(n, rng);
    const Matrix A = dense_hessian(m.net, s);
    auto ws = m.net.workspace();
    Matrix fd(n, n);
    Vector gp(n), gm(n);
    for (Eigen::Index j = 0; j < n; ++j) {
      const double h = 1e-5;
      Vector e = Vector::Zero(n);
      e(j) = h;
      m.net.energy_gradient(s + e, gp, ws);
      m.net.energy_gradient(s - e, gm, ws);
      fd.col(j) = (gp - gm) / (2 * h);
    }
    EXPECT_LE((A - fd).norm(), 1e-6 * (1.0 + fd.norm())) << m.name;
    // Without the third-order term the operator is not the Hessian away from a fixed point
    // (except for layers with constant Lagrangian Hessians): the term is really there.
    if (std::string(m.name) == "classical") {
      const Matrix A2 = dense_hessian(m.net, s, false);
      EXPECT_GT((A2 - fd).norm(), 1e-3 * fd.norm()) << m.name;
    }
  }
}

TEST(Operators, ModernHopfieldHessianHasItsClosedForm) {
  // Reduced modern Hopfield: E = 1/2 |v|^2 - beta^-1 lse(beta X v), so
  // d2E = I - beta X^T (diag p - p p^T) X with p = softmax(beta X v) (Ramsauer et al. 2020, eq. 2).
  Rng rng(6, 12);
  const Matrix X = models::random_gaussian(9, 30, rng) / std::sqrt(30.0);
  const double beta = 4.0;
  const models::Model m = models::build_model({"modern_hopfield", {{"beta", beta}}, {}}, X);
  const Vector v = X.row(2).transpose() + 0.3 * random_vector(30, rng) / std::sqrt(30.0);
  Vector p = beta * X * v;
  p = (p.array() - p.maxCoeff()).exp();
  p /= p.sum();
  const Matrix want = Matrix::Identity(30, 30) - beta * X.transpose() * (Matrix(p.asDiagonal()) - p * p.transpose()) * X;
  EXPECT_LE((dense_hessian(m.network, v) - want).norm(), 1e-12 * want.norm());
}

TEST(Operators, SingleLagrangianHessianOpIsTheLagrangianHessian) {
  Rng rng(8, 12);
  const Vector x = random_vector(12, rng);
  for (const models::Lagrangian& L : {models::Lagrangian{models::Softmax{2.0}}, models::Lagrangian{models::RectifiedPoly{2.0}},
                                      models::Lagrangian{models::LayerNorm{1.5, 1e-5}}}) {
    const Matrix A = dense(SingleLagrangianHessianOp(L, x));
    EXPECT_LE((A - models::hessian(L, x)).norm(), 1e-13 * (1.0 + A.norm())) << models::name(L);
  }
}

TEST(Gmres, SolvesANonsymmetricSystem) {
  Rng rng(9, 12);
  const Eigen::Index n = 120;
  Matrix A = Matrix::Identity(n, n) * 3.0;
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j) A(i, j) += rng.normal() / std::sqrt(double(n));
  const Vector b = random_vector(n, rng);
  Vector x = Vector::Zero(n);
  const GmresResult r = gmres([&](const Vector& v, Vector& y) { y = A * v; }, b, x, {1e-12, 30, 2000});
  EXPECT_TRUE(r.converged);
  EXPECT_LE((A * x - b).norm(), 1e-11 * b.norm());
}

TEST(Minres, SolvesASymmetricIndefiniteSystem) {
  Rng rng(10, 12);
  const Eigen::Index n = 150;
  Matrix B(n, n);
  for (auto& x : B.reshaped()) x = rng.normal();
  const Matrix A = (B + B.transpose()) / std::sqrt(double(n)) + 0.37 * Matrix::Identity(n, n);  // indefinite
  const Vector b = random_vector(n, rng);
  Vector x;
  const GmresResult r = minres([&](const Vector& v, Vector& y) { y = A * v; }, b, x, {1e-12, 5000});
  EXPECT_TRUE(r.converged) << r.relative_residual;
  EXPECT_LE((A * x - b).norm(), 1e-10 * b.norm());
}

// ---- Spectra against dense solvers at N = 300 (issue 5: 1e-8 relative) -----------------------

void expect_close(const Vector& got, const Vector& want, const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (Eigen::Index i = 0; i < got.size(); ++i)
    EXPECT_LE(std::abs(got(i) - want(i)), 1e-8 * std::abs(want(i))) << what << " #" << i << ": " << got(i) << " vs " << want(i);
}

struct ThreeHundred : ::testing::Test {
  // Classical Hopfield N = 300, K = 30 random +-1 memories, gain 1, at a random state (not a fixed
  // point: the Hessian includes the third-order term), seed 2.
  Rng rng{2, 13};
  Matrix X = models::random_binary(30, 300, rng);
  models::Model model = models::build_model({"classical_hopfield", {{"gain", 1.0}}, {}}, X);
  Vector s = random_vector(300, rng) * 0.5;
  std::shared_ptr<Linearisation> lin = std::make_shared<Linearisation>(model.network, s);
};

TEST_F(ThreeHundred, HessianExtremalEigenvaluesMatchEigen) {
  EnergyHessianOp op(lin);
  const Matrix A = dense(op);
  Eigen::SelfAdjointEigenSolver<Matrix> eig(0.5 * (A + A.transpose()), Eigen::EigenvaluesOnly);
  const Vector all = eig.eigenvalues();  // ascending
  const SymmetricSpectrum hi = symmetric_eigenvalues(op, 10, Which::largest_algebraic);
  const SymmetricSpectrum lo = symmetric_eigenvalues(op, 10, Which::smallest_algebraic);
  ASSERT_TRUE(hi.converged && lo.converged);
  expect_close(hi.values, all.tail(10).reverse(), "largest");
  expect_close(lo.values, all.head(10), "smallest");
}

TEST_F(ThreeHundred, ShiftInvertFindsInteriorEigenvalues) {
  EnergyHessianOp op(lin);
  const Matrix A = dense(op);
  Eigen::SelfAdjointEigenSolver<Matrix> eig(0.5 * (A + A.transpose()), Eigen::EigenvaluesOnly);
  Vector all = eig.eigenvalues();
  const double sigma = 0.5 * (all(140) + all(141)) + 1e-3;
  std::sort(all.data(), all.data() + all.size(),
            [sigma](double a, double b) { return std::abs(a - sigma) < std::abs(b - sigma); });
  const SymmetricSpectrum lu = symmetric_eigenvalues_near(op, sigma, 5);  // dense LU (n <= 600)
  ASSERT_TRUE(lu.converged);
  expect_close(lu.values, all.head(5), "shift-invert, LU");
  const SymmetricSpectrum kr = symmetric_eigenvalues_near(op, sigma, 5, {}, 0);  // MINRES
  ASSERT_TRUE(kr.converged);
  expect_close(kr.values, all.head(5), "shift-invert, MINRES");
}

TEST_F(ThreeHundred, JacobianEigenvaluesOfLargestRealPartMatchEigen) {
  JacobianOp op(lin);
  const Eigen::EigenSolver<Matrix> eig(dense(op), false);
  Eigen::VectorXcd all = eig.eigenvalues();
  std::sort(all.data(), all.data() + all.size(), [](const auto& a, const auto& b) { return a.real() > b.real(); });
  // J = W H - I with H diagonal positive: similar to H^1/2 W H^1/2 - I, a real spectrum.
  EXPECT_LE(all.imag().cwiseAbs().maxCoeff(), 1e-8);
  const GeneralSpectrum sp = general_eigenvalues(op, 10, Which::largest_real);
  ASSERT_TRUE(sp.converged);
  EXPECT_LE(sp.values.imag().cwiseAbs().maxCoeff(), 1e-8);
  expect_close(sp.values.real(), all.head(10).real(), "jacobian");
}

TEST(Spectrum, ModernHopfieldSmallestHessianEigenvaluesMatchEigen) {
  // N = 300, K = 40 unit-norm Gaussian memories, beta = 20, near memory 0 (seed 3): the smallest
  // eigenvalues of I - beta X^T (diag p - p p^T) X, without the dense matrix.
  Rng rng(3, 14);
  Matrix X = models::random_gaussian(40, 300, rng);
  X.rowwise().normalize();
  const models::Model m = models::build_model({"modern_hopfield", {{"beta", 20.0}}, {}}, X);
  const Vector v = 0.5 * (X.row(0) + X.row(1)).transpose();
  EnergyHessianOp op(std::make_shared<Linearisation>(m.network, v));
  Eigen::SelfAdjointEigenSolver<Matrix> eig(dense_hessian(m.network, v), Eigen::EigenvaluesOnly);
  const SymmetricSpectrum lo = symmetric_eigenvalues(op, 10, Which::smallest_algebraic);
  ASSERT_TRUE(lo.converged);
  expect_close(lo.values, eig.eigenvalues().head(10), "modern smallest");
}

}  // namespace
}  // namespace mnemo::analysis

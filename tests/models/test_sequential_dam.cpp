// Sequential learning in the dense associative memory (kind "sequential_dam"; McAlister, Robins &
// Szymanski 2024; notes shared/papers/mcalister-2024-sequential-dam.md, section 3): the discrete
// DAM (storage sanity vs n, normalisation equivalence, the paper's energy vs the authors'
// library's), the completion loss's gradient and Fisher against finite differences, the kind's
// relaxation = the dense kind, and the signature at reduced size on permuted 8x8 digits: naive
// sequential training forgets task 1, rehearsal keeps the most, EWC is reported.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <algorithm>
#include <numeric>
#include <vector>

#include "mnemo/io/datasets.hpp"
#include "mnemo/models/catalogue.hpp"
#include "mnemo/models/dense.hpp"
#include "mnemo/models/optimizer.hpp"
#include "mnemo/models/patterns.hpp"
#include "mnemo/models/random.hpp"
#include "mnemo/models/sequential_dam.hpp"
#include "param_key.hpp"

namespace mnemo::models {
namespace {

Matrix uniform(Eigen::Index r, Eigen::Index c, std::uint64_t seed) {
  Rng rng(seed, 21);
  Matrix m(r, c);
  for (Eigen::Index j = 0; j < c; ++j)
    for (Eigen::Index i = 0; i < r; ++i) m(i, j) = 2.0 * rng.uniform() - 1.0;
  return m;
}

// Notes section 3.1: N = 100, K = 50 random +-1 memories; fraction that are fixed points.
double stable_fraction(double n) {
  Rng rng(1, 5);
  const Matrix X = random_binary(50, 100, rng);
  int stable = 0;
  for (Eigen::Index mu = 0; mu < X.rows(); ++mu) stable += dam_is_fixed_point(X, X.row(mu).transpose(), n, 1.0);
  return stable / 50.0;
}

TEST(SequentialDam, StorageGrowsWithThePower) {
  const double f2 = stable_fraction(2), f3 = stable_fraction(3), f10 = stable_fraction(10);
  std::printf("fixed points of K = 50 in N = 100: n = 2 %.2f, n = 3 %.2f, n = 10 %.2f\n", f2, f3, f10);
  EXPECT_LT(f2, 0.5);   // beyond 0.14 N: the pairwise network loses most patterns
  EXPECT_GE(f3, 0.99);  // higher powers store them all
  EXPECT_GE(f10, 0.99);
}

TEST(SequentialDam, NormalisationOnlyRescalesRectifiedPolynomials) {
  // F(c x) = c^n F(x) for c > 0: beta/N changes no sign decision (notes section 3.2).
  const Matrix X = uniform(20, 40, 3);
  Rng rng(4, 6);
  for (int trial = 0; trial < 200; ++trial) {
    Eigen::VectorXd s(40);
    for (Eigen::Index i = 0; i < 40; ++i) s[i] = rng.sign();
    const auto i = static_cast<Eigen::Index>(rng.below(40));
    for (double n : {2.0, 3.0, 7.0, 10.0})
      ASSERT_EQ(dam_neuron_update(X, s, i, n, 1.0 / 0.3), dam_neuron_update(X, s, i, n, 40.0)) << "n = " << n;
  }
}

TEST(SequentialDam, AsynchronousUpdatesLowerThePapersEnergyNotTheLibrarys) {
  // Each single-neuron update picks the sign of lower E = -sum_mu F: E never rises. The library's
  // -F(sum_mu overlaps) is not what the update lowers: it rises on some updates.
  const Matrix X = uniform(30, 60, 7);
  Rng rng(8, 9);
  int library_rises = 0;
  for (int trial = 0; trial < 20; ++trial) {
    Eigen::VectorXd s(60);
    for (Eigen::Index i = 0; i < 60; ++i) s[i] = rng.sign();
    for (int sweep = 0; sweep < 5; ++sweep)
      for (Eigen::Index i = 0; i < 60; ++i) {
        const double before = dam_energy(X, s, 3, 1.0), before_lib = dam_library_energy(X, s, 3, 1.0);
        s[i] = dam_neuron_update(X, s, i, 3, 1.0);
        EXPECT_LE(dam_energy(X, s, 3, 1.0), before + 1e-15);
        library_rises += dam_library_energy(X, s, 3, 1.0) > before_lib + 1e-12;
      }
  }
  std::printf("updates that raise the library's energy: %d of 6000\n", library_rises);
  EXPECT_GT(library_rises, 0);
}

TEST(SequentialDam, CompletionGradientAndFisherMatchFiniteDifferences) {
  const Eigen::Index P = 12, C = 3, K = 4, B = 5;
  const Matrix X = 0.8 * uniform(K, P + C, 11);
  Rng rng(12, 13);
  Matrix V(B, P);
  for (Eigen::Index j = 0; j < P; ++j)
    for (Eigen::Index b = 0; b < B; ++b) V(b, j) = rng.sign();
  Eigen::VectorXi y(B);
  for (Eigen::Index b = 0; b < B; ++b) y[b] = static_cast<int>(rng.below(C));
  for (double n : {2.0, 3.0, 5.0}) {
    const double beta = 3.0;
    Matrix g, fisher;
    completion_loss(X, C, n, beta, V, y, &g, &fisher);
    const double h = 1e-6;
    for (Eigen::Index mu = 0; mu < K; ++mu)
      for (Eigen::Index j = 0; j < P + C; ++j) {
        Matrix a = X, b = X;
        a(mu, j) += h;
        b(mu, j) -= h;
        const double fd = (completion_loss(a, C, n, beta, V, y) - completion_loss(b, C, n, beta, V, y)) / (2 * h);
        ASSERT_NEAR(g(mu, j), fd, 1e-6 * (1.0 + std::abs(fd))) << "n = " << n << ", entry " << mu << "," << j;
      }
    // Fisher = mean over items of the squared single-item gradient.
    Matrix sq = Matrix::Zero(K, P + C);
    for (Eigen::Index b = 0; b < B; ++b) {
      Matrix gb;
      completion_loss(X, C, n, beta, V.row(b), y.segment(b, 1), &gb);
      sq += gb.cwiseProduct(gb) / static_cast<double>(B);
    }
    EXPECT_LT((sq - fisher).cwiseAbs().maxCoeff(), 1e-12 * (1.0 + sq.cwiseAbs().maxCoeff())) << "n = " << n;
  }
}

TEST(SequentialDam, RowNormalizedMomentumMovesEachRowByTheStep) {
  Matrix p = Matrix::Zero(2, 3), g(2, 3);
  g << 1, -4, 2, 1e-20, 0, -3e-20;
  RowNormalizedMomentum opt(0.1, 0.0);
  opt.step(p, g);
  EXPECT_DOUBLE_EQ(p.row(0).cwiseAbs().maxCoeff(), 0.1);
  EXPECT_DOUBLE_EQ(p(0, 1), 0.1);
  EXPECT_DOUBLE_EQ(p(1, 2), 0.1);  // tiny gradients still move a memory by the full step
  EXPECT_NEAR(p(1, 0), -0.1 / 3.0, 1e-15);
}


TEST(SequentialDam, RelaxationIsTheDenseKind) {
  // The kind's network on given memories is the dense kind's rectified_poly DAM with the same n.
  const Matrix X = uniform(6, 20, 14);
  const Model m = build_model(ModelSpec{"sequential_dam", {{"n", 4.0}, {"gain", 3.0}}, {}}, X);
  const Model d = build_model(ModelSpec{"dense", {{"n", 4.0}, {"gain", 3.0}}, {{"interaction", "rectified_poly"}}}, X);
  const Vector x = uniform(1, 20, 15).row(0).transpose();
  auto wm = m.network.workspace();
  auto wd = d.network.workspace();
  EXPECT_DOUBLE_EQ(m.network.energy(x, wm), d.network.energy(x, wd));
  EXPECT_EQ(rejected_key(ModelSpec{"sequential_dam", {{"n", 1.0}}, {}}, X), "n");
  EXPECT_EQ(rejected_key(ModelSpec{"sequential_dam", {{"temperature", 0.0}}, {}}, X), "temperature");
  EXPECT_EQ(rejected_key(ModelSpec{"sequential_dam", {{"rehearsal_fraction", 1.5}}, {}}, X), "rehearsal_fraction");
  EXPECT_EQ(rejected_key(ModelSpec{"sequential_dam", {}, {{"method", "gem"}}}, X), "method");
}

struct Digits {
  Matrix pixels;
  Eigen::VectorXi labels;
};
const Digits& digits() {
  static const Digits d = [] {
    if (!std::ifstream(io::digits_csv)) return Digits{};
    const io::Images im = io::read_digits_csv(io::digits_csv);
    return Digits{im.pixels, im.labels};
  }();
  return d;
}

SequentialOptions reduced(ContinualMethod method) {
  SequentialOptions o;  // the kind's defaults but 4 tasks (notes section 3.4 at reduced size)
  o.memories = 100;
  o.tasks = 4;
  o.train_per_task = 500;
  o.test_per_task = 300;
  o.epochs = 20;
  o.method = method;
  o.seed = 1;
  return o;
}

TEST(SequentialDam, NaiveForgetsRehearsalRetainsRegularisersBetweenOnPermutedDigits) {
  const Digits& d = digits();
  if (d.pixels.size() == 0) GTEST_SKIP() << "sklearn's digits.csv.gz is not installed";
  const SequentialResult naive = train_sequential(d.pixels, d.labels, reduced(ContinualMethod::naive));
  const SequentialResult rehearsal = train_sequential(d.pixels, d.labels, reduced(ContinualMethod::rehearsal));
  const SequentialResult ewc = train_sequential(d.pixels, d.labels, reduced(ContinualMethod::ewc));
  const SequentialResult si = train_sequential(d.pixels, d.labels, reduced(ContinualMethod::si));
  const Eigen::Index T = 4;
  auto show = [&](const char* name, const SequentialResult& r) {
    std::printf("%-9s task 1 after each task:", name);
    for (Eigen::Index t = 0; t < T; ++t) std::printf(" %.3f", r.accuracy(t, 0));
    std::printf(" | final row:");
    for (Eigen::Index k = 0; k < T; ++k) std::printf(" %.3f", r.accuracy(T - 1, k));
    std::printf(" (mean %.3f)\n", r.accuracy.row(T - 1).mean());
  };
  show("naive", naive);
  show("rehearsal", rehearsal);
  show("ewc", ewc);
  show("si", si);
  // Every method learns task 1 the same way (same seed, nothing to protect yet) and well.
  EXPECT_EQ(naive.accuracy(0, 0), rehearsal.accuracy(0, 0));
  EXPECT_EQ(naive.accuracy(0, 0), ewc.accuracy(0, 0));
  EXPECT_GT(naive.accuracy(0, 0), 0.8);
  // Naive sequential training forgets task 1 (notes section 3.4: >= 10 points; measured ~47).
  EXPECT_LT(naive.accuracy(T - 1, 0), naive.accuracy(0, 0) - 0.25);
  // Rehearsal (20 % buffers) keeps the most of task 1 and the best final average.
  EXPECT_GT(rehearsal.accuracy(T - 1, 0), naive.accuracy(T - 1, 0) + 0.2);
  EXPECT_GT(rehearsal.accuracy.row(T - 1).mean(), naive.accuracy.row(T - 1).mean() + 0.1);
  EXPECT_GT(rehearsal.accuracy.row(T - 1).mean(), ewc.accuracy.row(T - 1).mean());
  // EWC (lambda = 1) protects task 1 better than naive training, at some cost to later tasks.
  EXPECT_GT(ewc.accuracy(T - 1, 0), naive.accuracy(T - 1, 0) + 0.1);
  EXPECT_GT(ewc.accuracy.row(T - 1).mean(), naive.accuracy.row(T - 1).mean());
  // SI (c = 1) likewise.
  EXPECT_EQ(naive.accuracy(0, 0), si.accuracy(0, 0));
  EXPECT_GT(si.accuracy(T - 1, 0), naive.accuracy(T - 1, 0) + 0.1);
  EXPECT_GT(si.accuracy.row(T - 1).mean(), naive.accuracy.row(T - 1).mean());
  EXPECT_GT(rehearsal.accuracy.row(T - 1).mean(), si.accuracy.row(T - 1).mean());
  // Each task's permutation is one (task 1 the identity); same seed, same bits.
  for (Eigen::Index k = 0; k < T; ++k) {
    Eigen::VectorXd row = naive.permutations.row(k).transpose();
    std::sort(row.data(), row.data() + row.size());
    for (Eigen::Index j = 0; j < row.size(); ++j) ASSERT_EQ(row[j], static_cast<double>(j));
  }
  for (Eigen::Index j = 0; j < naive.permutations.cols(); ++j) EXPECT_EQ(naive.permutations(0, j), static_cast<double>(j));
  const SequentialResult again = train_sequential(d.pixels, d.labels, reduced(ContinualMethod::naive));
  EXPECT_EQ((again.memories - naive.memories).cwiseAbs().maxCoeff(), 0.0);
}

}  // namespace
}  // namespace mnemo::models

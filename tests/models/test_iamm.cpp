// IAMM's second-order interaction attention (models/iamm.hpp; notes shared/papers/yang-2024-iamm.md
// section 4): memory size, orthonormal sanity, permutation equivariance, clamping of k and c,
// determinism, and the relaxation's memories reproducing the mechanism's logits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "mnemo/models/iamm.hpp"
#include "mnemo/models/patterns.hpp"

using namespace mnemo::models;

namespace {
Matrix gaussian(Eigen::Index r, Eigen::Index c, std::uint64_t seed) {
  Rng rng(seed, 0);
  return random_gaussian(r, c, rng);
}
}  // namespace

TEST(Iamm, MemoryHas20Plus60RowsPerExtraUtterance) {
  Rng rng(1, 0);
  const Matrix S = gaussian(12, 64, 2);
  const IammModule sc = iamm_module(64, 2, 16, 5, 5, rng), rc = iamm_module(64, 2, 16, 5, 5, rng);
  for (int M = 1; M <= 4; ++M) {
    Rng ur(3, 0);
    const auto U = noisy_utterances(S, M, 8, 0.3, ur);
    const Matrix mem = iamm_memory(U, S, sc, rc);
    EXPECT_EQ(mem.rows(), 20 + 60 * (M - 1));
    EXPECT_EQ(mem.cols(), 64);
    EXPECT_TRUE(mem.allFinite());
  }
}

TEST(Iamm, OneHotTokensAttendFirstToThemselves) {
  // Identity projections (the first d_h coordinates), one-hot embeddings, A = B: every token's
  // top-1 key is itself with score 1/sqrt(d_h) (notes section 4.2).
  const Eigen::Index D = 16, d = 8;
  IammModule m;
  m.projection = {Matrix::Identity(D, d)};
  m.k = 3;
  m.c = 2;
  m.gate = Matrix::Identity(3, 3);
  m.select = Matrix::Identity(2, 2);
  m.gate_bias = Vector::Zero(3);
  m.select_bias = Vector::Zero(2);
  m.output = Matrix::Identity(3 * d, D);
  const Matrix A = Matrix::Identity(6, D);  // tokens e_0..e_5, all inside the head's coordinates
  IammTrace trace;
  const Matrix R = second_order_interaction(A, A, m, &trace);
  EXPECT_EQ(R.rows(), 2 * 1 * 2);
  const Matrix L = iamm_logits(A, A, m.projection[0]);
  for (Eigen::Index i = 0; i < 6; ++i) {
    EXPECT_EQ(trace.top_keys_of_a[0](i, 0), i);
    EXPECT_DOUBLE_EQ(L(i, i), 1.0 / std::sqrt(8.0));
  }
}

TEST(Iamm, PermutingTheKeysLeavesTheSelectedSetsAndScores) {
  Rng rng(4, 0);
  const IammModule m = iamm_module(32, 2, 8, 4, 3, rng);
  const Matrix A = gaussian(7, 32, 5), B = gaussian(9, 32, 6);
  std::vector<int> perm = {3, 8, 0, 5, 1, 7, 2, 6, 4};
  Matrix Bp(9, 32);
  for (int j = 0; j < 9; ++j) Bp.row(j) = B.row(perm[j]);
  IammTrace t1, t2;
  const Matrix R1 = second_order_interaction(A, B, m, &t1);
  const Matrix R2 = second_order_interaction(A, Bp, m, &t2);
  for (std::size_t h = 0; h < 2; ++h) {
    // A-side: the same A-tokens, the same relation rows (keys mapped through the permutation).
    EXPECT_EQ(t1.selected_a[h], t2.selected_a[h]);
    for (Eigen::Index i = 0; i < 7; ++i)
      for (Eigen::Index t = 0; t < t1.top_keys_of_a[h].cols(); ++t)
        EXPECT_EQ(t1.top_keys_of_a[h](i, t), perm[static_cast<std::size_t>(t2.top_keys_of_a[h](i, t))]);
    std::vector<Eigen::Index> b1 = t1.selected_b[h], b2;
    for (Eigen::Index j : t2.selected_b[h]) b2.push_back(perm[static_cast<std::size_t>(j)]);
    EXPECT_EQ(b1, b2);
  }
  EXPECT_LT((R1 - R2).norm(), 1e-9 * (1.0 + R1.norm()));
}

TEST(Iamm, ShortSequencesClampKAndC) {
  Rng rng(7, 0);
  const IammModule m = iamm_module(32, 2, 8, 5, 5, rng);
  const Matrix A = gaussian(3, 32, 8), B = gaussian(2, 32, 9);
  IammTrace t;
  const Matrix R = second_order_interaction(A, B, m, &t);
  EXPECT_EQ(R.rows(), 2 * 2 * 2);  // c' = min(5, 3, 2)
  EXPECT_EQ(t.top_keys_of_a[0].cols(), 2);  // k' = min(5, 2)
  EXPECT_TRUE(R.allFinite());
  for (std::size_t h = 0; h < 2; ++h)
    for (Eigen::Index j : t.selected_b[h]) EXPECT_LT(j, 2);
}

TEST(Iamm, SameSeedSameBitsAndTheRelaxationReproducesTheLogits) {
  const Matrix S = gaussian(10, 48, 10);
  ModelSpec spec = complete_spec(ModelSpec{"iamm", {{"utterances", 2}}, {}});
  spec.seed = 5;
  const Model a = build_model(spec, S), b = build_model(spec, S);
  EXPECT_EQ(a.extra.at("iamm_memory"), b.extra.at("iamm_memory"));
  EXPECT_EQ(a.extra.at("iamm_memory").rows(), 20 + 60);
  const IammSetup setup = iamm_setup(spec, S);
  const Matrix& U = a.extra.at("utterances");
  const Matrix L = iamm_logits(U, S, setup.sc.projection[0]);
  EXPECT_LT((U * a.extra.at("relaxation_memories").transpose() - L).norm(), 1e-10 * L.norm());
  EXPECT_EQ(a.memories, S);
  spec.seed = 6;
  EXPECT_NE(build_model(spec, S).extra.at("iamm_memory"), a.extra.at("iamm_memory"));
}

TEST(Iamm, BadSizesAreParamErrors) {
  const Matrix S = gaussian(10, 16, 11);
  try {
    (void)build_model(ModelSpec{"iamm", {{"heads", 2}, {"head_dim", 16}}, {}}, S);
    FAIL() << "no error";
  } catch (const ParamError& e) {
    EXPECT_EQ(e.key, "head_dim");
  }
  try {
    (void)build_model(ModelSpec{"iamm", {{"head", 2}}, {}}, S);
    FAIL() << "no error";
  } catch (const ParamError& e) {
    EXPECT_EQ(e.key, "head");
  }
}

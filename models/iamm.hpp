#pragma once
// IAMM's memory mechanism: second-order interaction attention (Yang, Ren, Wang, Sun, Chen, Zhu &
// Liao, "An Iterative Associative Memory Model for Empathetic Response Generation", ACL 2024,
// arXiv 2402.17959). Notes: shared/papers/yang-2024-iamm.md (transcribed from the authors' code,
// zhouzhouyang520/IAMM: model.py build_relation / select_topk, common.py MultiHeadAttention);
// docs/models/iamm.md.
//
// Only the mechanism, on given embedding vectors with fixed weights; no dialogue model, no
// training. R(A, B) for token sequences A (a x D) and B (b x D), per head h (notes section 1):
//   logits   L_AB = (A Wq)(B Wk)^T / sqrt(d_h),  L_BA = (B Wq)(A Wk)^T / sqrt(d_h)   (raw, no softmax)
//   first    for A-token i: the top-k keys j_1..j_k of L_AB[i, :] with scores s; gates
//            g = sigmoid(Wg s + bg); r_i = concat_t g_t (B Wv)[j_t]        (k d_h); r'_j alike
//   second   u_i = mean_j L_BA[j, i] (how much B attends to A-token i), w_j = mean_i L_AB[i, j];
//            the top-c A-tokens by u, weighted q = sigmoid(Ws u_sel + bs): rows q_t r_{i_t}; the
//            top-c B-tokens by w alike
//   output   the 2 H c rows (per head: A side, then B side) times Wo (k d_h -> D).
// Iteration over utterances U_1..U_M against a situation S (notes section 1.5, explicit channel):
//   M <- R_sc(U_1, S);  for i >= 2: M <- [M; R_sc(U_i, S); R_rc(U_i, M); R_sc(U_i, P)], P <- [P; U_i]
// so |M| = 2Hc + 3 * 2Hc (M - 1) rows (20 + 60 (M - 1) for H = 2, c = 5).
// Fixed weights (notes section 2): per head Wq = Wk = Wv = W^h, the heads' blocks of one seeded
// random D x (H d_h) matrix with orthonormal columns; Wg = I_k, Ws = I_c, zero biases; Wo a seeded
// random matrix with orthonormal rows or columns. k and c are clamped to the sequences' lengths
// (notes, pitfalls); ties go to the lower index.
//
// The mechanism has no energy: hard top-k selection and sigmoid gates, a feed-forward pipeline.
// Beside it, the `iamm` catalogue kind is a modern-Hopfield relaxation of its first-order
// retrieval for one head h against the situation S: memories Xi = S W^h W^hT / sqrt(d_h) (so that
// Xi v = the logits of query v against S), energy and flow of `modern_hopfield`
//   E(v) = 1/2 |v|^2 - beta^-1 log sum_j exp(beta Xi_j . v),   dv/dt = Xi^T softmax(beta Xi v) - v,
// whose softmax weights become IAMM's top-1 key as beta grows (analysis/iamm_relaxation.hpp).
#include <cstdint>
#include <vector>

#include "mnemo/models/catalogue.hpp"
#include "mnemo/models/random.hpp"

namespace mnemo::models {

struct IammModule {  // one MultiHeadAttention module with fixed weights
  std::vector<Matrix> projection;  // per head, D x d_h (Wq = Wk = Wv)
  Matrix gate, select;             // k x k, c x c
  Vector gate_bias, select_bias;   // k, c
  Matrix output;                   // (k d_h) x D
  int k = 5, c = 5;
  Eigen::Index head_dim() const { return projection.front().cols(); }
};

// A matrix rows x cols with orthonormal columns (rows >= cols) or rows (rows < cols), seeded.
Matrix random_orthonormal(Eigen::Index rows, Eigen::Index cols, Rng& rng);
// The fixed-weight module of notes section 2; needs D >= heads * head_dim.
IammModule iamm_module(Eigen::Index D, int heads, Eigen::Index head_dim, int k, int c, Rng& rng);

// What R(A, B) chose, per head (for tests and the relaxation comparison).
struct IammTrace {
  std::vector<Eigen::MatrixXi> top_keys_of_a;   // per head: a x k', B-indices, best first
  std::vector<std::vector<Eigen::Index>> selected_a, selected_b;  // per head: top-c, best first
  std::vector<Vector> importance_a, importance_b;  // per head: u (a), w (b)
};

// Raw logits (A W)(B W)^T / sqrt(d_h) of one head.
Matrix iamm_logits(const Matrix& A, const Matrix& B, const Matrix& W);
// Indices of the `count` largest entries, largest first, ties to the lower index.
std::vector<Eigen::Index> top_indices(const Eigen::Ref<const Vector>& scores, Eigen::Index count);

// R(A, B): 2 H c' rows of dimension D (c' = min(c, a, b)).
Matrix second_order_interaction(const Matrix& A, const Matrix& B, const IammModule& module, IammTrace* trace = nullptr);

// The memory after the utterances, from modules sc (situation and history) and rc (memory).
Matrix iamm_memory(const std::vector<Matrix>& utterances, const Matrix& situation, const IammModule& sc,
                   const IammModule& rc);

// Seeded utterances: `count` of `length` tokens, each a situation token (uniform) plus
// N(0, noise^2) per entry.
std::vector<Matrix> noisy_utterances(const Matrix& situation, int count, int length, double noise, Rng& rng);

// The relaxation's memories Xi = S W W^T / sqrt(d_h) for head projection W (D x d_h).
Matrix iamm_relaxation_memories(const Matrix& situation, const Matrix& W);

// Kind `iamm`: Model::memories = the situation S (K x D, as given), Network = modern_hopfield(Xi,
// beta); Model::extra: relaxation_memories (Xi), iamm_memory, utterances, head_projection.
KindInfo iamm_kind();
// The sc module and the utterances the kind builds from a completed spec and its situation.
struct IammSetup {
  IammModule sc, rc;
  std::vector<Matrix> utterances;
  int head = 0;
  double beta = 1.0;
};
IammSetup iamm_setup(const ModelSpec& spec, const Matrix& situation);

}  // namespace mnemo::models

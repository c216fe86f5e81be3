#include "mnemo/models/iamm.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "mnemo/models/modern_hopfield.hpp"
#include "mnemo/models/patterns.hpp"

namespace mnemo::models {
namespace {
double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
}  // namespace

Matrix random_orthonormal(Eigen::Index rows, Eigen::Index cols, Rng& rng) {
  const bool tall = rows >= cols;
  const Matrix G = random_gaussian(tall ? rows : cols, tall ? cols : rows, rng);
  Eigen::HouseholderQR<Matrix> qr(G);
  Matrix Q = qr.householderQ() * Matrix::Identity(G.rows(), G.cols());
  // Signs fixed by R's diagonal, so Q does not depend on the factorisation's conventions.
  for (Eigen::Index j = 0; j < Q.cols(); ++j)
    if (qr.matrixQR()(j, j) < 0) Q.col(j) = -Q.col(j);
  return tall ? Q : Matrix(Q.transpose());
}

IammModule iamm_module(Eigen::Index D, int heads, Eigen::Index head_dim, int k, int c, Rng& rng) {
  IammModule m;
  const Matrix W = random_orthonormal(D, heads * head_dim, rng);
  for (int h = 0; h < heads; ++h) m.projection.push_back(W.middleCols(h * head_dim, head_dim));
  m.k = k;
  m.c = c;
  m.gate = Matrix::Identity(k, k);
  m.select = Matrix::Identity(c, c);
  m.gate_bias = Vector::Zero(k);
  m.select_bias = Vector::Zero(c);
  m.output = random_orthonormal(k * head_dim, D, rng);
  return m;
}

Matrix iamm_logits(const Matrix& A, const Matrix& B, const Matrix& W) {
  return (A * W) * (B * W).transpose() / std::sqrt(static_cast<double>(W.cols()));
}

std::vector<Eigen::Index> top_indices(const Eigen::Ref<const Vector>& scores, Eigen::Index count) {
  std::vector<Eigen::Index> idx(static_cast<std::size_t>(scores.size()));
  std::iota(idx.begin(), idx.end(), Eigen::Index{0});
  count = std::min(count, scores.size());
  std::partial_sort(idx.begin(), idx.begin() + count, idx.end(), [&](Eigen::Index a, Eigen::Index b) {
    return scores[a] > scores[b] || (scores[a] == scores[b] && a < b);
  });
  idx.resize(static_cast<std::size_t>(count));
  return idx;
}

namespace {
// First-order association of every query row (notes section 1.2): r_i = concat_t g_t V[j_t],
// zero-padded to k d_h when fewer than k keys exist.
Matrix first_order(const Matrix& logits, const Matrix& values, const IammModule& m, Eigen::MatrixXi* top) {
  const Eigen::Index q = logits.rows(), d = values.cols();
  const Eigen::Index k = std::min<Eigen::Index>(m.k, logits.cols());
  Matrix r = Matrix::Zero(q, m.k * d);
  if (top) top->resize(q, k);
  for (Eigen::Index i = 0; i < q; ++i) {
    const std::vector<Eigen::Index> keys = top_indices(logits.row(i).transpose(), k);
    Vector s(k);
    for (Eigen::Index t = 0; t < k; ++t) s[t] = logits(i, keys[static_cast<std::size_t>(t)]);
    const Vector g = (m.gate.topLeftCorner(k, k) * s + m.gate_bias.head(k)).unaryExpr(&sigmoid);
    for (Eigen::Index t = 0; t < k; ++t) {
      r.row(i).segment(t * d, d) = g[t] * values.row(keys[static_cast<std::size_t>(t)]);
      if (top) (*top)(i, t) = static_cast<int>(keys[static_cast<std::size_t>(t)]);
    }
  }
  return r;
}

// Second-order selection (notes section 1.3): the top-c rows of r by importance, weighted.
Matrix select_rows(const Matrix& r, const Vector& importance, const IammModule& m, Eigen::Index c,
                   std::vector<Eigen::Index>* chosen) {
  const std::vector<Eigen::Index> rows = top_indices(importance, c);
  Vector u(c);
  for (Eigen::Index t = 0; t < c; ++t) u[t] = importance[rows[static_cast<std::size_t>(t)]];
  const Vector q = (m.select.topLeftCorner(c, c) * u + m.select_bias.head(c)).unaryExpr(&sigmoid);
  Matrix out(c, r.cols());
  for (Eigen::Index t = 0; t < c; ++t) out.row(t) = q[t] * r.row(rows[static_cast<std::size_t>(t)]);
  if (chosen) *chosen = rows;
  return out;
}
}  // namespace

Matrix second_order_interaction(const Matrix& A, const Matrix& B, const IammModule& m, IammTrace* trace) {
  const auto H = static_cast<Eigen::Index>(m.projection.size());
  const Eigen::Index c = std::min<Eigen::Index>({static_cast<Eigen::Index>(m.c), A.rows(), B.rows()});
  Matrix stacked(2 * H * c, m.output.rows());
  if (trace) *trace = IammTrace{};
  for (Eigen::Index h = 0; h < H; ++h) {
    const Matrix& W = m.projection[static_cast<std::size_t>(h)];
    const Matrix L_ab = iamm_logits(A, B, W), L_ba = iamm_logits(B, A, W);
    Eigen::MatrixXi top;
    const Matrix r_a = first_order(L_ab, B * W, m, &top);  // A-tokens represented by what they attend to in B
    const Matrix r_b = first_order(L_ba, A * W, m, nullptr);
    const Vector u = L_ba.colwise().mean().transpose();  // how strongly B attends to each A-token
    const Vector w = L_ab.colwise().mean().transpose();
    std::vector<Eigen::Index> sa, sb;
    stacked.middleRows(2 * h * c, c) = select_rows(r_a, u, m, c, &sa);
    stacked.middleRows(2 * h * c + c, c) = select_rows(r_b, w, m, c, &sb);
    if (trace) {
      trace->top_keys_of_a.push_back(top);
      trace->selected_a.push_back(sa);
      trace->selected_b.push_back(sb);
      trace->importance_a.push_back(u);
      trace->importance_b.push_back(w);
    }
  }
  return stacked * m.output;
}

Matrix iamm_memory(const std::vector<Matrix>& utterances, const Matrix& situation, const IammModule& sc,
                   const IammModule& rc) {
  Matrix M = second_order_interaction(utterances.front(), situation, sc);
  Matrix P = utterances.front();
  for (std::size_t i = 1; i < utterances.size(); ++i) {
    const Matrix& U = utterances[i];
    const Matrix Rs = second_order_interaction(U, situation, sc);
    const Matrix Rm = second_order_interaction(U, M, rc);
    const Matrix Rp = second_order_interaction(U, P, sc);  // the context module is the situation module
    Matrix P2(P.rows() + U.rows(), P.cols());
    P2 << P, U;
    P = std::move(P2);
    Matrix M2(M.rows() + Rs.rows() + Rm.rows() + Rp.rows(), M.cols());
    M2 << M, Rs, Rm, Rp;
    M = std::move(M2);
  }
  return M;
}

std::vector<Matrix> noisy_utterances(const Matrix& situation, int count, int length, double noise, Rng& rng) {
  std::vector<Matrix> out;
  for (int u = 0; u < count; ++u) {
    Matrix U(length, situation.cols());
    for (int t = 0; t < length; ++t) {
      const auto j = static_cast<Eigen::Index>(rng.below(static_cast<std::uint64_t>(situation.rows())));
      for (Eigen::Index d = 0; d < U.cols(); ++d) U(t, d) = situation(j, d) + noise * rng.normal();
    }
    out.push_back(std::move(U));
  }
  return out;
}

Matrix iamm_relaxation_memories(const Matrix& situation, const Matrix& W) {
  return situation * W * W.transpose() / std::sqrt(static_cast<double>(W.cols()));
}

IammSetup iamm_setup(const ModelSpec& s, const Matrix& situation) {
  const Eigen::Index D = situation.cols();
  const int heads = static_cast<int>(s.number("heads"));
  Eigen::Index d_h = static_cast<Eigen::Index>(s.number("head_dim"));
  if (d_h == 0) d_h = std::max<Eigen::Index>(1, std::min<Eigen::Index>(16, D / heads));
  if (heads * d_h > D)
    throw ParamError("head_dim", "heads * head_dim must be <= the embedding dimension " + std::to_string(D) + ", got " +
                                     std::to_string(heads) + " * " + std::to_string(d_h));
  const int head = static_cast<int>(s.number("head"));
  if (head >= heads) throw ParamError("head", "must be < heads (" + std::to_string(heads) + "), got " + std::to_string(head));
  IammSetup out;
  Rng rng(s.seed, stream::model);
  const int k = static_cast<int>(s.number("k")), c = static_cast<int>(s.number("c"));
  out.sc = iamm_module(D, heads, d_h, k, c, rng);
  out.rc = iamm_module(D, heads, d_h, k, c, rng);
  out.utterances = noisy_utterances(situation, static_cast<int>(s.number("utterances")),
                                    static_cast<int>(s.number("utterance_length")), s.number("utterance_noise"), rng);
  out.head = head;
  out.beta = s.number("beta");
  return out;
}

KindInfo iamm_kind() {
  using T = ParamSpec::Type;
  KindInfo k;
  k.kind = "iamm";
  k.reference = "Yang et al. 2024 (ACL, arXiv 2402.17959), second-order interaction attention; relaxation: Ramsauer "
                "et al. 2020 energy";
  k.summary = "IAMM's memory mechanism (top-k gated first-order, top-c second-order attention) on the situation "
              "embeddings with fixed seeded weights, written under /model; the ODE is its modern-Hopfield relaxation";
  k.params = {
      {"beta", T::number, 32.0, 0, 1e300, true, {}, "inverse temperature of the relaxation (softmax over IAMM's logits)"},
      {"heads", T::integer, 2, 1, 64, false, {}, "attention heads H"},
      {"head_dim", T::integer, 0, 0, 4096, false, {}, "d_h per head; 0: min(16, D / heads)"},
      {"head", T::integer, 0, 0, 63, false, {}, "the head whose retrieval the ODE relaxes"},
      {"k", T::integer, 5, 1, 1024, false, {}, "first-order keys per token (clamped to the sequence length)"},
      {"c", T::integer, 5, 1, 1024, false, {}, "second-order tokens per side (clamped to the sequence lengths)"},
      {"utterances", T::integer, 3, 1, 1000, false, {}, "utterances M iterated against the situation"},
      {"utterance_length", T::integer, 8, 1, 100000, false, {}, "tokens per utterance"},
      {"utterance_noise", T::number, 0.5, 0, 1e300, false, {}, "utterance token = a situation token + N(0, noise^2)"},
  };
  k.build = [](const ModelSpec& s, const Matrix& situation) {
    IammSetup setup = iamm_setup(s, situation);
    const Matrix& W = setup.sc.projection[static_cast<std::size_t>(setup.head)];
    const Matrix Xi = iamm_relaxation_memories(situation, W);
    // memories = the situation as given, so that `mnemo analyze` rebuilds the same model from
    // /model/memories; the Network holds Xi.
    Model m{s, situation, modern_hopfield(Xi, setup.beta)};
    m.extra["relaxation_memories"] = Xi;
    Matrix U(0, situation.cols());
    for (const Matrix& u : setup.utterances) {
      Matrix V(U.rows() + u.rows(), U.cols());
      V << U, u;
      U = std::move(V);
    }
    m.extra["iamm_memory"] = iamm_memory(setup.utterances, situation, setup.sc, setup.rc);
    m.extra["utterances"] = U;
    m.extra["head_projection"] = W;
    return m;
  };
  return k;
}

}  // namespace mnemo::models

#pragma once
// Sparse-recovery associative memory (Mazumdar & Rawat 2015, "Associative memory via a sparse
// recovery model", NIPS 2015). Notes: /work/shared/papers/mazumdar-2015-sparse-recovery.md;
// docs/models/sparse_recovery.md.
//
// Learning: constraints B (m x N) with B xi = 0 for every stored xi. Here B is an orthonormal
// basis of the null space of the memories (rows of the full SVD's V beyond the numerical rank),
// so B B^T = I_m and P = B^T B is the projector onto that null space. (The paper asks for B with
// "special properties", ideally sparse; this dense basis is the exact baseline of notes section 3a.)
//
// Recall: a cue y = xi + e with sparse e has the syndrome s = B y = B e (notes section 4). The
// error is estimated as the minimiser of the LASSO / basis-pursuit-denoising energy
//
//   R(a) = 1/2 |s - B a|^2 + lambda |a|_1,          answer  xhat = y - a*,
//
// (i) by an iterative algorithm, FISTA (Beck & Teboulle 2009) with step 1 (|B|_2 = 1), and
// (ii) as a continuous-time locally competitive algorithm (LCA, Rozell, Johnson, Baraniuk &
// Olshausen 2008, "Sparse coding via thresholding and local competition in neural circuits",
// eqs. 3-6) written as a Krotov-Hopfield network so that it goes through mnemo's integration,
// energy audit and analysis like every other kind. Signed coefficients are split into two
// non-negative halves a = a+ - a- = D g, D = [I, -I], g = relu(u) (the one-sided LCA threshold),
// and the corrected vector is an identity "estimate" layer x. The network's energy is
//
//   E(x, g; y) = 1/2 |B (y - D g)|^2 + lambda 1^T g + 1/2 |x - y + D g|^2   (+ a constant in y)
//
// jointly convex, minimised at g = (a*+, a*-), x = y - a*. Layers:
//   0 "estimate"  x, identity Lagrangian, tau_x (the feature layer: the compared state),
//   1 "error"     u (2N), rectified_poly n = 2 (g = relu(u), Legendre term 1/2 |g|^2), bias -lambda,
//   2 "query"     y, identity, tau_q = 1e12: the cue held fixed (over t_end <= 1e3 it moves by
//                 < 1e-9 relative).
// A cue starts at x = y = cue, u = 0 (a = 0, the LCA's start): Model::start. (The default start,
// every other layer at rest with its input, would put a = -cue: the -xi part of it lies in the
// null space of B, where only lambda |a|_1 pulls, and the flow takes ~ 10x longer.)
// Synapses: query -> estimate I; error -> estimate -D; query -> error D^T (P + I);
// error self-synapse I - D^T (P + I) D. The resulting flow is, at x = y - D g, exactly the LCA
//   tau_u du/dt = Phi^T (s - Phi g) + g - lambda - u,   Phi = B D,
// and in general the KH2021 gradient flow of E, so dE/dt <= 0 (relu and identity Hessians PSD).
#include "mnemo/models/catalogue.hpp"

namespace mnemo::models {

struct Constraints {
  Matrix B;          // m x N, orthonormal rows, B xi = 0 for every stored xi
  Eigen::Index rank; // numerical rank of the memories (m = N - rank)
};

// Null-space basis of the memories (K x N, one per row); singular values below
// rank_tolerance * sigma_max count as zero. Throws std::invalid_argument when the memories span
// all of R^N (no constraint exists: K >= N, or generic data of full rank).
Constraints learn_constraints(const Matrix& memories, double rank_tolerance = 1e-9);

// R(a) = 1/2 |B y - B a|^2 + lambda |a|_1 (the LASSO energy of the error estimate a).
double recovery_energy(const Matrix& B, VectorCRef y, VectorCRef a, double lambda);

struct SparseRecoveryResult {
  Vector error;     // a*, the estimated error (N)
  Vector estimate;  // y - a*
  int iterations = 0;
  bool converged = false;
};

// FISTA on R with step 1 (valid for |B|_2 <= 1), stopped when the step |a_k+1 - a_k|_inf < tol.
SparseRecoveryResult recover_fista(const Matrix& B, VectorCRef y, double lambda, int max_iterations = 5000,
                                   double tol = 1e-10);

// Debiasing: least squares of the syndrome B y on the support {i : |a_i| > threshold max|a|} of a
// LASSO result (when the support has at most m entries; else `lasso` unchanged).
SparseRecoveryResult debias(const Matrix& B, VectorCRef y, const SparseRecoveryResult& lasso, double threshold = 0.1);

// The LCA network described above (N = B.cols()).
Network sparse_recovery_network(const Matrix& B, double lambda, double tau_estimate = 0.1);

// x = y = cue, u = 0 in the state of sparse_recovery_network (Model::start).
std::function<Vector(VectorCRef)> sparse_recovery_start(const Network& net);

// Model::extra["constraints"] = B (written as /model/constraints).
KindInfo sparse_recovery_kind();

}  // namespace mnemo::models

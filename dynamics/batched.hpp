#pragma once
// Batched integration: the B trajectories of one autonomous system advanced together, their
// right-hand sides evaluated as one call on a (rows x D) matrix, so that a model can compute them
// as matrix-matrix products (modern Hopfield: softmax(beta S X^T) X - S, two GEMMs instead of 2B
// matrix-vector products, which are memory-bandwidth-bound; docs/performance.md).
//
// The method is the Dormand-Prince 5(4) pair (Dormand & Prince 1980; Hairer, Norsett & Wanner,
// "Solving ODEs I", Sec. II.5 and II.6 for the dense output), the same pair and the same error
// norm and step-size rule as the per-trajectory path (Boost.Odeint's controlled dopri5:
// err = max_i |e_i| / (atol + rtol (|x_i| + h |f_i|)), shrink by max(0.9 err^-1/3, 0.2) on
// rejection, grow by 0.9 err^-1/5 (at most 5x) when err < 0.5). Two step controls:
//   per_trajectory: every row keeps its own step size and accepts/rejects on its own error
//                   (rows at different times share one RHS call; the system must be autonomous);
//   shared:         one step size for the whole batch, accepted on the maximum error over rows
//                   (what solve_ivp on the stacked system and most batched GPU solvers do).
// Rows leave the batch once converged (||f||_inf <= converge_tol at a save time), failed or at
// t_end. States at save times come from the dense output. The RHS is called on fixed-size chunks
// of the active rows (batch_chunk_rows), in parallel over threads: a row's bits depend on the chunking,
// never on the thread count.
#include <functional>

#include "mnemo/dynamics/ensemble.hpp"

namespace mnemo::dynamics {

// dX/dt for every row of X (rows x D). Called from several threads at once, each with its own
// instance (make_batch_system is called once per thread).
using BatchSystem = std::function<void(const Matrix& X, Matrix& dXdt)>;

// Rows per RHS call: large enough for matrix-matrix speed, small enough to spread over threads.
constexpr Eigen::Index batch_chunk_rows = 256;

// Same result type and observer contract as integrate_ensemble; options.batch_shared_step picks
// the step control. Only options.method == dopri5 without noise (std::invalid_argument otherwise).
EnsembleResult integrate_batched(const std::function<BatchSystem()>& make_batch_system, const Matrix& initial,
                                 const IntegrateOptions& options, const EnsembleObserver& observer,
                                 const std::atomic<bool>* cancel = nullptr);

}  // namespace mnemo::dynamics

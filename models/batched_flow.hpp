#pragma once
// The network's ODE for many states at once (rows of S), for dynamics::integrate_batched.
// Reduced modern Hopfield with the softmax separation (KH2021 eq. 16; Ramsauer et al. 2020 eq. 3)
// takes the fast path, two matrix-matrix products for the whole batch:
//   dS/dt = (softmax_rows(beta S X^T) X - S) / tau        (X: K x N memories, S: B x N)
// which is compute-bound where B matrix-vector products are memory-bandwidth-bound
// (docs/performance.md). Every other network is evaluated row by row with Network::rhs (same
// result as the per-trajectory path, no speed-up).
#include "mnemo/models/network.hpp"

namespace mnemo::models {

class BatchedGradientFlow {
 public:
  explicit BatchedGradientFlow(const Network& net);
  void operator()(const Matrix& S, Matrix& dSdt);
  // True when the network is the reduced softmax modern Hopfield network (the GEMM path).
  bool matrix_product_path() const { return memories_ != nullptr; }

 private:
  const Network* net_;
  Network::Workspace ws_;
  const Matrix* memories_ = nullptr;  // K x N, the fast path's X
  double beta_ = 1.0, tau_ = 1.0;
  Matrix scores_;
  Vector row_in_, row_out_;
};

}  // namespace mnemo::models

#pragma once
// The network's ODE for many states at once (rows of S), for dynamics::integrate_batched.
// Reduced modern Hopfield with the softmax separation (KH2021 eq. 16; Ramsauer et al. 2020 eq. 3)
// takes the fast path, matrix products for the whole batch:
//   dS/dt = (softmax_rows(beta S X^T) X - S) / tau        (X: K x N memories, S: B x N)
// which is compute-bound where B matrix-vector products are memory-bandwidth-bound
// (docs/performance.md). Every other network is evaluated row by row with Network::rhs (same
// result as the per-trajectory path, no speed-up).
//
// Two ways the fast path does less work (issue 8):
//  - Negligible softmax weights are dropped. A weight exp(beta (s_k - max_j s_j)) below 2^-60
//    (beta (s_k - max) < -60 ln 2) is set to 0: all of them together change the normalised
//    weights by less than K 2^-60 (1e-15 for K = 1000), i.e. at the rounding of the K-term sum.
//    A row with few nonzero weights left (at most K / 8; a settled trajectory at beta = 100
//    keeps a handful) gets its second product as the sum of those few memories instead of a
//    row of the dense product: O(nnz N) instead of O(K N) work.
//  - precision = "float" ([integrate]; Options::single_precision): both products in float32 on a
//    float copy of the memories (twice the GEMM rate, half the bytes); the state, the weights'
//    exponentials and normalisation, the step control and everything saved stay double. The RHS
//    then carries float rounding (~1e-7 relative in the scores, times beta in the weights), so
//    the error achieved at a fixed point is bounded by that, not by rtol (measured in
//    docs/performance.md).
#include <memory>

#include "mnemo/models/network.hpp"

namespace mnemo::models {

// Read-only data all threads' flows share: the memories in the layouts the products use.
struct BatchedFlowData;

struct BatchedFlowOptions {
  bool single_precision = false;  // products in float32 (see above)
};

class BatchedGradientFlow {
 public:
  using Options = BatchedFlowOptions;
  // Prepared once per run and shared by the flow of every thread (no per-thread copies of X).
  static std::shared_ptr<const BatchedFlowData> prepare(const Network& net, Options options);

  BatchedGradientFlow(const Network& net, std::shared_ptr<const BatchedFlowData> data);
  explicit BatchedGradientFlow(const Network& net, Options options = Options())
      : BatchedGradientFlow(net, prepare(net, options)) {}

  void operator()(const Matrix& S, Matrix& dSdt);
  // The energy of every row of S (Network::energy's value; fast path: 1/2 |s|^2 - beta^-1 lse(beta X s)
  // from one product for the whole batch, in double whatever the precision option).
  void energy(const Matrix& S, Vector& E);
  // True when the network is the reduced softmax modern Hopfield network (the GEMM path).
  bool matrix_product_path() const;
  // Rows whose second product was a sparse sum since construction (for tests and benchmarks).
  long sparse_rows() const { return sparse_rows_; }

 private:
  template <typename Scalar>
  void fast_path(const Matrix& S, Matrix& dSdt);

  const Network* net_;
  std::shared_ptr<const BatchedFlowData> data_;
  Network::Workspace ws_;
  Matrix scores_;
  Eigen::MatrixXf scores_f_, sf_, df_, pf_;
  Matrix pd_, dd_;
  std::vector<Eigen::Index> nz_, dense_rows_;
  std::vector<double> w_;
  Vector row_in_, row_out_;
  long sparse_rows_ = 0;
};

}  // namespace mnemo::models

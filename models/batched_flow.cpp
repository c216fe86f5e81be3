#include "mnemo/models/batched_flow.hpp"

#include <variant>

namespace mnemo::models {

BatchedGradientFlow::BatchedGradientFlow(const Network& net) : net_(&net), ws_(net.workspace()) {
  const auto& L = net.layers();
  const auto& W = net.synapses();
  if (L.size() == 2 && W.size() == 1 && net.couplings().empty() && W[0].from == 0 && W[0].to == 1 &&
      std::holds_alternative<Identity>(L[0].lagrangian) && L[0].tau > 0.0 && L[0].bias.size() == 0 &&
      L[1].tau == 0.0 && L[1].bias.size() == 0 && std::holds_alternative<Softmax>(L[1].lagrangian)) {
    memories_ = &W[0].weights;
    beta_ = std::get<Softmax>(L[1].lagrangian).beta;
    tau_ = L[0].tau;
  }
}

void BatchedGradientFlow::operator()(const Matrix& S, Matrix& dSdt) {
  dSdt.resize(S.rows(), S.cols());
  if (!memories_) {
    for (Eigen::Index b = 0; b < S.rows(); ++b) {
      row_in_ = S.row(b).transpose();
      row_out_.resize(S.cols());
      net_->rhs(row_in_, row_out_, ws_);
      dSdt.row(b) = row_out_.transpose();
    }
    return;
  }
  // softmax over memories of beta X s for every state s (columns of the K x rows scores,
  // contiguous), shifted by the column maximum.
  scores_.noalias() = *memories_ * S.transpose();
  for (Eigen::Index b = 0; b < S.rows(); ++b) {
    auto col = scores_.col(b);
    const double m = col.maxCoeff();
    col = (beta_ * (col.array() - m)).exp();
    col /= col.sum();
  }
  dSdt.noalias() = scores_.transpose() * *memories_;
  dSdt -= S;
  if (tau_ != 1.0) dSdt /= tau_;
}

}  // namespace mnemo::models

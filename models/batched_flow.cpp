#include "mnemo/models/batched_flow.hpp"

#include <cmath>
#include <type_traits>
#include <variant>

namespace mnemo::models {

struct BatchedFlowData {
  const Matrix* X = nullptr;  // K x N, the network's own weights (the fast path's memories)
  Matrix Xt;                  // N x K: memory k contiguous, for the sparse sums (double products)
  Eigen::MatrixXf Xf, Xtf;    // float copies of X and X^T (single precision)
  double beta = 1.0, tau = 1.0;
  bool single = false;
};

namespace {
// exp(beta (s_k - max)) below 2^-60 is dropped (batched_flow.hpp).
const double kDropBelow = -60.0 * std::log(2.0);
}  // namespace

std::shared_ptr<const BatchedFlowData> BatchedGradientFlow::prepare(const Network& net, Options options) {
  auto d = std::make_shared<BatchedFlowData>();
  const auto& L = net.layers();
  const auto& W = net.synapses();
  if (L.size() == 2 && W.size() == 1 && net.couplings().empty() && W[0].from == 0 && W[0].to == 1 &&
      std::holds_alternative<Identity>(L[0].lagrangian) && L[0].tau > 0.0 && L[0].bias.size() == 0 &&
      L[1].tau == 0.0 && L[1].bias.size() == 0 && std::holds_alternative<Softmax>(L[1].lagrangian)) {
    d->X = &W[0].weights;
    d->beta = std::get<Softmax>(L[1].lagrangian).beta;
    d->tau = L[0].tau;
    d->single = options.single_precision;
    if (d->single) {
      d->Xf = d->X->cast<float>();
      d->Xtf = d->Xf.transpose();
    } else {
      d->Xt = d->X->transpose();
    }
  }
  return d;
}

BatchedGradientFlow::BatchedGradientFlow(const Network& net, std::shared_ptr<const BatchedFlowData> data)
    : net_(&net), data_(std::move(data)), ws_(net.workspace()) {}

bool BatchedGradientFlow::matrix_product_path() const { return data_->X != nullptr; }

void BatchedGradientFlow::operator()(const Matrix& S, Matrix& dSdt) {
  dSdt.resize(S.rows(), S.cols());
  if (!data_->X) {
    for (Eigen::Index b = 0; b < S.rows(); ++b) {
      row_in_ = S.row(b).transpose();
      row_out_.resize(S.cols());
      net_->rhs(row_in_, row_out_, ws_);
      dSdt.row(b) = row_out_.transpose();
    }
    return;
  }
  if (data_->single)
    fast_path<float>(S, dSdt);
  else
    fast_path<double>(S, dSdt);
}

template <typename Scalar>
void BatchedGradientFlow::fast_path(const Matrix& S, Matrix& dSdt) {
  constexpr bool single = std::is_same_v<Scalar, float>;
  const BatchedFlowData& d = *data_;
  const Matrix& X = *d.X;
  const Eigen::Index K = X.rows(), N = X.cols(), m = S.rows();
  const double beta = d.beta;
  // Scores beta X s for every state s: columns of the K x m matrix (contiguous per state).
  if constexpr (single) {
    sf_ = S.cast<float>();
    scores_f_.noalias() = d.Xf * sf_.transpose();
    scores_ = scores_f_.cast<double>();
  } else {
    scores_.noalias() = X * S.transpose();
  }
  // Softmax weights, shifted by each column's maximum; negligible ones set to 0.
  dense_rows_.clear();
  row_out_.resize(N);
  for (Eigen::Index b = 0; b < m; ++b) {
    auto col = scores_.col(b).array();
    const double mx = col.maxCoeff();
    col = beta * (col - mx);
    const Eigen::Index kept = (col >= kDropBelow).count();
    col = (col >= kDropBelow).select(col.exp(), 0.0);
    const double sum = col.sum();
    if (kept > K / 8) {  // many weights: this row joins the dense product
      col /= sum;
      dense_rows_.push_back(b);
      continue;
    }
    // Few weights: the row's second product as a sum of its memories (X^T column k = memory k).
    row_out_.setZero();
    for (Eigen::Index k = 0; k < K; ++k) {
      if (col[k] == 0.0) continue;
      if constexpr (single)
        row_out_ += (col[k] / sum) * d.Xtf.col(k).template cast<double>();
      else
        row_out_ += (col[k] / sum) * d.Xt.col(k);
    }
    dSdt.row(b) = row_out_.transpose() - S.row(b);
    ++sparse_rows_;
  }
  const auto md = static_cast<Eigen::Index>(dense_rows_.size());
  if (md > 0) {
    // The rows with many weights: one product over them (all rows: the scores matrix itself).
    const bool all = md == m;
    if (!all) {
      pd_.resize(K, md);
      for (Eigen::Index i = 0; i < md; ++i) pd_.col(i) = scores_.col(dense_rows_[i]);
    }
    const Matrix& P = all ? scores_ : pd_;
    if constexpr (single) {
      pf_ = P.cast<float>();
      df_.noalias() = pf_.transpose() * d.Xf;
      dd_ = df_.cast<double>();
    } else {
      dd_.noalias() = P.transpose() * X;
    }
    for (Eigen::Index i = 0; i < md; ++i) {
      const Eigen::Index b = dense_rows_[i];
      dSdt.row(b) = dd_.row(i) - S.row(b);
    }
  }
  if (d.tau != 1.0) dSdt /= d.tau;
}

void BatchedGradientFlow::energy(const Matrix& S, Vector& E) {
  E.resize(S.rows());
  if (!data_->X) {
    for (Eigen::Index b = 0; b < S.rows(); ++b) {
      row_in_ = S.row(b).transpose();
      E[b] = net_->energy(row_in_, ws_);
    }
    return;
  }
  // E(v) = 1/2 v.v - beta^-1 lse(beta X v) (KH2021 eq. 16; the contract's modern_hopfield energy),
  // the log-sum-exp shifted by the column maximum as Softmax::value does.
  const double beta = data_->beta;
  scores_.noalias() = *data_->X * S.transpose();
  for (Eigen::Index b = 0; b < S.rows(); ++b) {
    const auto col = scores_.col(b).array();
    const double mx = col.maxCoeff();
    const double lse = mx + std::log((beta * (col - mx)).exp().sum()) / beta;
    E[b] = 0.5 * S.row(b).squaredNorm() - lse;
  }
}

}  // namespace mnemo::models

#pragma once
// Small models shared by the analysis tests.
#include "mnemo/models/catalogue.hpp"
#include "mnemo/models/patterns.hpp"

namespace mnemo::testing_models {

// KH2021 compact form (Fanaskov & Oseledets 2024): x = (v, h), L = (1/n) sum relu(x)^n (rectified
// power; n = 2 is ReLU), W = [[0, xi^T], [xi, 0]], b = (input, 0): tau xdot = W g(x) - x + b, as
// one layer with a symmetric self-synapse.
inline models::Network relu_compact(const Eigen::MatrixXd& xi, const Eigen::VectorXd& input, double tau = 1.0,
                                    double n_power = 2.0) {
  const Eigen::Index nh = xi.rows(), nf = xi.cols(), n = nf + nh;
  Eigen::MatrixXd W = Eigen::MatrixXd::Zero(n, n);
  W.topRightCorner(nf, nh) = xi.transpose();
  W.bottomLeftCorner(nh, nf) = xi;
  Eigen::VectorXd b = Eigen::VectorXd::Zero(n);
  b.head(nf) = input;
  models::Layer layer{"feature", n, tau, models::RectifiedPoly{n_power}, b};
  return models::Network({layer}, {models::Synapse{0, 0, W}}, 0);
}

inline models::Model relu_compact_model(const Eigen::MatrixXd& xi, const Eigen::VectorXd& input, double n_power = 2.0) {
  // The compared state is the whole stacked layer; "memories" padded with zeros on the hidden part.
  Eigen::MatrixXd memories = Eigen::MatrixXd::Zero(xi.rows(), xi.cols() + xi.rows());
  memories.leftCols(xi.cols()) = xi;
  return models::Model{models::ModelSpec{"relu_compact", {}, {}}, memories, relu_compact(xi, input, 1.0, n_power)};
}

}  // namespace mnemo::testing_models

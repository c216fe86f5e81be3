#include "mnemo/analysis/iamm_relaxation.hpp"

#include <algorithm>

#include "mnemo/models/iamm.hpp"
#include "mnemo/models/lagrangian.hpp"

namespace mnemo::analysis {

IammAgreement compare_iamm_relaxation(const models::Model& model, const Matrix& situation, const Matrix& given,
                                      const dynamics::IntegrateOptions& options) {
  const models::IammSetup setup = models::iamm_setup(model.spec, situation);
  const Matrix queries = given.rows() ? given : model.extra.at("utterances");
  const Matrix& Xi = model.extra.at("relaxation_memories");
  IammAgreement out;
  out.queries = queries.rows();
  // The mechanism itself (one head of the situation module) on all queries at once.
  const auto h = static_cast<std::size_t>(setup.head);
  models::IammTrace trace;
  (void)models::second_order_interaction(queries, situation, setup.sc, &trace);
  const Eigen::MatrixXi& top = trace.top_keys_of_a[h];
  const std::vector<Eigen::Index>& chosen = trace.selected_b[h];

  Eigen::VectorXi targets(queries.rows());
  for (Eigen::Index i = 0; i < queries.rows(); ++i) targets[i] = top(i, 0);
  out.simulation = simulate(model, queries, targets, options);
  const Matrix& final_state = out.simulation.final_readout;
  Vector mean_weight = Vector::Zero(Xi.rows());
  long same = 0, within = 0;
  for (Eigen::Index i = 0; i < queries.rows(); ++i) {
    const Vector scores = Xi * final_state.row(i).transpose();
    Eigen::Index key = 0;
    scores.maxCoeff(&key);
    same += key == top(i, 0);
    within += (top.row(i).array() == static_cast<int>(key)).any();
    Vector p(Xi.rows());
    models::Softmax{setup.beta}.activation(scores, p);
    mean_weight += p / static_cast<double>(queries.rows());
  }
  const auto relaxed = models::top_indices(mean_weight, static_cast<Eigen::Index>(chosen.size()));
  long common = 0;
  for (Eigen::Index j : relaxed) common += std::count(chosen.begin(), chosen.end(), j);
  const double B = std::max<double>(1.0, double(queries.rows()));
  out.top1 = same / B;
  out.in_top_k = within / B;
  out.selection_overlap = chosen.empty() ? 0.0 : double(common) / double(chosen.size());
  return out;
}

}  // namespace mnemo::analysis

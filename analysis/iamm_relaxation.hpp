#pragma once
// IAMM's first- and second-order retrieval (models/iamm.hpp; Yang et al. 2024) against its
// modern-Hopfield relaxation (the `iamm` kind's ODE), on the same inputs: the utterance tokens as
// queries, the situation as keys, one head. The mechanism picks, per query, its top-k keys by raw
// logits (top-1 = argmax_j Xi_j . q); the relaxation integrates dv/dt = Xi^T softmax(beta Xi v) - v
// from v(0) = q through analysis::simulate (energy audited) and reads the key it settles on,
// argmax_j Xi_j . v(T). Second order: the mechanism's top-c situation tokens by mean logit over
// the queries against the relaxation's top-c by mean softmax weight at the final states.
#include "mnemo/analysis/simulate.hpp"

namespace mnemo::analysis {

struct IammAgreement {
  Eigen::Index queries = 0;
  double top1 = 0.0;              // fraction: relaxation's key == the mechanism's top-1 key
  double in_top_k = 0.0;          // fraction: relaxation's key among the mechanism's top-k keys
  double selection_overlap = 0.0; // |top-c of the mechanism & top-c of the relaxation| / c
  SimulationResult simulation;    // the relaxation's trajectories and energy audit
};

// `model` built by the `iamm` kind from `situation` (the same spec); queries default to the
// kind's utterance tokens (Model::extra["utterances"]) when `queries` has no rows.
IammAgreement compare_iamm_relaxation(const models::Model& model, const Matrix& situation, const Matrix& queries,
                                      const dynamics::IntegrateOptions& options);

}  // namespace mnemo::analysis

#pragma once
// `mnemo run` and `mnemo sweep` for discrete-time kinds (karbasi, savin): the extra recall
// metrics they write beside the contract's (the papers' symbol/bit error rates).
#include <ostream>

#include "mnemo/analysis/discrete_recall.hpp"
#include "mnemo/io/run_file.hpp"
#include "mnemo/io/sweep_file.hpp"

namespace mnemo::cli {

// /recall/symbol_error_rate and /recall/cue_error_rate (B each) and the attributes
// mean_symbol_error_rate, mean_cue_error_rate and pattern_error_rate of /recall.
void write_discrete_recall(io::RunWriter& writer, const analysis::DiscreteRecallResult& result);
// The same means as /sweep rows of `mnemo sweep`.
std::vector<io::SweepMetric> discrete_metrics(const analysis::DiscreteRecallResult& result);
// Summary lines for a terminal.
void print_discrete_summary(std::ostream& out, const analysis::DiscreteRecallResult& result);

}  // namespace mnemo::cli

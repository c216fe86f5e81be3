#pragma once
// `mnemo run CONFIG --resume [--out FILE]`: finishes an interrupted run file of the same config
// (docs/reliability.md "Resume"). The finished trajectories come from the file, the others are
// integrated again from t = 0; the result is written to FILE.resume and renamed over FILE on
// success, so an interrupted resume leaves FILE as it was (and resumable again).
#include <atomic>

#include "commands.hpp"
#include "pipeline.hpp"

namespace mnemo::cli {

int resume_run(const RunOptions& options, Prepared& prepared, const std::atomic<bool>& stop);

}  // namespace mnemo::cli

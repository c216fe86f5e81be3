#pragma once
// `mnemo analyze FILE.h5`: energy audit, fixed points, spectra and stability of a finished run,
// written under /analysis of the same file (issue 5, item 7; docs/hdf5-schema.md "/analysis").
#include <string>

namespace mnemo::cli {

struct AnalyzeOptions {
  std::string file;
  long random_starts = 32;     // random symmetric mixtures of memories, each raw and relaxed
  long end_points = 200;       // trajectory end points used as candidates (the first ones)
  long eigenvalues = 10;       // Jacobian / Hessian eigenvalues kept per point
  double tolerance = 1e-10;    // |F| below which a point is a fixed point
  double relax_time = 20.0;    // flow time for the relaxed random starts
  long seed = -1;              // -1: the run's seed
  int threads = 0;
  bool quiet = false;
};

int analyze(const AnalyzeOptions& options);

}  // namespace mnemo::cli

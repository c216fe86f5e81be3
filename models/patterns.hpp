#pragma once
// Stored patterns and the corrupted cues made from them. Pure math on Eigen matrices: loading
// patterns from files is io/datasets; this file makes random ones and corrupts any of them.
#include <Eigen/Dense>
#include <string>

#include "mnemo/models/random.hpp"

namespace mnemo::models {

using Matrix = Eigen::MatrixXd;

// K x N matrices, one pattern per row.
Matrix random_binary(Eigen::Index count, Eigen::Index dim, Rng& rng);    // entries +-1
Matrix random_gaussian(Eigen::Index count, Eigen::Index dim, Rng& rng);  // entries N(0, 1)

enum class Normalize { none, unit, sign };
// unit: each row centred and scaled to norm 1; sign: +-1 by thresholding at the row mean.
void normalize_rows(Matrix& patterns, Normalize how);

enum class Corruption { flip, mask, gaussian };
// flip: round(level N) entries chosen at random change sign; mask: they are set to 0;
// gaussian: every entry gets N(0, level^2) added.
Eigen::VectorXd corrupt(const Eigen::VectorXd& pattern, Corruption how, double level, Rng& rng);

struct Cues {
  Matrix cues;                // B x N
  Eigen::VectorXi targets;    // B: row of the pattern each cue was made from
};
// B cues, each from a pattern chosen uniformly at random (with replacement).
Cues make_cues(const Matrix& patterns, Eigen::Index count, Corruption how, double level, Rng& rng);

}  // namespace mnemo::models

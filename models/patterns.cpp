#include "mnemo/models/patterns.hpp"

#include <cmath>
#include <numeric>
#include <vector>

namespace mnemo::models {

Matrix random_binary(Eigen::Index count, Eigen::Index dim, Rng& rng) {
  Matrix X(count, dim);
  for (Eigen::Index k = 0; k < count; ++k)
    for (Eigen::Index i = 0; i < dim; ++i) X(k, i) = rng.sign();
  return X;
}

Matrix random_gaussian(Eigen::Index count, Eigen::Index dim, Rng& rng) {
  Matrix X(count, dim);
  for (Eigen::Index k = 0; k < count; ++k)
    for (Eigen::Index i = 0; i < dim; ++i) X(k, i) = rng.normal();
  return X;
}

void normalize_rows(Matrix& X, Normalize how) {
  if (how == Normalize::none) return;
  for (Eigen::Index k = 0; k < X.rows(); ++k) {
    const double mean = X.row(k).mean();
    if (how == Normalize::sign) {
      for (Eigen::Index i = 0; i < X.cols(); ++i) X(k, i) = X(k, i) > mean ? 1.0 : -1.0;
    } else {
      X.row(k).array() -= mean;
      const double norm = X.row(k).norm();
      if (norm > 0.0) X.row(k) /= norm;
    }
  }
}

Eigen::VectorXd corrupt(const Eigen::VectorXd& pattern, Corruption how, double level, Rng& rng) {
  Eigen::VectorXd q = pattern;
  const Eigen::Index N = q.size();
  if (how == Corruption::gaussian) {
    for (Eigen::Index i = 0; i < N; ++i) q[i] += level * rng.normal();
    return q;
  }
  // Choose round(level N) distinct entries by a partial Fisher-Yates shuffle.
  const auto m = static_cast<Eigen::Index>(std::llround(level * static_cast<double>(N)));
  std::vector<Eigen::Index> idx(N);
  std::iota(idx.begin(), idx.end(), Eigen::Index{0});
  for (Eigen::Index j = 0; j < m; ++j) {
    const auto r = j + static_cast<Eigen::Index>(rng.below(static_cast<std::uint64_t>(N - j)));
    std::swap(idx[j], idx[r]);
    q[idx[j]] = (how == Corruption::flip) ? -q[idx[j]] : 0.0;
  }
  return q;
}

Cues make_cues(const Matrix& patterns, Eigen::Index count, Corruption how, double level, Rng& rng) {
  Cues c{Matrix(count, patterns.cols()), Eigen::VectorXi(count)};
  for (Eigen::Index b = 0; b < count; ++b) {
    const auto k = static_cast<Eigen::Index>(rng.below(static_cast<std::uint64_t>(patterns.rows())));
    c.targets[b] = static_cast<int>(k);
    c.cues.row(b) = corrupt(patterns.row(k).transpose(), how, level, rng).transpose();
  }
  return c;
}

}  // namespace mnemo::models

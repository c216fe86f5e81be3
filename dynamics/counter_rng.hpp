#pragma once
// Counter-based random numbers: Philox4x32-10 (Salmon, Moraes, Dror & Shaw, "Parallel random
// numbers: as easy as 1, 2, 3", SC 2011). A random word is a keyed bijection of a counter, so the
// noise of trajectory b at step k in component j is a pure function of (key, b, k, j): no state to
// share between threads, the same bits for any thread count and any order of evaluation.
#include <Eigen/Dense>
#include <array>
#include <cstdint>

namespace mnemo::dynamics {

using Philox4x32 = std::array<std::uint32_t, 4>;

// Ten rounds of Philox4x32 on `counter` under the 64-bit key (k0, k1) (SC 2011, section 4).
Philox4x32 philox4x32_10(Philox4x32 counter, std::array<std::uint32_t, 2> key);

// Standard normal numbers for one trajectory: component j of step k is
//   Box-Muller of the Philox output for counter (j / 2, k_low, k_high, trajectory), key seed,
// j even taking the cosine branch and j odd the sine branch.
class CounterNormal {
 public:
  CounterNormal(std::uint64_t seed = 0, std::uint32_t trajectory = 0) : seed_(seed), trajectory_(trajectory) {}
  // z_j for j = 0..z.size()-1 at step `step`.
  void fill(std::uint64_t step, Eigen::VectorXd& z) const;
  std::uint64_t seed() const { return seed_; }
  std::uint32_t trajectory() const { return trajectory_; }

 private:
  std::uint64_t seed_;
  std::uint32_t trajectory_;
};

}  // namespace mnemo::dynamics

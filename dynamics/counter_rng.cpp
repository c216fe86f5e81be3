#include "mnemo/dynamics/counter_rng.hpp"

#include <cmath>

namespace mnemo::dynamics {
namespace {

// Multipliers and Weyl key increments of Philox4x32 (SC 2011, section 4.2).
constexpr std::uint32_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u;
constexpr std::uint32_t W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;

inline void mulhilo(std::uint32_t a, std::uint32_t b, std::uint32_t& hi, std::uint32_t& lo) {
  const std::uint64_t p = static_cast<std::uint64_t>(a) * b;
  hi = static_cast<std::uint32_t>(p >> 32);
  lo = static_cast<std::uint32_t>(p);
}

inline std::uint64_t join(std::uint32_t hi, std::uint32_t lo) { return (std::uint64_t{hi} << 32) | lo; }

}  // namespace

Philox4x32 philox4x32_10(Philox4x32 c, std::array<std::uint32_t, 2> k) {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k[0] += W0;
      k[1] += W1;
    }
    std::uint32_t hi0, lo0, hi1, lo1;
    mulhilo(M0, c[0], hi0, lo0);
    mulhilo(M1, c[2], hi1, lo1);
    c = {hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0};
  }
  return c;
}

void CounterNormal::fill(std::uint64_t step, Eigen::VectorXd& z) const {
  const std::array<std::uint32_t, 2> key{static_cast<std::uint32_t>(seed_), static_cast<std::uint32_t>(seed_ >> 32)};
  const auto n = z.size();
  for (Eigen::Index j = 0; j < n; j += 2) {
    const Philox4x32 r = philox4x32_10(
        {static_cast<std::uint32_t>(j / 2), static_cast<std::uint32_t>(step), static_cast<std::uint32_t>(step >> 32),
         trajectory_},
        key);
    // Box-Muller (1958): u1 in (0, 1] so the logarithm is finite, u2 in [0, 1); 53 bits each.
    const double u1 = static_cast<double>((join(r[0], r[1]) >> 11) + 1) * 0x1.0p-53;
    const double u2 = static_cast<double>(join(r[2], r[3]) >> 11) * 0x1.0p-53;
    const double radius = std::sqrt(-2.0 * std::log(u1));
    const double angle = 2.0 * M_PI * u2;
    z[j] = radius * std::cos(angle);
    if (j + 1 < n) z[j + 1] = radius * std::sin(angle);
  }
}

}  // namespace mnemo::dynamics

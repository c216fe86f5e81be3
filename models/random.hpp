#pragma once
// Seeded random numbers whose bits are fixed by the C++ standard and by this file alone:
// std::mt19937_64 is specified exactly, while std::normal_distribution and friends are not, so
// the uniform, normal and integer draws are written here. Same seed, same bits, on any platform.
// Independent streams for different purposes (memories, queries, ...) come from one user seed
// through splitmix64 (Steele, Lea & Flood 2014).
#include <cstdint>
#include <random>

namespace mnemo::models {

std::uint64_t splitmix64(std::uint64_t x);

class Rng {
 public:
  // `stream` names what the numbers are for, so that adding a draw elsewhere changes nothing here.
  Rng(std::uint64_t seed, std::uint64_t stream) : engine_(splitmix64(seed ^ splitmix64(stream))) {}

  double uniform();                       // [0, 1), 53 random bits
  double normal();                        // N(0, 1), Box-Muller (both values used)
  std::uint64_t below(std::uint64_t n);   // uniform in [0, n), unbiased (rejection)
  double sign() { return (engine_() >> 63) ? 1.0 : -1.0; }

 private:
  std::mt19937_64 engine_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

// Named streams, one per kind of random choice of a run.
namespace stream {
inline constexpr std::uint64_t memories = 1;
inline constexpr std::uint64_t queries = 2;
inline constexpr std::uint64_t model = 3;
inline constexpr std::uint64_t noise = 4;
// Discrete-time recall (models/discrete_memory.hpp): query b draws from stream recall + b.
inline constexpr std::uint64_t recall = std::uint64_t{1} << 32;
}  // namespace stream

}  // namespace mnemo::models

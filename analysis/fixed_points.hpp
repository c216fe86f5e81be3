#pragma once
// Fixed points, saddles and slow points of a network's flow ds/dt = F(s).
//
// Candidates (trajectory end points, random starts, points along trajectories) are refined by
// Newton's method with a backtracking line search on |F| (dense Jacobian and LU for small state
// sizes, Newton-Krylov with GMRES on the matrix-free Jacobian above; Kelley, "Solving Nonlinear
// Equations with Newton's Method", SIAM 2003, Alg. 3.2 with the forcing term eta = min(0.1, |F|)).
// Where Newton fails, q(s) = 1/2 |F(s)|^2 is minimised with L-BFGS (Nocedal & Wright, Alg. 7.4,
// gradient J^T F from the exact transpose product of analysis/operators.hpp), which finds fixed
// points of any stability and slow points (Sussillo & Barak 2013, Neural Computation 25:626);
// Newton then polishes. Points are merged when closer than a relative distance.
#include <cstdint>
#include <string>
#include <vector>

#include "mnemo/analysis/gmres.hpp"
#include "mnemo/models/catalogue.hpp"

namespace mnemo::analysis {

enum class PointStatus : int {
  fixed_point = 0,  // |F| <= tolerance
  slow_point = 1,   // a local minimum of q with |F| above tolerance (Sussillo & Barak 2013)
  failed = 2,       // neither (diverged, non-finite)
};
const char* to_string(PointStatus s);

// What the compared state looks like next to the stored memories (cosine overlaps).
enum class PointKind : int {
  memory = 0,           // overlap >= memory_overlap with one memory
  reversed_memory = 1,  // overlap <= -memory_overlap (the mirror image of odd models)
  mixture = 2,          // |overlap| >= mixture_overlap with two or more memories (Amit et al. 1985)
  origin = 3,           // compared state ~ 0
  other = 4,            // none of these (spin-glass-like)
};
const char* to_string(PointKind k);

struct FixedPointOptions {
  double tolerance = 1e-10;         // converged when |F(s)|_2 <= tolerance
  int max_newton_steps = 60;
  Eigen::Index dense_limit = 200;   // dense Newton for state sizes up to this, Newton-Krylov above
  GmresOptions gmres{0.1, 60, 3000};  // its tolerance is the largest forcing term
  bool minimise_speed = true;       // L-BFGS on q = 1/2 |F|^2 where Newton fails
  int speed_iterations = 500;
  double duplicate_distance = 1e-5; // merge when |s_a - s_b| <= this * max(1, |s_a|)
  double memory_overlap = 0.95;
  double mixture_overlap = 0.2;
};

struct FixedPoint {
  Vector state;          // the integrated state s
  Vector readout;        // compared state (feature activation)
  PointStatus status = PointStatus::failed;
  double residual = 0.0; // |F(s)|_2
  double energy = 0.0;
  Eigen::Index nearest = -1;  // memory of largest |cosine overlap| with the readout
  double overlap = 0.0;       // signed cosine overlap with it
  Eigen::Index mixture_size = 0;  // memories with |overlap| >= mixture_overlap
  PointKind kind = PointKind::other;
  Eigen::Index source = -1;   // first candidate that ended here
  Eigen::Index hits = 0;      // candidates that ended here
  int newton_steps = 0;
  int speed_iterations = 0;   // L-BFGS iterations on q (0: Newton alone sufficed)
};

struct Refinement {
  Vector state;
  double residual = 0.0;
  bool converged = false;
  int steps = 0;
};

// Newton with backtracking from s0.
Refinement newton(const models::Network& network, const Vector& s0, const FixedPointOptions& options = {});
// L-BFGS on q(s) = 1/2 |F(s)|^2 from s0 (Sussillo & Barak 2013).
Refinement minimise_speed(const models::Network& network, const Vector& s0, const FixedPointOptions& options = {});
// Newton, then q-minimisation and Newton again if needed: one candidate to one point (not yet
// labelled against memories).
FixedPoint refine(const models::Network& network, const Vector& s0, const FixedPointOptions& options = {});

// Readout, energy, nearest memory, overlap and kind of a refined point.
void describe(const models::Model& model, FixedPoint& point, const FixedPointOptions& options = {});

// Refines every candidate (rows of `candidates`, integrated states; OpenMP over candidates),
// merges duplicates and describes each point. Fixed points come first (by energy), then slow
// points; failed candidates are dropped.
std::vector<FixedPoint> find_fixed_points(const models::Model& model, const Matrix& candidates,
                                          const FixedPointOptions& options = {}, int threads = 0);

// End points of the flow after t_end (dopri5, default tolerances, stopping once |F|_inf <= 1e-8)
// from each row of `starts`: candidates for the attractors near them (Newton alone converges to
// the nearest root of F, whatever its stability).
Matrix relax(const models::Network& network, const Matrix& starts, double t_end, int threads = 0);

// Random starting states for the search: each is the initial state (models::initial_state) for a
// cue that mixes 1 to 3 distinct memories chosen at random, with equal weights (and random signs
// when the flow is odd, F(-s) = -F(s), as for classical Hopfield networks), plus Gaussian noise of standard deviation `noise` times the memories' RMS entry. Symmetric
// mixtures of memories are where spurious states and saddles between memories lie (Amit,
// Gutfreund & Sompolinsky 1985; Ramsauer et al. 2020, metastable states).
Matrix random_starts(const models::Model& model, Eigen::Index count, std::uint64_t seed, double noise = 0.1);

}  // namespace mnemo::analysis

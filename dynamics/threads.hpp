#pragma once
// Thread counts for the OpenMP loops over trajectories (ensembles, batches, analyses): one place
// that knows whether OpenMP is on. `requested` <= 0 means all of OpenMP's threads.
#ifdef _OPENMP
#include <omp.h>
#endif

namespace mnemo::dynamics {

inline int thread_count(int requested) {
#ifdef _OPENMP
  return requested > 0 ? requested : omp_get_max_threads();
#else
  (void)requested;
  return 1;
#endif
}

// The calling thread's index inside a parallel region (0 outside one, or without OpenMP).
inline int this_thread() {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

}  // namespace mnemo::dynamics

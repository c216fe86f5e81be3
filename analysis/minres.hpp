#pragma once
// MINRES for symmetric (possibly indefinite) operators (Paige & Saunders 1975, SIAM J. Numer.
// Anal. 12:617; the unpreconditioned recurrences as in their SYMMLQ/MINRES codes): the solver
// behind matrix-free shift-invert spectra, where A - sigma I is symmetric and indefinite and
// restarted GMRES stalls. Short recurrences: memory O(n), no restarts.
#include "mnemo/analysis/gmres.hpp"

namespace mnemo::analysis {

struct MinresOptions {
  double tolerance = 1e-12;     // stop when the residual estimate <= tolerance |b|
  int max_iterations = 100000;  // products with A
};

// Solves A x = b from x = 0 (A symmetric). Returns the true relative residual at the end.
GmresResult minres(const LinearMap& A, const Vector& b, Vector& x, const MinresOptions& options = {});

}  // namespace mnemo::analysis

#pragma once
// The two-layer associative memory of Krotov & Hopfield 2021 ("Large associative memory problem
// in neurobiology and machine learning", ICLR 2021, Sec. 2): N feature neurons v and K memory
// (hidden) neurons h joined by the memories xi (K x N) as synapses, any Lagrangian in each layer:
//
//   tau   dv/dt = xi^T f - v,    f = dL_h/dh        (KH2021 eq. 1, no external input)
//   tau_h dh/dt = xi g - h,      g = dL_v/dv
//   E = [v^T g - L_v(v)] + [h^T f - L_h(h)] - f^T xi g                          (KH2021 eq. 3)
//   dE/dt = -tau v'^T (d2 L_v) v' - tau_h h'^T (d2 L_h) h' <= 0                 (KH2021 eq. 6)
//
// tau_h = 0 integrates the hidden layer out (h = xi g; KH2021 Sec. 3): E(v) = v^T g - L_v(v)
// - L_h(xi g). The three limiting models of KH2021 Sec. 3 are presets (docs/models/krotov_hopfield.md):
//   A  separable Lagrangians in both layers: L_v = gain^-1 sum log cosh(gain v), L_h = (1/n) sum relu(h)^n
//   B  softmax memory layer: L_v = 1/2 |v|^2, L_h = beta^-1 log sum exp(beta h)  (= modern Hopfield)
//   C  layer-norm-like feature layer: L_v = N gamma sqrt(var(v) + eps), L_h = (1/n) sum relu(h)^n
// and either Lagrangian can be replaced by any of lagrangian_choice.hpp.
#include "mnemo/models/catalogue.hpp"

namespace mnemo::models {

struct KrotovHopfieldOptions {
  Lagrangian feature = LogCosh{1.0};
  Lagrangian hidden = RectifiedPoly{3.0};
  double tau = 1.0;
  double tau_hidden = 0.0;  // 0: hidden layer integrated out
};

// Layer 0 "feature" (N), layer 1 "memory" (K), one synapse: the memories. Throws
// std::invalid_argument when an integrated layer has a Lagrangian without a PSD Hessian.
Network krotov_hopfield(const Matrix& memories, const KrotovHopfieldOptions& options);

// The options of a completed ModelSpec of kind krotov_hopfield (presets resolved); ParamError.
KrotovHopfieldOptions krotov_hopfield_options(const ModelSpec& spec);

KindInfo krotov_hopfield_kind();

}  // namespace mnemo::models

#pragma once
// Lagrangians named in configs: the words a `[model]` may give a layer's Lagrangian and the one
// number that parameterises each (shared by the Krotov-Hopfield and hierarchical kinds):
//   identity        L = 1/2 |x|^2                       (no parameter)
//   logcosh         L = gain^-1 sum log cosh(gain x)    parameter: gain > 0
//   softmax         L = beta^-1 log sum exp(beta x)     parameter: beta > 0
//   rectified_poly  L = (1/n) sum max(x, 0)^n           parameter: n >= 2
//   poly            L = (1/n) sum x^n                   parameter: whole n >= 2
//   exp             L = beta^-1 sum exp(beta x)         parameter: beta > 0
//   layernorm       L = D gamma sqrt(var(x) + eps)      parameter: gamma > 0
// Bad values throw ParamError naming the config key they came from.
#include <string>
#include <vector>

#include "mnemo/models/catalogue.hpp"

namespace mnemo::models {

const std::vector<std::string>& lagrangian_names();

// The parameter a Lagrangian takes when the config gives none (identity: 0, unused).
double default_lagrangian_parameter(const std::string& name);

// `key` is the config key to blame (e.g. "beta" or "parameters") and `what` names the value in
// the message (e.g. "layer 2"); throws ParamError on an unknown name or an out-of-range parameter.
Lagrangian make_lagrangian(const std::string& name, double parameter, const std::string& key,
                           const std::string& what = "");

}  // namespace mnemo::models

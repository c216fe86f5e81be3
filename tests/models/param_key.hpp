#pragma once
// For bad-parameter tests: the key a ParamError names when building `spec` on `memories`, or
// "accepted" when the model builds.
#include <string>

#include "mnemo/models/catalogue.hpp"

namespace mnemo::models {

inline std::string rejected_key(const ModelSpec& spec, const Matrix& memories) {
  try {
    build_model(spec, memories);
  } catch (const ParamError& e) {
    return e.key;
  }
  return "accepted";
}

}  // namespace mnemo::models

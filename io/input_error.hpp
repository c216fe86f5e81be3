#pragma once
// Bad input from a user (config, data file, values): reported as one line naming the file and
// the key, line or dataset at fault; the command exits with status 2 (contract section 2).
#include <stdexcept>
#include <string>

namespace mnemo::io {

struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace mnemo::io

#pragma once
// Run configuration: the TOML file of contract section 3, parsed and validated at the boundary.
// toml11 stays inside config.cpp (its headers are heavy; engineering notes).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mnemo/dynamics/ensemble.hpp"
#include "mnemo/models/catalogue.hpp"
#include "mnemo/models/patterns.hpp"

namespace mnemo::io {

struct MemoriesConfig {
  std::string source = "random_binary";  // random_binary | random_gaussian | fashion_mnist | digits | hdf5
  Eigen::Index count = 0;
  Eigen::Index dim = 0;                   // 0: take it from the data (image and hdf5 sources)
  models::Normalize normalize = models::Normalize::none;
  std::string path;                       // file for fashion_mnist, digits, hdf5 (defaults: Debian's)
  std::string dataset = "/model/memories";  // hdf5 source
  std::string split = "train";            // fashion_mnist: train | test
  std::string select = "random";          // image sources: random (seeded) | first
};

struct QueriesConfig {
  std::string from = "memories";
  Eigen::Index count = 100;
  models::Corruption corruption = models::Corruption::flip;
  double level = 0.2;
};

struct SweepConfig {
  std::string key;              // dotted, e.g. "memories.count"
  std::vector<double> values;
};

struct RunConfig {
  std::string file;             // where it came from, for messages
  std::string text;             // the TOML text as run
  std::uint64_t seed = 1;
  models::ModelSpec model;
  MemoriesConfig memories;
  QueriesConfig queries;
  dynamics::IntegrateOptions integrate;
  std::string output_path = "run.h5";
  std::optional<SweepConfig> sweep;
};

// Throw InputError "FILE:LINE: key 'x.y': reason" on anything malformed, unknown or out of range.
RunConfig load_config(const std::string& path);
RunConfig parse_config(const std::string& text, const std::string& file);
// The same config with one numeric dotted key set to `value` (sweeps); the key must be numeric.
RunConfig with_value(const RunConfig& config, const std::string& key, double value);

}  // namespace mnemo::io

// Files written by mnemo 0.1.0 (schema 1.0) stay readable: tests/data/run_v1_0.h5 (config next to
// it) is a stored classical-Hopfield run, K = 3, N = 16, B = 3, T = 9. Later writers must not
// break what this reader side (`inspect_file`, behind `mnemo info`) finds in it.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "mnemo/io/hdf5.hpp"
#include "mnemo/io/run_file.hpp"

namespace mnemo::io {
namespace {

const std::string fixture = std::string(MNEMO_TEST_DATA) + "/run_v1_0.h5";

// A line of `mnemo info` that mentions every one of `parts` (the wording may grow; these may not go).
bool has_line(const std::vector<std::string>& lines, const std::vector<std::string>& parts) {
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) {
    return std::all_of(parts.begin(), parts.end(), [&](const std::string& p) { return l.find(p) != std::string::npos; });
  });
}

TEST(Fixture_v1_0, InspectFindsHeaderDimensionsAndGroups) {
  const FileInfo info = inspect_file(fixture);
  EXPECT_EQ(info.schema_version, "1.0");
  EXPECT_EQ(info.kind, "classical_hopfield");
  EXPECT_EQ(info.seed, 7);
  EXPECT_TRUE(info.complete);
  EXPECT_TRUE(has_line(info.lines, {"dimensions:", "memory 3", "neuron 16", "time 9", "trajectory 3"}));
  EXPECT_TRUE(has_line(info.lines, {"/model:", "memories(memory, neuron)"}));
  EXPECT_TRUE(has_line(info.lines, {"/trajectories:", "state(trajectory, time, neuron)", "energy(trajectory, time)"}));
  EXPECT_TRUE(has_line(info.lines, {"/trajectories/layers:", "feature(trajectory, time, neuron)"}));
  EXPECT_TRUE(has_line(info.lines, {"/recall:", "overlap(trajectory)", "target(trajectory) int64"}));
}

TEST(Fixture_v1_0, AxesAreAttachedDimensionScales) {
  h5::Handle f = h5::open_file(fixture);
  h5::Handle state = h5::open_dataset(f, "trajectories/state");
  EXPECT_EQ(h5::shape(state), (std::vector<hsize_t>{3, 9, 16}));
  EXPECT_EQ(h5::axis_labels(state), (std::vector<std::string>{"trajectory", "time", "neuron"}));
  for (const char* scale : {"trajectory", "neuron", "memory", "trajectories/time"})
    EXPECT_TRUE(h5::is_scale(h5::open_dataset(f, scale))) << scale;
  // The save grid 0, 0.25, ..., 2 of the fixture's config.
  const auto t = h5::read_doubles(h5::open_dataset(f, "trajectories/time"));
  ASSERT_EQ(t.size(), 9u);
  for (std::size_t k = 0; k < t.size(); ++k) EXPECT_DOUBLE_EQ(t[k], 0.25 * static_cast<double>(k));
  // Recall tables: indices of memories, within [0, K).
  for (std::int64_t i : h5::read_ints(h5::open_dataset(f, "recall/nearest"))) {
    EXPECT_GE(i, 0);
    EXPECT_LT(i, 3);
  }
}

}  // namespace
}  // namespace mnemo::io

// io::with_value, the step of `mnemo sweep` that sets one dotted key per grid point and
// re-validates the whole config.
#include <gtest/gtest.h>

#include <string>

#include "mnemo/io/config.hpp"
#include "mnemo/io/input_error.hpp"

namespace mnemo::io {
namespace {

// No [queries] or [integrate] section: their keys can still be swept (set on the defaults).
// gain is written as a TOML integer: a sweep to 10.5 must not truncate it.
const char* minimal = R"(seed = 4
[model]
kind = "classical_hopfield"
gain = 10
[memories]
count = 5
dim = 30
[sweep]
key = "model.gain"
values = [10.5, 20]
)";

std::string message(const RunConfig& c, const std::string& key, double value) {
  try {
    with_value(c, key, value);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(SweepConfig, SetsKeysOfAbsentSectionsAndKeepsEverythingElse) {
  const RunConfig c = parse_config(minimal, "s.toml");
  const RunConfig a = with_value(c, "queries.level", 0.35);
  EXPECT_EQ(a.queries.level, 0.35);
  EXPECT_EQ(a.queries.count, c.queries.count);
  EXPECT_EQ(with_value(c, "integrate.t_end", 7.5).integrate.t_end, 7.5);
  EXPECT_EQ(with_value(c, "integrate.max_steps", 1000).integrate.max_steps, 1000);
  EXPECT_EQ(a.seed, 4u);
  EXPECT_EQ(a.memories.count, 5);
  EXPECT_EQ(a.model.number("gain"), 10.0);
  ASSERT_TRUE(a.sweep.has_value());
  EXPECT_EQ(a.sweep->key, "model.gain");
  EXPECT_EQ(with_value(c, "seed", 9).seed, 9u);
}

TEST(SweepConfig, RealValuedKeysAreNotTruncated) {
  const RunConfig c = parse_config(minimal, "s.toml");
  EXPECT_EQ(with_value(c, "model.gain", 10.5).model.number("gain"), 10.5);
  EXPECT_EQ(with_value(c, "model.tau", 2.0).model.number("tau"), 2.0);  // a default, absent from the file
}

TEST(SweepConfig, WholeNumberKeysRefuseFractions) {
  const RunConfig c = parse_config(minimal, "s.toml");
  EXPECT_EQ(with_value(c, "memories.count", 12).memories.count, 12);
  const std::string m = message(c, "memories.count", 12.5);
  EXPECT_NE(m.find("s.toml"), std::string::npos) << m;
  EXPECT_NE(m.find("whole numbers"), std::string::npos) << m;
}

TEST(SweepConfig, UnknownAndNonNumericKeysAreNamed) {
  const RunConfig c = parse_config(minimal, "s.toml");
  for (const char* key : {"nosuch.key", "memories.counts", "model.beta", "model.rule", "model.kind", "queries.corruption",
                          "output.path", "sweep.values", "seed2"}) {
    const std::string m = message(c, key, 1.0);
    EXPECT_EQ(m.rfind("s.toml: key 'sweep.key': '" + std::string(key) + "' is not a numeric key", 0), 0u) << m;
    EXPECT_NE(m.find("model.gain"), std::string::npos) << "the message lists the numeric keys: " << m;
  }
}

TEST(SweepConfig, OutOfRangeValuesNameTheKeyAndThePoint) {
  const RunConfig c = parse_config(minimal, "s.toml");
  std::string m = message(c, "memories.count", 0);
  EXPECT_NE(m.find("key 'memories.count'"), std::string::npos) << m;
  EXPECT_NE(m.find("sweep point memories.count = 0"), std::string::npos) << m;
  m = message(c, "queries.level", 1.5);  // flip fractions are <= 1
  EXPECT_NE(m.find("key 'queries.level'"), std::string::npos) << m;
  m = message(c, "model.gain", -1.0);
  EXPECT_NE(m.find("key 'model.gain'"), std::string::npos) << m;
  EXPECT_EQ(m.find('\n'), std::string::npos) << "one line: " << m;
}

}  // namespace
}  // namespace mnemo::io

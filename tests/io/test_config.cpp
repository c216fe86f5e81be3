// Config validation: every malformed, unknown or out-of-range value is one precise error naming
// the file, the line where known, and the key (contract sections 2 and 3).
#include <gtest/gtest.h>

#include "mnemo/io/config.hpp"
#include "mnemo/io/input_error.hpp"

namespace mnemo::io {
namespace {

const char* base = R"(seed = 3
[model]
kind = "modern_hopfield"
beta = 8.0
[memories]
source = "random_binary"
count = 10
dim = 20
[queries]
count = 5
[integrate]
method = "rk4"
dt = 0.05
[output]
path = "x.h5"
)";

std::string error_of(const std::string& text) {
  try {
    parse_config(text, "cfg.toml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const auto p = s.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  return s.replace(p, from.size(), to);
}

TEST(Config, ParsesTheContractKeys) {
  const RunConfig c = parse_config(base, "cfg.toml");
  EXPECT_EQ(c.seed, 3u);
  EXPECT_EQ(c.model.kind, "modern_hopfield");
  EXPECT_EQ(c.model.number("beta"), 8.0);
  EXPECT_EQ(c.model.word("form"), "reduced");  // default filled in
  EXPECT_EQ(c.memories.count, 10);
  EXPECT_EQ(c.queries.count, 5);
  EXPECT_EQ(c.queries.level, 0.2);
  EXPECT_EQ(c.integrate.method, dynamics::Method::rk4);
  EXPECT_EQ(c.integrate.dt, 0.05);
  EXPECT_EQ(c.output_path, "x.h5");
  EXPECT_EQ(c.text, base);
}

TEST(Config, ErrorsNameFileLineAndKey) {
  struct Bad {
    std::string text, expect;
  };
  const std::vector<Bad> cases = {
      {replace(base, "beta = 8.0", "beta = -1.0"), "cfg.toml:4: key 'model.beta': must be > 0, got -1"},
      {replace(base, "beta = 8.0", "beta = nan"), "key 'model.beta': must be finite"},
      {replace(base, "beta = 8.0", "beta = inf"), "key 'model.beta': must be finite"},
      {replace(base, "beta = 8.0", "beta = \"high\""), "cfg.toml:4: key 'model.beta': must be a number"},
      {replace(base, "beta = 8.0", "betta = 8.0"), "key 'model.betta': unknown parameter of kind 'modern_hopfield'"},
      {replace(base, "\"modern_hopfield\"", "\"hopfield9000\""), "cfg.toml:3: key 'model.kind': unknown model kind 'hopfield9000'"},
      {replace(base, "count = 10", "count = 0"), "cfg.toml:7: key 'memories.count': must be >= 1, got 0"},
      {replace(base, "count = 10", "count = -5"), "key 'memories.count': must be >= 1, got -5"},
      {replace(base, "count = 10", "count = 2.5"), "key 'memories.count': must be a whole number"},
      {replace(base, "dim = 20", "dimension = 20"), "key 'memories.dimension': unknown key"},
      {replace(base, "method = \"rk4\"", "method = \"rk5\""), "key 'integrate.method': must be one of"},
      {replace(base, "dt = 0.05", "dt = 0"), "key 'integrate.dt': must be > 0, got 0"},
      {replace(base, "[output]", "[outptu]"), "key 'outptu': unknown key"},
      {replace(base, "seed = 3", "seed = -1"), "key 'seed': must be >= 0"},
      {replace(base, "[queries]\ncount = 5", "[queries]\ncount = 5\nlevel = 1.5"), "key 'queries.level': is a fraction"},
      {replace(base, "[model]\nkind = \"modern_hopfield\"\n", "[model]\n"), "key 'model.kind': missing"},
      {replace(base, "dim = 20\n", ""), "key 'memories.dim': missing"},
      {std::string(base) + "[oops\n", "cfg.toml:16: malformed TOML"},
      {"seed = = 3\n", "cfg.toml:1: malformed TOML"},
  };
  for (const Bad& b : cases) {
    const std::string e = error_of(b.text);
    EXPECT_NE(e.find(b.expect), std::string::npos) << "expected '" << b.expect << "' in '" << e << "'";
    EXPECT_EQ(e.find('\n'), std::string::npos) << "error is not one line: " << e;
    EXPECT_EQ(e.rfind("cfg.toml", 0), 0u) << e;
  }
}

TEST(Config, MissingFileIsAnInputError) {
  EXPECT_THROW(load_config("/nonexistent/dir/x.toml"), InputError);
}

TEST(Config, WithValueSetsOneKeyAndRevalidates) {
  const RunConfig c = parse_config(base, "cfg.toml");
  const RunConfig d = with_value(c, "memories.count", 40);
  EXPECT_EQ(d.memories.count, 40);
  EXPECT_EQ(with_value(c, "model.beta", 2.5).model.number("beta"), 2.5);
  EXPECT_EQ(with_value(c, "queries.level", 0.1).queries.level, 0.1);
  EXPECT_THROW(with_value(c, "model.beta", -1.0), InputError);
  EXPECT_THROW(with_value(c, "nosuch.key", 1.0), InputError);
  EXPECT_THROW(with_value(c, "model.kind", 1.0), InputError);
}

// Array parameters of [model] (models::ParamSpec number/integer/word arrays) and the run's seed.
const char* hierarchical = R"(seed = 7
[model]
kind = "hierarchical"
sizes = [20, 10, 6]
lagrangians = ["identity", "softmax", "softmax"]
parameters = [0, 2.5, 1.0]
taus = [1.0, 0.2, 0.2]
first_synapse = "random"
[memories]
source = "random_binary"
count = 10
dim = 20
[output]
path = "x.h5"
)";

TEST(Config, ParsesArrayParametersAndPassesTheSeedToTheModel) {
  const RunConfig c = parse_config(hierarchical, "cfg.toml");
  EXPECT_EQ(c.model.array("sizes"), (std::vector<double>{20, 10, 6}));
  EXPECT_EQ(c.model.word_array("lagrangians"), (std::vector<std::string>{"identity", "softmax", "softmax"}));
  EXPECT_EQ(c.model.array("parameters"), (std::vector<double>{0, 2.5, 1.0}));
  EXPECT_EQ(c.model.array("taus"), (std::vector<double>{1.0, 0.2, 0.2}));
  EXPECT_EQ(c.model.seed, 7u);
  // Arrays not given take their (empty) defaults; an empty array is allowed by the parser.
  const RunConfig d = parse_config(replace(replace(hierarchical, "taus = [1.0, 0.2, 0.2]\n", ""), "[0, 2.5, 1.0]", "[]"),
                                   "cfg.toml");
  EXPECT_TRUE(d.model.array("taus").empty());
  EXPECT_TRUE(d.model.array("parameters").empty());
  // Scalar kinds get the seed too (random_features draws its projections from it).
  EXPECT_EQ(parse_config(replace(base, "seed = 3", "seed = 12"), "cfg.toml").model.seed, 12u);
}

TEST(Config, ArrayParameterErrorsNameFileLineKeyAndEntry) {
  struct Bad {
    std::string text, expect;
  };
  const std::string h = hierarchical;
  const std::vector<Bad> bad = {
      {replace(h, "[20, 10, 6]", "[20, \"ten\", 6]"), "cfg.toml:4: key 'model.sizes': entry 1 must be a number, got string"},
      {replace(h, "[20, 10, 6]", "20"), "cfg.toml:4: key 'model.sizes': must be an array, e.g. [12, 5, 8], got integer"},
      {replace(h, "[20, 10, 6]", "[20, 10.5, 6]"), "cfg.toml:4: key 'model.sizes': entry 1 must be a whole number, got 10.5"},
      {replace(h, "[20, 10, 6]", "[20, 0, 6]"), "cfg.toml:4: key 'model.sizes': entry 1 must be >= 1, got 0"},
      {replace(h, "[20, 10, 6]", "[20, [10], 6]"), "cfg.toml:4: key 'model.sizes': entry 1 must be a number, got array"},
      {replace(h, "[\"identity\", \"softmax\", \"softmax\"]", "[\"identity\", 3, \"softmax\"]"),
       "cfg.toml:5: key 'model.lagrangians': entry 1 must be a string, got integer"},
      {replace(h, "[\"identity\", \"softmax\", \"softmax\"]", "\"identity\""),
       "cfg.toml:5: key 'model.lagrangians': must be an array, e.g. [\"identity\", \"softmax\"], got string"},
      {replace(h, "[\"identity\", \"softmax\", \"softmax\"]", "[\"identity\", \"sigmoid\", \"softmax\"]"),
       "cfg.toml:5: key 'model.lagrangians': entry 1 must be one of identity,"},
      {replace(h, "taus = [1.0, 0.2, 0.2]", "taus = [1.0, -0.2, 0.2]"), "cfg.toml:7: key 'model.taus': entry 1 must be >= 0, got -0.2"},
      {replace(h, "taus = [1.0, 0.2, 0.2]", "taus = [1.0, nan, 0.2]"), "cfg.toml:7: key 'model.taus': must be finite"},
      // A scalar parameter given an array.
      {replace(h, "first_synapse = \"random\"", "weight_scale = [1.0]"), "cfg.toml:8: key 'model.weight_scale': must be a number, got array"},
  };
  for (const Bad& b : bad) {
    const std::string e = error_of(b.text);
    EXPECT_NE(e.find(b.expect), std::string::npos) << "expected '" << b.expect << "' in '" << e << "'";
    EXPECT_EQ(e.find('\n'), std::string::npos) << "error is not one line: " << e;
  }
}

TEST(Config, SweepsOverScalarParametersOfAKindWithArrays) {
  const RunConfig c = parse_config(hierarchical, "cfg.toml");
  const RunConfig d = with_value(c, "model.weight_scale", 0.5);
  EXPECT_EQ(d.model.number("weight_scale"), 0.5);
  EXPECT_EQ(d.model.array("sizes"), c.model.array("sizes"));  // arrays survive the rewritten TOML
  EXPECT_EQ(d.model.word_array("lagrangians"), c.model.word_array("lagrangians"));
  EXPECT_EQ(with_value(c, "seed", 9).model.seed, 9u);
  try {
    with_value(c, "model.sizes", 3);
    ADD_FAILURE() << "an array key is not sweepable";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("not a numeric key"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mnemo::io

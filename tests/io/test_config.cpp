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

}  // namespace
}  // namespace mnemo::io

// The [noise] section (issue 7): keys, defaults, the seed-derived generator key, one-line errors for
// bad values, and sweeps over noise.sigma.
#include <gtest/gtest.h>

#include <cmath>

#include "mnemo/io/config.hpp"
#include "mnemo/io/input_error.hpp"
#include "mnemo/models/random.hpp"

namespace mnemo::io {
namespace {

const std::string base = R"(seed = 3
[model]
kind = "modern_hopfield"
[memories]
count = 10
dim = 20
[integrate]
dt = 0.02
)";

std::string error_of(const std::string& text) {
  try {
    parse_config(text, "cfg.toml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(NoiseConfig, AbsentMeansDeterministic) {
  const RunConfig c = parse_config(base, "cfg.toml");
  EXPECT_FALSE(c.integrate.noise.enabled);
}

TEST(NoiseConfig, DefaultsAndEveryKey) {
  RunConfig c = parse_config(base + "[noise]\nsigma = 0.05\n", "cfg.toml");
  const auto& n = c.integrate.noise;
  ASSERT_TRUE(n.enabled);
  EXPECT_EQ(n.sigma, 0.05);
  EXPECT_EQ(n.method, dynamics::StochasticMethod::euler_maruyama);
  EXPECT_EQ(n.kind, dynamics::NoiseKind::additive);
  EXPECT_TRUE(n.layers.empty());
  EXPECT_EQ(n.seed, models::splitmix64(3 ^ models::splitmix64(models::stream::noise)));
  EXPECT_EQ(c.integrate.dt, 0.02);

  c = parse_config(base + "[noise]\nsigma = 0\nmethod = \"heun\"\nkind = \"input\"\nlayers = [\"feature\", \"memory\"]\n",
                   "cfg.toml");
  EXPECT_EQ(c.integrate.noise.sigma, 0.0);
  EXPECT_EQ(c.integrate.noise.method, dynamics::StochasticMethod::heun);
  EXPECT_EQ(c.integrate.noise.kind, dynamics::NoiseKind::input);
  EXPECT_EQ(c.integrate.noise.layers, (std::vector<std::string>{"feature", "memory"}));
  c = parse_config(base + "[noise]\nsigma = 1\nkind = \"multiplicative\"\n", "cfg.toml");
  EXPECT_EQ(c.integrate.noise.kind, dynamics::NoiseKind::multiplicative);
  // Another seed, another noise stream.
  EXPECT_NE(parse_config("seed = 4\n" + base.substr(base.find('\n') + 1) + "[noise]\nsigma = 1\n", "cfg.toml")
                .integrate.noise.seed,
            c.integrate.noise.seed);
}

TEST(NoiseConfig, BadValuesAreOneLineErrorsNamingTheKey) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[noise]\nsigma = -0.1\n", "cfg.toml:10: key 'noise.sigma': must be >= 0, got -0.1"},
      {"[noise]\nsigma = nan\n", "cfg.toml:10: key 'noise.sigma': must be finite, got nan"},
      {"[noise]\nsigma = inf\n", "cfg.toml:10: key 'noise.sigma': must be finite, got inf"},
      {"[noise]\nsigma = \"big\"\n", "cfg.toml:10: key 'noise.sigma': must be a number"},
      {"[noise]\nmethod = \"heun\"\n", "key 'noise.sigma': missing"},
      {"[noise]\nsigma = 0.1\nmethod = \"milstein\"\n", "cfg.toml:11: key 'noise.method': must be one of euler_maruyama, heun, got 'milstein'"},
      {"[noise]\nsigma = 0.1\nkind = \"pink\"\n", "key 'noise.kind': must be one of additive, multiplicative, input, got 'pink'"},
      {"[noise]\nsigma = 0.1\nlayers = []\n", "key 'noise.layers': must be a non-empty array"},
      {"[noise]\nsigma = 0.1\nlayers = [\"a\", \"a\"]\n", "key 'noise.layers': layer 'a' is named twice"},
      {"[noise]\nsigma = 0.1\nlayers = [3]\n", "key 'noise.layers': must be a string"},
      {"[noise]\nsigma = 0.1\ntemperature = 2\n", "cfg.toml:11: key 'noise.temperature': unknown key"},
      {"noise = 0.1\n", "key 'noise': must be a table"},
  };
  for (const auto& [extra, expect] : cases) {
    const std::string text = extra.rfind("noise =", 0) == 0 ? "noise = 0.1\n" + base : base + extra;
    const std::string e = error_of(text);
    EXPECT_NE(e.find(expect), std::string::npos) << "got: " << e << "\nexpected: " << expect;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  }
}

TEST(NoiseConfig, SweepsSetNoiseSigma) {
  const RunConfig c = parse_config(base + "[noise]\nsigma = 0.05\nmethod = \"heun\"\n", "cfg.toml");
  const RunConfig d = with_value(c, "noise.sigma", 0.2);
  EXPECT_TRUE(d.integrate.noise.enabled);
  EXPECT_EQ(d.integrate.noise.sigma, 0.2);
  EXPECT_EQ(d.integrate.noise.method, dynamics::StochasticMethod::heun);
  EXPECT_EQ(d.integrate.noise.seed, c.integrate.noise.seed);  // same seed at every sweep point
  EXPECT_EQ(with_value(c, "seed", 9).integrate.noise.seed, models::splitmix64(9 ^ models::splitmix64(models::stream::noise)));
  EXPECT_THROW(with_value(c, "noise.sigma", -1.0), InputError);
}

}  // namespace
}  // namespace mnemo::io

#include "mnemo/io/config.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <toml.hpp>

#include "mnemo/io/input_error.hpp"
#include "mnemo/models/random.hpp"

namespace mnemo::io {
namespace {

using Table = toml::value;

// Everything a config may say, and nothing else: unknown keys are errors (contract section 3).
const std::map<std::string, std::set<std::string>>& allowed_keys() {
  static const std::map<std::string, std::set<std::string>> keys = {
      {"memories", {"source", "count", "dim", "normalize", "path", "dataset", "split", "select"}},
      {"queries", {"from", "count", "corruption", "level"}},
      {"integrate", {"method", "rtol", "atol", "t_end", "dt_save", "dt", "converge_tol", "max_steps", "batch", "batch_step", "precision"}},
      {"output", {"path"}},
      {"sweep", {"key", "values"}},
      {"noise", {"sigma", "method", "kind", "layers"}},
  };
  return keys;
}

class Reader {
 public:
  Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const toml::value& at, const std::string& key, const std::string& why) const {
    std::string where = file_;
    const auto line = at.location().line();
    if (line > 0) where += ":" + std::to_string(line);
    throw InputError(where + ": key '" + key + "': " + why);
  }
  [[noreturn]] void fail(const std::string& key, const std::string& why) const {
    throw InputError(file_ + ": key '" + key + "': " + why);
  }

  double number(const toml::value& v, const std::string& key) const {
    double x = 0.0;
    if (v.is_integer()) x = static_cast<double>(v.as_integer());
    else if (v.is_floating()) x = v.as_floating();
    else fail(v, key, "must be a number, got " + type_name(v));
    if (!std::isfinite(x)) fail(v, key, "must be finite, got " + show(x));
    // toml11 reads a literal beyond the double range (1e400) as +-DBL_MAX, not as infinity.
    if (std::abs(x) == std::numeric_limits<double>::max()) fail(v, key, "is outside the range of a double");
    return x;
  }
  long integer(const toml::value& v, const std::string& key, long min) const {
    if (!v.is_integer()) fail(v, key, "must be a whole number, got " + type_name(v));
    const auto x = v.as_integer();
    if (x < min) fail(v, key, "must be >= " + std::to_string(min) + ", got " + std::to_string(x));
    return static_cast<long>(x);
  }
  double positive(const toml::value& v, const std::string& key) const {
    const double x = number(v, key);
    if (!(x > 0.0)) fail(v, key, "must be > 0, got " + show(x));
    return x;
  }
  std::string word(const toml::value& v, const std::string& key, const std::vector<std::string>& choices = {}) const {
    if (!v.is_string()) fail(v, key, "must be a string, got " + type_name(v));
    std::string s = v.as_string();
    if (!choices.empty() && std::find(choices.begin(), choices.end(), s) == choices.end()) {
      std::string list;
      for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
      fail(v, key, "must be one of " + list + ", got '" + s + "'");
    }
    return s;
  }

  // `[model]` arrays (`sizes = [12, 5, 8]`): a wrong element names its own line and its index.
  const toml::array& array(const toml::value& v, const std::string& key, const char* example) const {
    if (!v.is_array()) fail(v, key, std::string("must be an array, e.g. ") + example + ", got " + type_name(v));
    return v.as_array();
  }
  std::vector<double> numbers(const toml::value& v, const std::string& key) const {
    std::vector<double> out;
    const toml::array& a = array(v, key, "[12, 5, 8]");
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!a[i].is_integer() && !a[i].is_floating())
        fail(a[i], key, "entry " + std::to_string(i) + " must be a number, got " + type_name(a[i]));
      out.push_back(number(a[i], key));
    }
    return out;
  }
  std::vector<std::string> words(const toml::value& v, const std::string& key) const {
    std::vector<std::string> out;
    const toml::array& a = array(v, key, "[\"identity\", \"softmax\"]");
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!a[i].is_string()) fail(a[i], key, "entry " + std::to_string(i) + " must be a string, got " + type_name(a[i]));
      out.push_back(a[i].as_string());
    }
    return out;
  }

  static std::string type_name(const toml::value& v) {
    std::ostringstream os;
    os << v.type();
    return os.str();
  }
  static std::string show(double x) {
    std::ostringstream os;
    os << x;
    return os.str();
  }

 private:
  std::string file_;
};

toml::value parse_toml(const std::string& text, const std::string& file) {
  std::istringstream in(text);
  try {
    return toml::parse(in, file);
  } catch (const toml::exception& e) {
    // toml11's message spans several lines; keep the first reason and name the line.
    std::string msg = e.what();
    const auto tag = msg.find("[error] ");
    if (tag != std::string::npos) msg = msg.substr(tag + 8);
    msg = msg.substr(0, msg.find('\n'));
    std::string where = file;
    if (e.location().line() > 0) where += ":" + std::to_string(e.location().line());
    throw InputError(where + ": malformed TOML: " + msg);
  } catch (const std::exception& e) {
    std::string msg = e.what();
    throw InputError(file + ": malformed TOML: " + msg.substr(0, msg.find('\n')));
  }
}

std::vector<std::string> sorted_keys(const toml::table& t) {
  std::vector<std::string> keys;
  for (const auto& kv : t) keys.push_back(kv.first);
  std::sort(keys.begin(), keys.end());
  return keys;
}

RunConfig from_toml(const toml::value& root, const std::string& file, const std::string& text) {
  Reader r(file);
  RunConfig c;
  c.file = file;
  c.text = text;
  if (!root.is_table()) r.fail("", "the config must be a TOML table");
  const toml::table& top = root.as_table();

  // Top level: only known sections and `seed`.
  for (const std::string& k : sorted_keys(top)) {
    const toml::value& v = top.at(k);
    if (k == "seed") continue;
    if (k == "model" || allowed_keys().count(k)) {
      if (!v.is_table()) r.fail(v, k, "must be a table ([" + k + "])");
      continue;
    }
    r.fail(v, k, "unknown key (known: seed, [model], [memories], [queries], [integrate], [output], [sweep], [noise])");
  }
  for (const auto& [section, keys] : allowed_keys()) {
    if (!top.count(section)) continue;
    for (const std::string& k : sorted_keys(top.at(section).as_table()))
      if (!keys.count(k)) r.fail(top.at(section).as_table().at(k), section + "." + k, "unknown key");
  }
  auto get = [&](const std::string& section, const std::string& key) -> const toml::value* {
    if (!top.count(section)) return nullptr;
    const toml::table& t = top.at(section).as_table();
    auto it = t.find(key);
    return it == t.end() ? nullptr : &it->second;
  };

  if (top.count("seed")) c.seed = static_cast<std::uint64_t>(r.integer(top.at("seed"), "seed", 0));

  // [model]: kind plus the catalogue's parameters of that kind.
  if (!top.count("model")) r.fail("model", "missing section [model]");
  {
    const toml::table& m = top.at("model").as_table();
    if (!m.count("kind")) r.fail(top.at("model"), "model.kind", "missing (known: " + models::known_kinds() + ")");
    c.model.kind = r.word(m.at("kind"), "model.kind");
    const models::KindInfo* info = models::find_kind(c.model.kind);
    if (!info) r.fail(m.at("kind"), "model.kind", "unknown model kind '" + c.model.kind + "' (known: " + models::known_kinds() + ")");
    for (const std::string& k : sorted_keys(m)) {
      if (k == "kind") continue;
      const toml::value& v = m.at(k);
      const std::string key = "model." + k;
      auto spec = std::find_if(info->params.begin(), info->params.end(), [&](const auto& p) { return p.name == k; });
      if (spec == info->params.end()) {
        std::string known;
        for (const auto& p : info->params) known += (known.empty() ? "" : ", ") + p.name;
        r.fail(v, key, "unknown parameter of kind '" + c.model.kind + "' (known: " + known + ")");
      }
      if (spec->type == models::ParamSpec::Type::choice) c.model.words[k] = r.word(v, key);
      else if (spec->is_scalar_number()) c.model.numbers[k] = r.number(v, key);
      else if (spec->is_number_array()) c.model.arrays[k] = r.numbers(v, key);
      else c.model.word_arrays[k] = r.words(v, key);
    }
    c.model.seed = c.seed;  // kinds with random weights draw them from Rng(seed, stream::model)
    try {
      c.model = models::complete_spec(c.model);
    } catch (const models::ParamError& e) {
      const std::string key = "model." + e.key;
      if (m.count(e.key)) r.fail(m.at(e.key), key, e.what());
      r.fail(key, e.what());
    }
  }

  // [memories]
  if (!top.count("memories")) r.fail("memories", "missing section [memories]");
  {
    MemoriesConfig& mc = c.memories;
    if (auto* v = get("memories", "source"))
      mc.source = r.word(*v, "memories.source", {"random_binary", "random_gaussian", "fashion_mnist", "digits", "hdf5", "model"});
    const bool image = mc.source == "fashion_mnist" || mc.source == "digits";
    mc.normalize = image ? models::Normalize::unit : models::Normalize::none;
    if (auto* v = get("memories", "count")) mc.count = r.integer(*v, "memories.count", 1);
    else r.fail("memories.count", "missing");
    if (auto* v = get("memories", "dim")) mc.dim = r.integer(*v, "memories.dim", 1);
    else if (mc.source == "random_binary" || mc.source == "random_gaussian") r.fail("memories.dim", "missing (random sources need a dimension)");
    // "model": the kind generates its own patterns (discrete kinds karbasi, savin; cli/discrete_pipeline.cpp).
    else if (mc.source == "model") r.fail("memories.dim", "missing (source = \"model\" needs the number of neurons)");
    if (auto* v = get("memories", "normalize")) {
      const std::string n = r.word(*v, "memories.normalize", {"unit", "none", "sign"});
      mc.normalize = n == "unit" ? models::Normalize::unit : n == "sign" ? models::Normalize::sign : models::Normalize::none;
    }
    if (auto* v = get("memories", "path")) mc.path = r.word(*v, "memories.path");
    if (auto* v = get("memories", "dataset")) mc.dataset = r.word(*v, "memories.dataset");
    if (auto* v = get("memories", "split")) mc.split = r.word(*v, "memories.split", {"train", "test"});
    if (auto* v = get("memories", "select")) mc.select = r.word(*v, "memories.select", {"random", "first"});
    if (mc.source == "hdf5" && mc.path.empty()) r.fail("memories.path", "missing (source = \"hdf5\" needs a file)");
  }

  // [queries]
  {
    QueriesConfig& q = c.queries;
    if (auto* v = get("queries", "from")) q.from = r.word(*v, "queries.from", {"memories"});
    if (auto* v = get("queries", "count")) q.count = r.integer(*v, "queries.count", 1);
    if (auto* v = get("queries", "corruption")) {
      const std::string k = r.word(*v, "queries.corruption", {"flip", "mask", "gaussian"});
      q.corruption = k == "flip" ? models::Corruption::flip : k == "mask" ? models::Corruption::mask : models::Corruption::gaussian;
    }
    if (auto* v = get("queries", "level")) {
      q.level = r.number(*v, "queries.level");
      if (q.level < 0.0) r.fail(*v, "queries.level", "must be >= 0, got " + Reader::show(q.level));
      if (q.corruption != models::Corruption::gaussian && q.level > 1.0)
        r.fail(*v, "queries.level", "is a fraction of entries for flip/mask and must be <= 1, got " + Reader::show(q.level));
    }
  }

  // [integrate]
  {
    dynamics::IntegrateOptions& o = c.integrate;
    o.converge_tol = 1e-6;
    if (auto* v = get("integrate", "method")) {
      const std::string m = r.word(*v, "integrate.method", dynamics::method_names());
      o.method = *dynamics::parse_method(m);
    }
    if (auto* v = get("integrate", "rtol")) o.rtol = r.positive(*v, "integrate.rtol");
    if (auto* v = get("integrate", "atol")) o.atol = r.positive(*v, "integrate.atol");
    if (auto* v = get("integrate", "t_end")) o.t_end = r.positive(*v, "integrate.t_end");
    if (auto* v = get("integrate", "dt_save")) o.dt_save = r.positive(*v, "integrate.dt_save");
    if (auto* v = get("integrate", "dt")) o.dt = r.positive(*v, "integrate.dt");
    if (auto* v = get("integrate", "converge_tol")) {
      o.converge_tol = r.number(*v, "integrate.converge_tol");
      if (o.converge_tol < 0.0) r.fail(*v, "integrate.converge_tol", "must be >= 0 (0: never stop early), got " + Reader::show(o.converge_tol));
    }
    if (auto* v = get("integrate", "max_steps")) o.max_steps = r.integer(*v, "integrate.max_steps", 1);
    if (auto* v = get("integrate", "batch")) {  // docs/performance.md
      if (!v->is_boolean()) r.fail(*v, "integrate.batch", "must be true or false");
      o.batch = v->as_boolean();
      if (o.batch && o.method != dynamics::Method::dopri5)
        r.fail(*v, "integrate.batch", "batched integration needs method = \"dopri5\"");
    }
    if (auto* v = get("integrate", "batch_step"))
      o.batch_shared_step = r.word(*v, "integrate.batch_step", {"per_trajectory", "shared"}) == "shared";
    if (auto* v = get("integrate", "precision")) {  // docs/performance.md
      o.single_precision = r.word(*v, "integrate.precision", {"double", "float"}) == "float";
      if (o.single_precision && !o.batch)
        r.fail(*v, "integrate.precision", "precision = \"float\" needs batch = true (only the batched products have a float path)");
    }
    const double saves = o.t_end / o.dt_save;
    if (saves > 1e6) r.fail("integrate.dt_save", "gives " + Reader::show(saves) + " saved times; at most 1e6 are allowed");
  }

  // [noise]: white noise on the neurons, dx = f dt + G dW, integrated by a stochastic method with
  // [integrate].dt instead of [integrate].method (docs/noise.md). Absent: deterministic.
  if (top.count("noise")) {
    dynamics::NoiseOptions& n = c.integrate.noise;
    n.enabled = true;
    if (auto* v = get("noise", "sigma")) {
      n.sigma = r.number(*v, "noise.sigma");
      if (n.sigma < 0.0) r.fail(*v, "noise.sigma", "must be >= 0, got " + Reader::show(n.sigma));
    } else {
      r.fail(top.at("noise"), "noise.sigma", "missing (the noise strength, >= 0)");
    }
    if (auto* v = get("noise", "method"))
      n.method = *dynamics::parse_stochastic_method(r.word(*v, "noise.method", dynamics::stochastic_method_names()));
    if (auto* v = get("noise", "kind"))
      n.kind = *dynamics::parse_noise_kind(r.word(*v, "noise.kind", dynamics::noise_kind_names()));
    if (auto* v = get("noise", "layers")) {
      if (!v->is_array() || v->as_array().empty())
        r.fail(*v, "noise.layers", "must be a non-empty array of layer names (omit it for every integrated layer)");
      for (const toml::value& x : v->as_array()) {
        std::string name = r.word(x, "noise.layers");
        if (std::find(n.layers.begin(), n.layers.end(), name) != n.layers.end())
          r.fail(x, "noise.layers", "layer '" + name + "' is named twice");
        n.layers.push_back(std::move(name));
      }
    }
    // Its own stream of the one seed (models/random.hpp), as the key of the counter-based generator.
    n.seed = models::splitmix64(c.seed ^ models::splitmix64(models::stream::noise));
  }

  // [output]
  if (auto* v = get("output", "path")) {
    c.output_path = r.word(*v, "output.path");
    if (c.output_path.empty()) r.fail(*v, "output.path", "must not be empty");
  }

  // [sweep]
  if (top.count("sweep")) {
    SweepConfig s;
    if (auto* v = get("sweep", "key")) s.key = r.word(*v, "sweep.key");
    else r.fail("sweep.key", "missing");
    if (auto* v = get("sweep", "values")) {
      if (!v->is_array() || v->as_array().empty()) r.fail(*v, "sweep.values", "must be a non-empty array of numbers");
      for (const toml::value& x : v->as_array()) s.values.push_back(r.number(x, "sweep.values"));
    } else {
      r.fail("sweep.values", "missing");
    }
    c.sweep = s;
  }
  return c;
}

}  // namespace

RunConfig parse_config(const std::string& text, const std::string& file) {
  return from_toml(parse_toml(text, file), file, text);
}

RunConfig load_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open the config file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_config(ss.str(), path);
}

namespace {

// The keys a sweep may set: every numeric key of the config, and the numeric parameters of the
// config's model kind. `whole` keys take whole numbers only.
enum class NumericKey { none, real, whole };

NumericKey numeric_key(const std::string& key, const std::string& kind) {
  static const std::map<std::string, NumericKey> fixed = {
      {"seed", NumericKey::whole},           {"memories.count", NumericKey::whole},
      {"memories.dim", NumericKey::whole},   {"queries.count", NumericKey::whole},
      {"queries.level", NumericKey::real},   {"integrate.rtol", NumericKey::real},
      {"integrate.atol", NumericKey::real},  {"integrate.t_end", NumericKey::real},
      {"integrate.dt_save", NumericKey::real}, {"integrate.dt", NumericKey::real},
      {"integrate.converge_tol", NumericKey::real}, {"integrate.max_steps", NumericKey::whole},
      {"noise.sigma", NumericKey::real},
  };
  if (auto it = fixed.find(key); it != fixed.end()) return it->second;
  if (key.rfind("model.", 0) == 0) {
    if (const models::KindInfo* info = models::find_kind(kind))
      for (const models::ParamSpec& p : info->params)
        if ("model." + p.name == key && (p.type == models::ParamSpec::Type::number || p.type == models::ParamSpec::Type::integer))
          return p.type == models::ParamSpec::Type::integer ? NumericKey::whole : NumericKey::real;
  }
  return NumericKey::none;
}

std::string numeric_keys(const std::string& kind) {
  std::string list = "seed, memories.count, memories.dim, queries.count, queries.level, integrate.rtol, "
                     "integrate.atol, integrate.t_end, integrate.dt_save, integrate.dt, integrate.converge_tol, "
                     "integrate.max_steps, noise.sigma";
  if (const models::KindInfo* info = models::find_kind(kind))
    for (const models::ParamSpec& p : info->params)
      if (p.type == models::ParamSpec::Type::number || p.type == models::ParamSpec::Type::integer)
        list += ", model." + p.name;
  return list;
}

}  // namespace

RunConfig with_value(const RunConfig& config, const std::string& key, double value) {
  const NumericKey type = numeric_key(key, config.model.kind);
  if (type == NumericKey::none)
    throw InputError(config.file + ": key 'sweep.key': '" + key + "' is not a numeric key of the config (numeric keys: " +
                     numeric_keys(config.model.kind) + ")");
  if (!std::isfinite(value)) throw InputError(config.file + ": key 'sweep.values': " + key + " = " + Reader::show(value) + " is not finite");
  if (type == NumericKey::whole && (value != std::floor(value) || std::abs(value) > 9e15))
    throw InputError(config.file + ": key 'sweep.values': " + key + " takes whole numbers, got " + Reader::show(value));

  toml::value root = parse_toml(config.text, config.file);
  toml::table& top = root.as_table();
  toml::value* slot = nullptr;
  const auto dot = key.find('.');
  if (dot == std::string::npos) {
    slot = &top[key];
  } else {
    // Optional sections ([queries], [integrate]) may be absent: the key is then set on defaults.
    const std::string section = key.substr(0, dot), name = key.substr(dot + 1);
    if (!top.count(section)) top[section] = toml::table{};
    slot = &top[section].as_table()[name];
  }
  if (type == NumericKey::whole) *slot = static_cast<toml::integer>(value);
  else *slot = value;
  std::ostringstream out;
  out << root;
  try {
    RunConfig c = from_toml(root, config.file, out.str());
    c.sweep = config.sweep;
    return c;
  } catch (const InputError& e) {
    throw InputError(std::string(e.what()) + " (sweep point " + key + " = " + Reader::show(value) + ")");
  }
}

}  // namespace mnemo::io

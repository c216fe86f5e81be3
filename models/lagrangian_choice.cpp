#include "mnemo/models/lagrangian_choice.hpp"

#include <cmath>
#include <sstream>

namespace mnemo::models {

const std::vector<std::string>& lagrangian_names() {
  static const std::vector<std::string> names = {"identity", "logcosh", "softmax", "rectified_poly",
                                                 "poly",     "exp",     "layernorm"};
  return names;
}

double default_lagrangian_parameter(const std::string& name) {
  if (name == "rectified_poly" || name == "poly") return 3.0;
  if (name == "identity") return 0.0;
  return 1.0;  // gain, beta, gamma
}

Lagrangian make_lagrangian(const std::string& name, double p, const std::string& key, const std::string& what) {
  const std::string pre = what.empty() ? "" : what + ": ";
  auto show = [](double v) {
    std::ostringstream os;
    os << v;
    return os.str();
  };
  auto positive = [&](const char* symbol) {
    if (!(p > 0.0) || !std::isfinite(p))
      throw ParamError(key, pre + name + " needs " + symbol + " > 0, got " + show(p));
  };
  if (name == "identity") return Identity{};
  if (name == "logcosh") {
    positive("gain");
    return LogCosh{p};
  }
  if (name == "softmax") {
    positive("beta");
    return Softmax{p};
  }
  if (name == "exp") {
    positive("beta");
    return Exponential{p};
  }
  if (name == "layernorm") {
    positive("gamma");
    return LayerNorm{p, 1e-5};
  }
  if (name == "rectified_poly" || name == "poly") {
    if (!(p >= 2.0) || !std::isfinite(p)) throw ParamError(key, pre + name + " needs a power n >= 2, got " + show(p));
    if (name == "poly") {
      if (p != std::floor(p)) throw ParamError(key, pre + "poly needs a whole power n, got " + show(p));
      return Polynomial{p};
    }
    return RectifiedPoly{p};
  }
  std::string list;
  for (const std::string& n : lagrangian_names()) list += (list.empty() ? "" : ", ") + n;
  throw ParamError(key, pre + "unknown Lagrangian '" + name + "' (known: " + list + ")");
}

}  // namespace mnemo::models

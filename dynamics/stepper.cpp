#include "mnemo/dynamics/stepper.hpp"

namespace mnemo::dynamics {

namespace {
constexpr Method all[] = {Method::dopri5, Method::cash_karp54, Method::bulirsch_stoer, Method::rk4,
                          Method::euler};
}

std::string to_string(Method m) {
  switch (m) {
    case Method::dopri5: return "dopri5";
    case Method::cash_karp54: return "cash_karp54";
    case Method::bulirsch_stoer: return "bulirsch_stoer";
    case Method::rk4: return "rk4";
    case Method::euler: return "euler";
  }
  return "?";
}

std::optional<Method> parse_method(const std::string& name) {
  for (Method m : all)
    if (to_string(m) == name) return m;
  return std::nullopt;
}

bool is_adaptive(Method m) { return m == Method::dopri5 || m == Method::cash_karp54 || m == Method::bulirsch_stoer; }

std::vector<std::string> method_names() {
  std::vector<std::string> out;
  for (Method m : all) out.push_back(to_string(m));
  return out;
}

}  // namespace mnemo::dynamics

#pragma once
// The integration methods mnemo exposes, all Boost.Odeint steppers (Ahnert & Mulansky 2011):
// adaptive ones driven with error control (rtol, atol), fixed-step ones with step dt.
#include <optional>
#include <string>
#include <vector>

namespace mnemo::dynamics {

enum class Method {
  dopri5,          // runge_kutta_dopri5, adaptive, dense output between steps
  cash_karp54,     // runge_kutta_cash_karp54, adaptive
  bulirsch_stoer,  // bulirsch_stoer, adaptive extrapolation
  rk4,             // runge_kutta4, fixed step
  euler,           // euler, fixed step
};

std::optional<Method> parse_method(const std::string& name);
std::string to_string(Method m);
bool is_adaptive(Method m);
std::vector<std::string> method_names();

}  // namespace mnemo::dynamics

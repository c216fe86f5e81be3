// Uses the installed headers and libraries: builds a modern Hopfield network, integrates one cue.
#include <cmath>
#include <cstdio>
#include <mnemo/dynamics/ensemble.hpp>
#include <mnemo/models/modern_hopfield.hpp>
#include <mnemo/version.hpp>

int main() {
  Eigen::MatrixXd X(2, 3);
  X << 1, 1, -1, -1, 1, 1;
  const auto net = mnemo::models::modern_hopfield(X, 8.0);
  mnemo::models::GradientFlow flow(net);
  mnemo::dynamics::IntegrateOptions o;
  o.t_end = 20.0;
  const Eigen::Vector3d cue(0.9, 0.8, -0.7);
  const auto tr = mnemo::dynamics::integrate([&](const Eigen::VectorXd& x, Eigen::VectorXd& d, double t) { flow(x, d, t); },
                                             cue, o);
  const Eigen::VectorXd last = tr.states.bottomRows(1).transpose();
  const double err = (last - X.row(0).transpose()).norm();
  std::printf("mnemo %s consumer: distance to memory 0 = %.3g\n", mnemo::version, err);
  return err < 1e-3 ? 0 : 1;
}

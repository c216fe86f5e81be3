#include "mnemo/models/predictive_coding.hpp"

#include <cmath>
#include <limits>
#include <memory>
#include <string>

#include "mnemo/models/optimizer.hpp"
#include "mnemo/models/random.hpp"

namespace mnemo::models {

namespace {

// Time constant of the cue layer (as sparse_recovery's query layer): the cue is held over any
// t_end mnemo runs.
constexpr double kCueTau = 1e12;

// f, f', f'' elementwise (any Eigen array expression in, a fresh array out).
// softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^-|x|) (no overflow), softplus' = logistic.
Eigen::ArrayXXd act(PcActivation a, const Eigen::ArrayXXd& x) {
  if (a == PcActivation::tanh) return x.tanh().eval();
  return (x.max(0.0) + (-x.abs()).exp().log1p()).eval();
}
Eigen::ArrayXXd act_prime(PcActivation a, const Eigen::ArrayXXd& x) {
  if (a == PcActivation::tanh) return (1.0 - x.tanh().square()).eval();
  return (1.0 / (1.0 + (-x).exp())).eval();
}
Eigen::ArrayXXd act_second(PcActivation a, const Eigen::ArrayXXd& x) {
  const Eigen::ArrayXXd d = act_prime(a, x);
  if (a == PcActivation::tanh) return (-2.0 * x.tanh() * d).eval();
  return (d * (1.0 - d)).eval();
}
Vector actv(PcActivation a, const Vector& x) { return act(a, x.array()).matrix(); }
Vector actv_prime(PcActivation a, const Vector& x) { return act_prime(a, x.array()).matrix(); }
Vector actv_second(PcActivation a, const Vector& x) { return act_second(a, x.array()).matrix(); }

// The predictive-coding energy as a Coupling on layers 0 .. L+1 (header comment): energy
// F_c - 1/2 sum |x|^2, input x - dF_c/dx.
class PredictiveCodingCoupling final : public Coupling {
 public:
  PredictiveCodingCoupling(const PredictiveCodingWeights& w, PcClamp clamp) : w_(w), clamp_(clamp) {}

  std::vector<int> layers() const override {
    std::vector<int> l;
    for (int i = 0; i <= static_cast<int>(w_.layers()) + 1; ++i) l.push_back(i);
    return l;
  }

  double energy(const std::vector<Vector>& g) const override {
    const Parts p = parts(g);
    double F = 0.0;
    for (const Vector& e : p.eps) F += 0.5 * e.squaredNorm();
    F += 0.5 * (p.m.array() * (g[0] - g[cue()]).array().square()).sum();
    double legendre = 0.0;
    for (int i = 0; i <= cue(); ++i) legendre += 0.5 * g[i].squaredNorm();
    return F - legendre;
  }

  void add_input(const std::vector<Vector>& g, std::vector<Vector>& inputs) const override {
    const Parts p = parts(g);
    const int L = static_cast<int>(w_.layers());
    const Vector one_minus_m = Vector::Ones(p.m.size()) - p.m;
    const Vector pin = g[0] - g[cue()];
    // dF/dx_0 = (1 - m) eps_0 + m (x_0 - c);  dF/dc = m (eps_0 - (x_0 - c)).
    inputs[0] += g[0] - (one_minus_m.cwiseProduct(p.eps[0]) + p.m.cwiseProduct(pin));
    inputs[cue()] += g[cue()] - p.m.cwiseProduct(p.eps[0] - pin);
    // dF/dx_l = eps_l [l < L] - f'(x_l) (W_{l-1}^T eps_{l-1}).
    for (int l = 1; l <= L; ++l) {
      Vector grad = -actv_prime(w_.activation, g[l]).cwiseProduct(w_.W[l - 1].transpose() * p.eps[l - 1]);
      if (l < L) grad += p.eps[l];
      inputs[l] += g[l] - grad;
    }
  }

  void add_input_derivative(const std::vector<Vector>& g, const std::vector<Vector>& dg,
                            std::vector<Vector>& dinputs) const override {
    // d/de of (x - dF_c/dx) at x + e dx: dx - (Hessian of F_c) dx.
    const Parts p = parts(g);
    const int L = static_cast<int>(w_.layers());
    const Vector one_minus_m = Vector::Ones(p.m.size()) - p.m;
    std::vector<Vector> deps(static_cast<std::size_t>(L));
    deps[0] = one_minus_m.cwiseProduct(dg[0]) + p.m.cwiseProduct(dg[cue()]) -
              w_.W[0] * actv_prime(w_.activation, g[1]).cwiseProduct(dg[1]);
    for (int l = 1; l < L; ++l)
      deps[l] = dg[l] - w_.W[l] * actv_prime(w_.activation, g[l + 1]).cwiseProduct(dg[l + 1]);
    const Vector dpin = dg[0] - dg[cue()];
    dinputs[0] += dg[0] - (one_minus_m.cwiseProduct(deps[0]) + p.m.cwiseProduct(dpin));
    dinputs[cue()] += dg[cue()] - p.m.cwiseProduct(deps[0] - dpin);
    for (int l = 1; l <= L; ++l) {
      const Vector back = w_.W[l - 1].transpose() * p.eps[l - 1];
      Vector dgrad = -actv_second(w_.activation, g[l]).cwiseProduct(dg[l]).cwiseProduct(back) -
                     actv_prime(w_.activation, g[l]).cwiseProduct(w_.W[l - 1].transpose() * deps[l - 1]);
      if (l < L) dgrad += deps[l];
      dinputs[l] += dg[l] - dgrad;
    }
  }

  std::string describe() const override {
    return std::string("predictive-coding errors F = sum_l 1/2 |x_l - W_l f(x_{l+1})|^2 (") +
           (w_.activation == PcActivation::tanh ? "tanh" : "softplus") + ", " + std::to_string(w_.layers()) +
           " weight layers, clamp " + (clamp_ == PcClamp::nonzero ? "nonzero cue pixels" : "none") + ")";
  }

 private:
  struct Parts {
    std::vector<Vector> eps;  // eps_0 .. eps_{L-1}
    Vector m;                 // clamp mask of the sensory layer
  };
  int cue() const { return static_cast<int>(w_.layers()) + 1; }
  Parts parts(const std::vector<Vector>& g) const {
    const int L = static_cast<int>(w_.layers());
    Parts p;
    const Vector& c = g[cue()];
    p.m = Vector::Zero(c.size());
    if (clamp_ == PcClamp::nonzero)
      for (Eigen::Index i = 0; i < c.size(); ++i) p.m[i] = c[i] != 0.0 ? 1.0 : 0.0;
    p.eps.resize(static_cast<std::size_t>(L));
    const Vector s = (Vector::Ones(c.size()) - p.m).cwiseProduct(g[0]) + p.m.cwiseProduct(c);
    p.eps[0] = s - w_.W[0] * actv(w_.activation, g[1]);
    for (int l = 1; l < L; ++l) p.eps[l] = g[l] - w_.W[l] * actv(w_.activation, g[l + 1]);
    return p;
  }

  PredictiveCodingWeights w_;
  PcClamp clamp_;
};

std::vector<Matrix> errors(const PredictiveCodingWeights& w, const std::vector<Matrix>& xs) {
  std::vector<Matrix> e(w.W.size());
  for (std::size_t l = 0; l < w.W.size(); ++l)
    e[l] = xs[l] - w.W[l] * act(w.activation, xs[l + 1].array()).matrix();
  return e;
}

}  // namespace

PredictiveCodingWeights initial_pc_weights(Eigen::Index N, const PcTraining& o) {
  if (o.sizes.empty()) throw std::invalid_argument("predictive coding needs at least one layer above the sensory layer");
  Rng rng(o.seed, stream::model);
  PredictiveCodingWeights w;
  w.activation = o.activation;
  Eigen::Index below = N;
  for (Eigen::Index n : o.sizes) {
    // PyTorch default for a linear map with fan_in = n (the upper layer): U(-1/sqrt(n), 1/sqrt(n)).
    const double a = 1.0 / std::sqrt(static_cast<double>(n));
    Matrix W(below, n);
    for (Eigen::Index j = 0; j < n; ++j)
      for (Eigen::Index i = 0; i < below; ++i) W(i, j) = a * (2.0 * rng.uniform() - 1.0);
    w.W.push_back(std::move(W));
    below = n;
  }
  w.top_init.resize(below);
  for (Eigen::Index i = 0; i < below; ++i) w.top_init[i] = rng.normal();
  return w;
}

std::vector<Matrix> pc_initial_values(const PredictiveCodingWeights& w, const Matrix& data) {
  const std::size_t L = w.W.size();
  std::vector<Matrix> xs(L + 1);
  xs[L] = w.top_init.replicate(1, data.cols());
  for (std::size_t l = L - 1; l >= 1; --l) xs[l] = w.W[l] * act(w.activation, xs[l + 1].array()).matrix();
  xs[0] = data;
  return xs;
}

double pc_energy(const PredictiveCodingWeights& w, const std::vector<Matrix>& xs) {
  double F = 0.0;
  for (const Matrix& e : errors(w, xs)) F += 0.5 * e.squaredNorm();
  return F;
}

void pc_infer(const PredictiveCodingWeights& w, std::vector<Matrix>& xs, int steps, double gamma) {
  const std::size_t L = w.W.size();
  for (int t = 0; t < steps; ++t) {
    const std::vector<Matrix> e = errors(w, xs);
    for (std::size_t l = 1; l <= L; ++l) {
      Matrix rate = act_prime(w.activation, xs[l].array()).matrix().cwiseProduct(w.W[l - 1].transpose() * e[l - 1]);
      if (l < L) rate -= e[l];
      xs[l] += gamma * rate;
    }
  }
}

std::vector<Matrix> pc_weight_gradient(const PredictiveCodingWeights& w, const std::vector<Matrix>& xs) {
  const std::vector<Matrix> e = errors(w, xs);
  std::vector<Matrix> grad(w.W.size());
  for (std::size_t l = 0; l < w.W.size(); ++l)
    grad[l] = -e[l] * act(w.activation, xs[l + 1].array()).matrix().transpose();
  return grad;
}

PredictiveCodingWeights train_predictive_coding(const Matrix& memories, const PcTraining& o,
                                                std::vector<double>* history) {
  PredictiveCodingWeights w = initial_pc_weights(memories.cols(), o);
  PredictiveCodingWeights best = w;
  double best_energy = std::numeric_limits<double>::infinity();
  const Matrix data = memories.transpose();  // N x K, one image per column
  const double K = static_cast<double>(memories.rows());
  std::vector<Adam> adam(w.W.size(), Adam(AdamOptions{o.learning_rate}));
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    std::vector<Matrix> xs = pc_initial_values(w, data);
    pc_infer(w, xs, o.inference_steps, o.gamma);
    const double E = pc_energy(w, xs) / K;
    if (history) history->push_back(E);
    if (!std::isfinite(E)) break;  // diverged (gamma or the learning rate too large): keep the best
    if (E < best_energy) {
      best_energy = E;
      best = w;
    }
    const std::vector<Matrix> grad = pc_weight_gradient(w, xs);
    for (std::size_t l = 0; l < w.W.size(); ++l) adam[l].step(w.W[l], grad[l]);
  }
  return best;
}

Network predictive_coding_network(const PredictiveCodingWeights& w, PcClamp clamp) {
  const Eigen::Index N = w.W.front().rows();
  std::vector<Layer> layers;
  layers.push_back(Layer{"sensory", N, 1.0, Identity{}, {}});
  for (std::size_t l = 0; l < w.W.size(); ++l)
    layers.push_back(Layer{"hidden_" + std::to_string(l + 1), w.W[l].cols(), 1.0, Identity{}, {}});
  layers.push_back(Layer{"cue", N, kCueTau, Identity{}, {}});
  auto coupling = std::make_shared<PredictiveCodingCoupling>(w, clamp);
  return Network(std::move(layers), {}, 0, {coupling});
}

std::function<Vector(VectorCRef)> predictive_coding_start(const Network& net, const PredictiveCodingWeights& w) {
  const Eigen::Index size = net.state_size();
  std::vector<Eigen::Index> offsets;
  for (int i = 0; i < static_cast<int>(net.layers().size()); ++i) offsets.push_back(net.offset(i));
  return [w, size, offsets](VectorCRef cue) {
    Vector s(size);
    const std::vector<Matrix> xs = pc_initial_values(w, Matrix(cue));
    for (std::size_t l = 0; l < xs.size(); ++l) s.segment(offsets[l], xs[l].rows()) = xs[l].col(0);
    s.segment(offsets.back(), cue.size()) = cue;  // the held cue
    return s;
  };
}

KindInfo predictive_coding_kind() {
  using T = ParamSpec::Type;
  KindInfo k;
  k.kind = "predictive_coding";
  k.reference =
      "Salvatori et al. 2021 (NeurIPS 34, arXiv 2109.08063): generative network trained by predictive coding, "
      "F = sum_l 1/2 |x_l - W_l f(x_{l+1})|^2, recall = inference with the known sensory pixels clamped";
  k.summary = "hierarchical generative network trained by predictive coding; recall minimises the prediction errors";
  k.params = {
      {"sizes", T::integer_array, 0, 1.0, 1e6, false, {}, "widths of the layers above the sensory one, top last",
       {128.0, 16.0}},
      {"activation", T::choice, 0, -1e300, 1e300, false, {"tanh", "softplus"},
       "f in mu_l = W_l f(x_{l+1}) (softplus: the smooth ReLU; ReLU itself makes the flow discontinuous)"},
      {"clamp", T::choice, 0, -1e300, 1e300, false, {"nonzero", "none"},
       "nonzero: cue pixels != 0 are held (mask cues), zero ones free; none: every sensory node free (noisy cues)"},
      {"train_epochs", T::integer, 1000.0, 0.0, 1e7, false, {}, "full-batch weight updates (0: untrained weights)"},
      {"train_inference_steps", T::integer, 20.0, 1.0, 1e6, false, {}, "T, Euler inference steps before each update"},
      {"gamma", T::number, 0.1, 0.0, 1.0, true, {}, "Euler step of training inference"},
      {"learning_rate", T::number, 1e-3, 0.0, 1e300, true, {}, "Adam step size on the weights"},
  };
  k.build = [](const ModelSpec& s, const Matrix& memories) {
    PcTraining o;
    for (double n : s.array("sizes")) o.sizes.push_back(static_cast<Eigen::Index>(n));
    if (o.sizes.empty()) throw ParamError("sizes", "needs at least one layer above the sensory layer, got none");
    o.activation = s.word("activation") == "softplus" ? PcActivation::softplus : PcActivation::tanh;
    o.epochs = static_cast<int>(s.number("train_epochs"));
    o.inference_steps = static_cast<int>(s.number("train_inference_steps"));
    o.gamma = s.number("gamma");
    o.learning_rate = s.number("learning_rate");
    o.seed = s.seed;
    std::vector<double> history;
    PredictiveCodingWeights w = train_predictive_coding(memories, o, &history);
    const PcClamp clamp = s.word("clamp") == "none" ? PcClamp::none : PcClamp::nonzero;
    Model m{s, memories, predictive_coding_network(w, clamp)};
    for (std::size_t l = 0; l < w.W.size(); ++l) m.extra["weights_" + std::to_string(l + 1)] = w.W[l];
    m.extra["top_init"] = w.top_init.transpose();
    if (!history.empty())
      m.extra["training_energy"] = Eigen::Map<const Matrix>(history.data(), 1, static_cast<Eigen::Index>(history.size()));
    m.start = predictive_coding_start(m.network, w);
    return m;
  };
  return k;
}

}  // namespace mnemo::models

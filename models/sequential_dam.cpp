#include "mnemo/models/sequential_dam.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "mnemo/models/dense.hpp"
#include "mnemo/models/optimizer.hpp"
#include "mnemo/models/random.hpp"

namespace mnemo::models {

namespace {

using Array = Eigen::ArrayXXd;

// x^e element-wise for a whole e >= 0 by repeated squaring (std::pow per entry is the hot spot).
Array whole_power(const Array& x, long e) {
  Array result = Array::Ones(x.rows(), x.cols());
  Array base = x;
  while (e > 0) {
    if (e & 1) result *= base;
    e >>= 1;
    if (e) base *= base;
  }
  return result;
}

double repn(double x, double n) { return x > 0.0 ? std::pow(x, n) : 0.0; }

// Seeded Fisher-Yates shuffle of 0..size-1.
std::vector<Eigen::Index> shuffled(Eigen::Index size, Rng& rng) {
  std::vector<Eigen::Index> v(static_cast<std::size_t>(size));
  std::iota(v.begin(), v.end(), Eigen::Index{0});
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
  return v;
}

Matrix rows_of(const Matrix& X, const std::vector<Eigen::Index>& rows) {
  Matrix out(static_cast<Eigen::Index>(rows.size()), X.cols());
  for (std::size_t r = 0; r < rows.size(); ++r) out.row(static_cast<Eigen::Index>(r)) = X.row(rows[r]);
  return out;
}

Matrix permute_columns(const Matrix& X, const std::vector<Eigen::Index>& perm) {
  Matrix out(X.rows(), X.cols());
  for (std::size_t j = 0; j < perm.size(); ++j) out.col(static_cast<Eigen::Index>(j)) = X.col(perm[j]);
  return out;
}

// Overlaps beta/N xi_mu . sigma^(alpha-) with every label neuron at -1 (B x K), the common part
// of every label drive.
Matrix base_overlaps(const Matrix& memories, Eigen::Index classes, double beta, const Matrix& pixels) {
  const Eigen::Index N = memories.cols(), P = N - classes;
  if (P < 1 || pixels.cols() != P)
    throw std::invalid_argument("sequential DAM: " + std::to_string(pixels.cols()) + " pixels and " +
                                std::to_string(classes) + " label neurons do not make the memories' " +
                                std::to_string(N) + " neurons");
  const double s = beta / static_cast<double>(N);
  Matrix q = pixels * memories.leftCols(P).transpose();
  q.rowwise() -= memories.rightCols(classes).rowwise().sum().transpose();
  return s * q;
}

}  // namespace

void rectified_poly(const Array& x, double n, Array& F, Array* dF) {
  const Array r = x.max(0.0);
  const Array lower = whole_power(r, static_cast<long>(n) - 1);  // r^(n-1)
  F = lower * r;
  if (dF) *dF = n * lower;
}

double dam_energy(const Matrix& memories, const Eigen::VectorXd& sigma, double n, double beta) {
  const double s = beta / static_cast<double>(memories.cols());
  double E = 0.0;
  const Eigen::VectorXd o = memories * sigma;
  for (Eigen::Index mu = 0; mu < o.size(); ++mu) E -= repn(s * o[mu], n);
  return E;
}

double dam_library_energy(const Matrix& memories, const Eigen::VectorXd& sigma, double n, double beta) {
  const double s = beta / static_cast<double>(memories.cols());
  return -repn(s * (memories * sigma).sum(), n);
}

double dam_neuron_update(const Matrix& memories, const Eigen::VectorXd& sigma, Eigen::Index i, double n, double beta) {
  const double s = beta / static_cast<double>(memories.cols());
  // xi_mu . sigma^(i+-) = xi_mu . sigma - xi_mu,i sigma_i +- xi_mu,i   (notes section 1, derived form)
  const Eigen::ArrayXd rest = (memories * sigma - memories.col(i) * sigma[i]).array();
  const Eigen::ArrayXd col = memories.col(i).array();
  double diff = 0.0;
  for (Eigen::Index mu = 0; mu < rest.size(); ++mu) diff += repn(s * (rest[mu] + col[mu]), n) - repn(s * (rest[mu] - col[mu]), n);
  return diff > 0.0 ? 1.0 : -1.0;  // sign(0) = -1 (the library's BipolarHeaviside)
}

Eigen::Index dam_sweep(const Matrix& memories, Eigen::VectorXd& sigma, const std::vector<Eigen::Index>& order, double n,
                       double beta) {
  Eigen::Index flips = 0;
  for (Eigen::Index i : order) {
    const double v = dam_neuron_update(memories, sigma, i, n, beta);
    if (v != sigma[i]) {
      sigma[i] = v;
      ++flips;
    }
  }
  return flips;
}

bool dam_is_fixed_point(const Matrix& memories, const Eigen::VectorXd& sigma, double n, double beta) {
  for (Eigen::Index i = 0; i < sigma.size(); ++i)
    if (dam_neuron_update(memories, sigma, i, n, beta) != sigma[i]) return false;
  return true;
}

Matrix completion_drive(const Matrix& memories, Eigen::Index classes, double n, double beta, const Matrix& pixels) {
  const double s = beta / static_cast<double>(memories.cols());
  const Array q = base_overlaps(memories, classes, beta, pixels).array();
  Array Fq, Fp;
  rectified_poly(q, n, Fq);
  const Eigen::VectorXd common = Fq.matrix().rowwise().sum();
  Matrix z(pixels.rows(), classes);
  for (Eigen::Index a = 0; a < classes; ++a) {
    const Eigen::RowVectorXd shift = 2.0 * s * memories.col(memories.cols() - classes + a).transpose();
    rectified_poly(q.rowwise() + shift.array(), n, Fp);
    z.col(a) = Fp.matrix().rowwise().sum() - common;
  }
  return z;
}

Eigen::VectorXi classify(const Matrix& memories, Eigen::Index classes, double n, double beta, const Matrix& pixels) {
  const Matrix z = completion_drive(memories, classes, n, beta, pixels);
  Eigen::VectorXi out(z.rows());
  for (Eigen::Index b = 0; b < z.rows(); ++b) z.row(b).maxCoeff(&out[b]);
  return out;
}

double accuracy(const Matrix& memories, Eigen::Index classes, double n, double beta, const Matrix& pixels,
                const Eigen::VectorXi& labels) {
  if (pixels.rows() == 0) return 0.0;
  return (classify(memories, classes, n, beta, pixels).array() == labels.array()).cast<double>().mean();
}

double completion_loss(const Matrix& memories, Eigen::Index classes, double n, double beta, const Matrix& pixels,
                       const Eigen::VectorXi& labels, Matrix* gradient, Matrix* fisher) {
  const Eigen::Index B = pixels.rows(), K = memories.rows(), N = memories.cols(), P = N - classes;
  const double s = beta / static_cast<double>(N);
  const Array q = base_overlaps(memories, classes, beta, pixels).array();
  Array Fq, dFq, Fp;
  rectified_poly(q, n, Fq, &dFq);
  const Eigen::ArrayXd common = Fq.rowwise().sum();
  std::vector<Array> dFp(static_cast<std::size_t>(classes));  // F'(p_alpha), B x K each
  Array z(B, classes);
  for (Eigen::Index a = 0; a < classes; ++a) {
    const Eigen::RowVectorXd shift = 2.0 * s * memories.col(P + a).transpose();
    rectified_poly(q.rowwise() + shift.array(), n, Fp, &dFp[static_cast<std::size_t>(a)]);
    z.col(a) = Fp.rowwise().sum() - common;
  }
  const Array c = z.tanh();
  Array t = Array::Constant(B, classes, -1.0);
  for (Eigen::Index b = 0; b < B; ++b) t(b, labels[b]) = 1.0;
  const double loss = (c - t).square().rowwise().sum().mean();
  if (!gradient && !fisher) return loss;

  // Per-item derivative of sum_alpha (c - t)^2 by z_alpha.
  const Array D = 2.0 * (c - t) * (1.0 - c.square());  // B x C
  // G_b,mu = sum_alpha D_b,alpha (F'(p_b,mu,alpha) - F'(q_b,mu)): the pixel gradient of item b
  // is s G_b,mu v_b, the label-gamma gradient s (-G_b,mu + 2 D_b,gamma F'(p_b,mu,gamma)).
  Array G = Array::Zero(B, K);
  for (Eigen::Index a = 0; a < classes; ++a) G += (dFp[static_cast<std::size_t>(a)] - dFq).colwise() * D.col(a);
  const double inv_B = 1.0 / static_cast<double>(B);
  if (gradient) {
    gradient->resize(K, N);
    gradient->leftCols(P).noalias() = (s * inv_B) * G.matrix().transpose() * pixels;
    const Eigen::VectorXd g_sum = G.colwise().sum().transpose();
    for (Eigen::Index a = 0; a < classes; ++a) {
      const Eigen::VectorXd lab = 2.0 * dFp[static_cast<std::size_t>(a)].matrix().transpose() * D.col(a).matrix();
      gradient->col(P + a) = (s * inv_B) * (lab - g_sum);
    }
  }
  if (fisher) {
    fisher->resize(K, N);
    // v_bi^2 = 1: the pixel part of a memory's Fisher is the same for all its pixels.
    const Eigen::VectorXd pix = (s * s) * G.square().colwise().mean().transpose();
    fisher->leftCols(P) = pix.replicate(1, P);
    for (Eigen::Index a = 0; a < classes; ++a) {
      const Array per_item = 2.0 * (dFp[static_cast<std::size_t>(a)].colwise() * D.col(a)) - G;
      fisher->col(P + a) = (s * s) * per_item.square().colwise().mean().transpose();
    }
  }
  return loss;
}

SequentialResult train_sequential(const Matrix& images, const Eigen::VectorXi& labels, const SequentialOptions& o) {
  const Eigen::Index M = images.rows(), P = images.cols();
  if (labels.size() != M || M == 0) throw std::invalid_argument("sequential DAM: images and labels differ in number");
  if (labels.minCoeff() < 0) throw std::invalid_argument("sequential DAM: labels must be >= 0");
  const Eigen::Index C = labels.maxCoeff() + 1;
  if (o.train_per_task + o.test_per_task > M)
    throw ParamError("train_per_task", "train_per_task + test_per_task = " +
                                           std::to_string(o.train_per_task + o.test_per_task) + " exceeds the " +
                                           std::to_string(M) + " images of the source");
  if (o.batch > o.train_per_task)
    throw ParamError("batch", "must be <= train_per_task = " + std::to_string(o.train_per_task) + ", got " +
                                  std::to_string(o.batch));
  const double beta = 1.0 / o.temperature;
  const Eigen::Index N = P + C, T = o.tasks;

  // The items: one seeded set of training and of held-out images, binarised to +-1.
  Rng items(o.seed, stream::memories);
  const std::vector<Eigen::Index> order = shuffled(M, items);
  const std::vector<Eigen::Index> train_rows(order.begin(), order.begin() + o.train_per_task);
  const std::vector<Eigen::Index> test_rows(order.begin() + o.train_per_task,
                                            order.begin() + o.train_per_task + o.test_per_task);
  auto binarise = [&](const Matrix& X) -> Matrix {
    return ((X.array() > o.threshold).cast<double>() * 2.0 - 1.0).matrix();
  };
  const Matrix train_pixels = binarise(rows_of(images, train_rows));
  const Matrix test_pixels = binarise(rows_of(images, test_rows));
  Eigen::VectorXi train_labels(o.train_per_task), test_labels(o.test_per_task);
  for (Eigen::Index r = 0; r < o.train_per_task; ++r) train_labels[r] = labels[train_rows[static_cast<std::size_t>(r)]];
  for (Eigen::Index r = 0; r < o.test_per_task; ++r) test_labels[r] = labels[test_rows[static_cast<std::size_t>(r)]];

  // Tasks: task 0 the images as they are, task k a seeded permutation of the pixels.
  Rng rng(o.seed, stream::model);
  SequentialResult res;
  res.classes = C;
  res.permutations.resize(T, P);
  std::vector<Matrix> task_train, task_test;
  for (Eigen::Index k = 0; k < T; ++k) {
    std::vector<Eigen::Index> perm(static_cast<std::size_t>(P));
    std::iota(perm.begin(), perm.end(), Eigen::Index{0});
    if (k > 0) perm = shuffled(P, rng);
    for (Eigen::Index j = 0; j < P; ++j) res.permutations(k, j) = static_cast<double>(perm[static_cast<std::size_t>(j)]);
    task_train.push_back(permute_columns(train_pixels, perm));
    task_test.push_back(permute_columns(test_pixels, perm));
  }
  // Rehearsal buffers: a seeded subset of each task's training items.
  const auto kept = static_cast<Eigen::Index>(std::llround(o.rehearsal_fraction * static_cast<double>(o.train_per_task)));
  std::vector<std::vector<Eigen::Index>> buffer(static_cast<std::size_t>(T));
  for (auto& b : buffer) {
    b = shuffled(o.train_per_task, rng);
    b.resize(static_cast<std::size_t>(kept));
  }

  Matrix X(o.memories, N);
  for (Eigen::Index j = 0; j < N; ++j)
    for (Eigen::Index mu = 0; mu < o.memories; ++mu) X(mu, j) = o.init_std * rng.normal();

  std::vector<Matrix> anchors, fishers;  // EWC: xi*_k and F_k of the finished tasks
  // SI: importance Omega (summed over finished tasks), the path integral omega of this task, the
  // memories at the end of the previous task (also the anchor) and at the start of this one.
  Matrix omega_total = Matrix::Zero(o.memories, N), omega, anchor = X, task_start;
  res.accuracy = Matrix::Zero(T, T);
  Matrix grad, fisher, omega_data;
  for (Eigen::Index t = 0; t < T; ++t) {
    // This task's training set: its items, plus the rehearsal buffers of the earlier tasks.
    Matrix pixels = task_train[static_cast<std::size_t>(t)];
    Eigen::VectorXi y = train_labels;
    if (o.method == ContinualMethod::rehearsal && t > 0 && kept > 0) {
      const Eigen::Index extra = t * kept;
      pixels.conservativeResize(o.train_per_task + extra, Eigen::NoChange);
      y.conservativeResize(o.train_per_task + extra);
      Eigen::Index r = o.train_per_task;
      for (Eigen::Index k = 0; k < t; ++k)
        for (Eigen::Index i : buffer[static_cast<std::size_t>(k)]) {
          pixels.row(r) = task_train[static_cast<std::size_t>(k)].row(i);
          y[r++] = train_labels[i];
        }
    }
    RowNormalizedMomentum opt(o.learning_rate, o.momentum);
    double lr = o.learning_rate;
    omega = Matrix::Zero(o.memories, N);
    task_start = X;
    for (int e = 0; e < o.epochs; ++e) {
      opt.set_learning_rate(lr);
      const std::vector<Eigen::Index> perm = shuffled(pixels.rows(), rng);
      for (Eigen::Index start = 0; start < pixels.rows(); start += o.batch) {
        const Eigen::Index len = std::min(o.batch, pixels.rows() - start);
        const std::vector<Eigen::Index> rows(perm.begin() + start, perm.begin() + start + len);
        Eigen::VectorXi yb(len);
        for (Eigen::Index r = 0; r < len; ++r) yb[r] = y[rows[static_cast<std::size_t>(r)]];
        completion_loss(X, C, o.n, beta, rows_of(pixels, rows), yb, &grad);
        if (o.method == ContinualMethod::ewc)
          for (std::size_t k = 0; k < anchors.size(); ++k)
            grad.array() += o.ewc_lambda * fishers[k].array() * (X - anchors[k]).array();
        Matrix before;
        if (o.method == ContinualMethod::si) {
          before = X;
          omega_data = grad;  // the data gradient, before the penalty (Zenke et al. 2017, eq. 3)
          if (t > 0) grad.array() += 2.0 * o.si_strength * omega_total.array() * (X - anchor).array();
        }
        opt.step(X, grad);
        X = X.cwiseMax(-1.0).cwiseMin(1.0);
        if (o.method == ContinualMethod::si) omega.array() -= omega_data.array() * (X - before).array();
      }
      lr *= o.lr_decay;
      if (!X.allFinite())
        throw ParamError("temperature", "training overflowed: (beta/N xi.sigma)^n with n = " + std::to_string(int(o.n)) +
                                            " and T = " + std::to_string(o.temperature) +
                                            " is not finite in double; raise the temperature or lower n");
    }
    res.task_loss.push_back(completion_loss(X, C, o.n, beta, task_train[static_cast<std::size_t>(t)], train_labels));
    if (o.method == ContinualMethod::si) {
      // Zenke et al. 2017, eq. 5: Omega += omega / (Delta^2 + xi), Delta this task's total change.
      omega_total.array() += omega.array().max(0.0) / ((X - task_start).array().square() + o.si_damping);
      anchor = X;
    }
    if (o.method == ContinualMethod::ewc) {
      completion_loss(X, C, o.n, beta, task_train[static_cast<std::size_t>(t)], train_labels, nullptr, &fisher);
      anchors.push_back(X);
      fishers.push_back(fisher);
    }
    for (Eigen::Index k = 0; k < T; ++k)
      res.accuracy(t, k) = accuracy(X, C, o.n, beta, task_test[static_cast<std::size_t>(k)], test_labels);
  }
  res.memories = std::move(X);
  return res;
}

KindInfo sequential_dam_kind() {
  using T = ParamSpec::Type;
  KindInfo k;
  k.kind = "sequential_dam";
  k.reference =
      "McAlister, Robins & Szymanski 2024 (arXiv:2409.15729): KH2016 dense associative memory, rectified polynomial "
      "of beta/N xi.sigma, E = -sum_mu F, classification by completion, trained on permuted tasks (naive, rehearsal, "
      "EWC); relaxation: the dense kind (KH2021 model A)";
  k.summary = "dense associative memory trained on a sequence of permuted tasks; accuracy on every task after each";
  k.params = {
      {"n", T::integer, 10.0, 2.0, 60.0, false, {}, "power of the rectified polynomial F(x) = max(x, 0)^n"},
      {"temperature", T::number, 0.1, 0.0, 1e300, true, {}, "T of the normalised argument beta/N xi.sigma, beta = 1/T"},
      {"method", T::choice, 0, 0, 0, false, {"naive", "rehearsal", "ewc", "si"}, "continual-learning method"},
      {"tasks", T::integer, 5.0, 1.0, 100.0, false, {}, "number of permuted tasks (task 1: the images as they are)"},
      {"train_per_task", T::integer, 500.0, 1.0, 1e6, false, {}, "training images per task (the same, permuted per task)"},
      {"test_per_task", T::integer, 300.0, 1.0, 1e6, false, {}, "held-out test images per task"},
      {"epochs", T::integer, 20.0, 1.0, 1e5, false, {}, "training epochs per task"},
      {"batch", T::integer, 100.0, 1.0, 1e6, false, {}, "items per gradient step"},
      {"learning_rate", T::number, 0.01, 0.0, 1.0, true, {}, "largest entry change of a memory per step (KH2016 App. A)"},
      {"lr_decay", T::number, 0.95, 0.0, 1.0, true, {}, "learning-rate factor per epoch (restarts with each task)"},
      {"momentum", T::number, 0.6, 0.0, 0.999, false, {}, "heavy-ball momentum"},
      {"threshold", T::number, 0.5, 0.0, 1.0, false, {}, "pixel > threshold is +1, else -1"},
      {"rehearsal_fraction", T::number, 0.2, 0.0, 1.0, false, {}, "rehearsal: fraction of each earlier task's items replayed"},
      {"ewc_lambda", T::number, 1.0, 0.0, 1e300, false, {}, "ewc: strength lambda of the quadratic penalty"},
      {"si_strength", T::number, 1.0, 0.0, 1e300, false, {}, "si: strength c of the quadratic penalty"},
      {"si_damping", T::number, 0.1, 0.0, 1e300, true, {}, "si: damping xi of the importance Omega"},
      {"gain", T::number, 10.0, 0.0, 1e300, true, {}, "relaxation: slope of the visible activation g = tanh(gain x)"},
      {"tau", T::number, 1.0, 0.0, 1e300, true, {}, "relaxation: time constant of the visible neurons"},
  };
  // The relaxation of given (trained) memories: the dense kind's continuous DAM, same F and n.
  k.build = [](const ModelSpec& s, const Matrix& memories) {
    DenseOptions d;
    d.interaction = DenseInteraction::rectified_poly;
    d.n = s.number("n");
    d.gain = s.number("gain");
    d.tau = s.number("tau");
    return Model{s, memories, dense_associative_memory(memories, d)};
  };
  k.learn_from_images = [](const ModelSpec& s, const Matrix& images, const Eigen::VectorXi& labels, Eigen::Index count) {
    SequentialOptions o;
    o.memories = count;
    o.n = s.number("n");
    o.temperature = s.number("temperature");
    const std::string& m = s.word("method");
    o.method = m == "rehearsal" ? ContinualMethod::rehearsal
               : m == "ewc"     ? ContinualMethod::ewc
               : m == "si"      ? ContinualMethod::si
                                : ContinualMethod::naive;
    o.tasks = static_cast<int>(s.number("tasks"));
    o.train_per_task = static_cast<Eigen::Index>(s.number("train_per_task"));
    o.test_per_task = static_cast<Eigen::Index>(s.number("test_per_task"));
    o.epochs = static_cast<int>(s.number("epochs"));
    o.batch = static_cast<Eigen::Index>(s.number("batch"));
    o.learning_rate = s.number("learning_rate");
    o.lr_decay = s.number("lr_decay");
    o.momentum = s.number("momentum");
    o.threshold = s.number("threshold");
    o.rehearsal_fraction = s.number("rehearsal_fraction");
    o.ewc_lambda = s.number("ewc_lambda");
    o.si_strength = s.number("si_strength");
    o.si_damping = s.number("si_damping");
    o.seed = s.seed;
    SequentialResult r = train_sequential(images, labels, o);
    DenseOptions d;
    d.interaction = DenseInteraction::rectified_poly;
    d.n = o.n;
    d.gain = s.number("gain");
    d.tau = s.number("tau");
    Model model{s, r.memories, dense_associative_memory(r.memories, d)};
    model.extra["accuracy"] = std::move(r.accuracy);
    model.extra["permutations"] = std::move(r.permutations);
    return model;
  };
  return k;
}

}  // namespace mnemo::models

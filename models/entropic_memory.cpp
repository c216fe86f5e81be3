#include "mnemo/models/entropic_memory.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>

namespace mnemo::models {
namespace {
constexpr int saturation = 1023;  // the W-EAM code's absolute_max (notes section 3)
constexpr Eigen::Index max_held_out = 10000;  // held-out images kept for cues (memory bound)
}  // namespace

// ---------------------------------------------------------------------------------------------
// The register (notes section 3).

AssociativeRegister::AssociativeRegister(int columns, const EamOptions& options)
    : m_(options.rows), n_(columns), o_(options), w_(Eigen::MatrixXi::Zero(options.rows + 1, columns)),
      column_threshold_(Eigen::VectorXd::Zero(columns)) {}

void AssociativeRegister::register_object(const Vector& v) {
  for (int j = 0; j < n_; ++j) {
    const int i = undefined(v[j]) ? m_ : static_cast<int>(v[j]);
    if (w_(i, j) < saturation) ++w_(i, j);
  }
  // iota-relation thresholds: keep cells with w_ij >= iota * S_j / c_j (rows 0..m-1).
  for (int j = 0; j < n_; ++j) {
    const auto col = w_.col(j).head(m_);
    const int c = static_cast<int>((col.array() > 0).count());
    column_threshold_[j] = c > 0 ? o_.iota * static_cast<double>(col.sum()) / c : 0.0;
  }
}

bool AssociativeRegister::marked(int row, int column) const {
  const int w = w_(row, column);
  return w > 0 && (o_.cells == EamCells::binary || w >= column_threshold_[column]);
}

int AssociativeRegister::mismatches(const Vector& cue) const {
  int miss = 0;
  for (int j = 0; j < n_; ++j) miss += undefined(cue[j]) || !marked(static_cast<int>(cue[j]), j);
  return miss;
}

int AssociativeRegister::defined_mismatches(const Vector& cue) const {
  int miss = 0;
  for (int j = 0; j < n_; ++j) miss += !undefined(cue[j]) && w_(static_cast<int>(cue[j]), j) == 0;
  return miss;
}

bool AssociativeRegister::recognise(const Vector& cue) const {
  if (mismatches(cue) > o_.tolerance) return false;
  if (o_.cells == EamCells::binary || o_.kappa <= 0.0) return true;
  // Cue weight against the register's mean weight, both relative to the largest cell (W-EAM).
  const double wmax = static_cast<double>(w_.topRows(m_).maxCoeff());
  if (wmax <= 0.0) return false;
  double cue_weight = 0.0, mean_weight = 0.0;
  for (int j = 0; j < n_; ++j) {
    if (!undefined(cue[j])) cue_weight += w_(static_cast<int>(cue[j]), j);
    const auto col = w_.col(j).head(m_);
    const auto nz = (col.array() > 0).count();
    if (nz > 0) mean_weight += static_cast<double>(col.sum()) / static_cast<double>(nz);
  }
  return cue_weight / n_ / wmax >= o_.kappa * mean_weight / n_ / wmax;
}

Vector AssociativeRegister::retrieve(const Vector& cue, Rng& rng) const {
  Vector out(n_);
  for (int j = 0; j < n_; ++j) {
    const bool cue_undefined = undefined(cue[j]);
    const int v = cue_undefined ? -1 : static_cast<int>(cue[j]);
    if (o_.cells == EamCells::binary) {
      if (cue_undefined || w_(v, j) == 0) {
        // Uniform among the column's marked rows (2021 code); undefined if there are none.
        std::vector<int> rows;
        for (int i = 0; i < m_; ++i)
          if (w_(i, j) > 0) rows.push_back(i);
        out[j] = rows.empty() ? m_ : rows[rng.below(rows.size())];
        continue;
      }
      int lo = v, hi = v;
      while (lo > 0 && w_(lo - 1, j) > 0) --lo;
      while (hi < m_ - 1 && w_(hi + 1, j) > 0) ++hi;
      if (lo == hi) {
        out[j] = v;
        continue;
      }
      // Triangular(lo, hi, mode v) by its inverse CDF, then rounded (2021 code).
      const double a = lo, b = hi, c = v, u = rng.uniform();
      const double x = u < (c - a) / (b - a) ? a + std::sqrt(u * (b - a) * (c - a))
                                             : b - std::sqrt((1.0 - u) * (b - a) * (b - c));
      out[j] = std::clamp(std::round(x), a, b);
    } else {
      // P(i) ~ w_ij exp(-(i - v)^2 / (2 sigma_abs^2)) on the raw counts (2024 code), in log space
      // so far-away cells do not underflow to an all-zero column (notes, pitfalls).
      const double s = o_.sigma * m_;
      std::vector<double> logp(static_cast<std::size_t>(m_), -std::numeric_limits<double>::infinity());
      double top = -std::numeric_limits<double>::infinity();
      for (int i = 0; i < m_; ++i) {
        if (w_(i, j) == 0) continue;
        const double d = cue_undefined ? 0.0 : (i - v) / s;
        logp[i] = std::log(static_cast<double>(w_(i, j))) - 0.5 * d * d;
        top = std::max(top, logp[i]);
      }
      if (!std::isfinite(top)) {
        out[j] = m_;  // empty column
        continue;
      }
      double total = 0.0;
      for (double& l : logp) total += (l = std::exp(l - top));
      double u = rng.uniform() * total;
      int pick = m_ - 1;
      for (int i = 0; i < m_; ++i) {
        if (logp[i] <= 0.0) continue;
        pick = i;
        if ((u -= logp[i]) < 0.0) break;
      }
      out[j] = pick;
    }
  }
  return out;
}

double AssociativeRegister::entropy() const {
  double sum = 0.0;
  for (int j = 0; j < n_; ++j) {
    const auto col = w_.col(j).head(m_);
    if (o_.cells == EamCells::binary) {
      const auto marked_cells = (col.array() > 0).count();
      if (marked_cells > 0) sum += std::log2(static_cast<double>(marked_cells));
    } else {
      const double S = col.sum();
      if (S <= 0) continue;
      for (int i = 0; i < m_; ++i)
        if (col[i] > 0) sum -= col[i] / S * std::log2(col[i] / S);
    }
  }
  return sum / n_;
}

// ---------------------------------------------------------------------------------------------
// Features.

Matrix Pca::project(const Matrix& X) const { return (X.rowwise() - mean.transpose()) * components; }

Pca fit_pca(const Matrix& X, Eigen::Index count) {
  Pca p;
  p.mean = X.colwise().mean().transpose();
  const Matrix centred = X.rowwise() - p.mean.transpose();
  const Matrix cov = centred.transpose() * centred / std::max<double>(1.0, double(X.rows() - 1));
  Eigen::SelfAdjointEigenSolver<Matrix> eig(cov);
  const Eigen::Index P = X.cols();
  p.components.resize(P, count);
  for (Eigen::Index k = 0; k < count; ++k) {
    Vector c = eig.eigenvectors().col(P - 1 - k);  // eigenvalues ascend
    Eigen::Index big = 0;
    c.cwiseAbs().maxCoeff(&big);
    if (c[big] < 0) c = -c;  // a fixed sign, so the features do not depend on the solver's choice
    p.components.col(k) = c;
  }
  return p;
}

Vector Quantiser::operator()(const Vector& f) const {
  Vector v(f.size());
  for (Eigen::Index j = 0; j < f.size(); ++j) {
    const double span = hi[j] - lo[j];
    const double q = span > 0.0 ? std::round((m - 1) * (f[j] - lo[j]) / span) : 0.0;
    v[j] = (std::isfinite(q) && q >= 0.0 && q <= m - 1) ? q : m;  // out of range: undefined (row m)
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// The classifying system.

namespace {
class EntropicRecall final : public DiscreteRecall {
 public:
  EntropicRecall(const EntropicMemory& memory, const Vector& cue, Rng rng) : memory_(memory), state_(cue), rng_(rng) {
    objective_ = objective(state_);
  }
  const Vector& state() const override { return state_; }
  double objective() const override { return objective_; }
  bool converged() const override { return done_; }
  void step() override {
    if (done_) return;
    const int c = memory_.classify(state_);
    const int m = memory_.registers().front().rows();
    // No response: every feature undefined (the authors' NaN vector).
    state_ = c < 0 ? Vector::Constant(state_.size(), m) : memory_.registers()[c].retrieve(state_, rng_);
    objective_ = objective(state_);
    done_ = true;
  }

 private:
  double objective(const Vector& v) const {
    int best = std::numeric_limits<int>::max();
    for (const AssociativeRegister& r : memory_.registers()) best = std::min(best, r.defined_mismatches(v));
    return best;
  }
  const EntropicMemory& memory_;
  Vector state_;
  Rng rng_;
  double objective_ = 0.0;
  bool done_ = false;
};
}  // namespace

EntropicMemory::EntropicMemory(const Matrix& images, const Eigen::VectorXi& labels, Eigen::Index stored,
                               Eigen::Index features, const EamOptions& options, Normalize normalize,
                               Corruption corruption, double level, std::uint64_t seed)
    : o_(options), normalize_(normalize), corruption_(corruption), level_(level) {
  const Eigen::Index total = images.rows();
  if (stored < 1 || stored >= total)
    throw std::invalid_argument("entropic: [memories] count must be >= 1 and leave held-out images for cues (" +
                                std::to_string(total) + " images in the source), got " + std::to_string(stored));
  if (labels.size() != total || labels.minCoeff() < 0)
    throw std::invalid_argument("entropic: every image needs a class label >= 0");
  // Which images are stored: a seeded permutation (stream memories); the rest are held out.
  std::vector<Eigen::Index> idx(static_cast<std::size_t>(total));
  std::iota(idx.begin(), idx.end(), Eigen::Index{0});
  Rng rng(seed, stream::memories);
  for (Eigen::Index j = 0; j + 1 < total; ++j)
    std::swap(idx[j], idx[j + static_cast<Eigen::Index>(rng.below(static_cast<std::uint64_t>(total - j)))]);
  Matrix filling(stored, images.cols());
  memory_labels_.resize(stored);
  for (Eigen::Index k = 0; k < stored; ++k) {
    filling.row(k) = images.row(idx[k]);
    memory_labels_[k] = labels[idx[k]];
  }
  const Eigen::Index held = std::min(total - stored, max_held_out);
  images_.resize(held, images.cols());
  image_labels_.resize(held);
  for (Eigen::Index k = 0; k < held; ++k) {
    images_.row(k) = images.row(idx[stored + k]);
    image_labels_[k] = labels[idx[stored + k]];
    held_out_.push_back(k);
  }

  normalize_rows(filling, normalize_);
  pca_ = fit_pca(filling, features);
  const Matrix f = pca_.project(filling);
  quantiser_ = {f.colwise().minCoeff().transpose(), f.colwise().maxCoeff().transpose(), o_.rows};
  memories_.resize(stored, features);
  for (Eigen::Index k = 0; k < stored; ++k) memories_.row(k) = quantiser_(f.row(k).transpose()).transpose();

  const int classes = labels.maxCoeff() + 1;
  registers_.assign(static_cast<std::size_t>(classes), AssociativeRegister(static_cast<int>(features), o_));
  for (Eigen::Index k = 0; k < stored; ++k) registers_[memory_labels_[k]].register_object(memories_.row(k).transpose());
}

Matrix EntropicMemory::encode(const Matrix& images) const {
  Matrix x = images;
  normalize_rows(x, normalize_);
  const Matrix f = pca_.project(x);
  Matrix out(f.rows(), f.cols());
  for (Eigen::Index k = 0; k < f.rows(); ++k) out.row(k) = quantiser_(f.row(k).transpose()).transpose();
  return out;
}

int EntropicMemory::classify(const Vector& cue) const {
  int best = -1;
  double best_entropy = std::numeric_limits<double>::infinity();
  for (std::size_t c = 0; c < registers_.size(); ++c) {
    if (!registers_[c].recognise(cue)) continue;
    const double e = registers_[c].entropy();
    if (e < best_entropy) {
      best_entropy = e;
      best = static_cast<int>(c);
    }
  }
  return best;
}

double EntropicMemory::mean_entropy() const {
  double s = 0.0;
  int used = 0;
  for (const AssociativeRegister& r : registers_)
    if (r.counts().sum() > 0) {
      s += r.entropy();
      ++used;
    }
  return used ? s / used : 0.0;
}

std::string EntropicMemory::structure() const {
  std::ostringstream os;
  os << registers_.size() << " associative memory registers (one per class) of " << memories_.cols() << " columns x "
     << o_.rows << " rows (+1 undefined row), " << (o_.cells == EamCells::binary ? "binary" : "weighted")
     << " cells; features: " << memories_.cols() << " principal components of the stored images, quantised to " << o_.rows
     << " levels";
  return os.str();
}

std::string EntropicMemory::iteration() const {
  return "one recognition (eta) by every register and one retrieval (beta) by the least-entropy recognising register";
}

std::string EntropicMemory::objective_name() const {
  return "defined features of the state on empty cells, fewest over the registers (0 once retrieved)";
}

std::vector<DiscreteAttribute> EntropicMemory::attributes() const {
  return {{"rows", double(o_.rows)},
          {"features", double(memories_.cols())},
          {"classes", double(registers_.size())},
          {"stored", double(memories_.rows())},
          {"held_out", double(images_.rows())},
          {"mean_entropy", mean_entropy()}};
}

Cues EntropicMemory::make_cues(Eigen::Index count, Rng& rng) const {
  // Distinct held-out images (seeded), corrupted in pixel space, then encoded like the stored ones.
  std::vector<Eigen::Index> pool = held_out_;
  const auto P = static_cast<Eigen::Index>(pool.size());
  if (count > P)
    throw std::invalid_argument("entropic: " + std::to_string(count) + " cues asked, " + std::to_string(P) +
                                " held-out images");
  Cues out;
  out.cues.resize(count, memories_.cols());
  out.targets.resize(count);
  for (Eigen::Index b = 0; b < count; ++b) {
    const Eigen::Index j = b;
    std::swap(pool[j], pool[j + static_cast<Eigen::Index>(rng.below(static_cast<std::uint64_t>(P - j)))]);
    Vector image = images_.row(pool[j]).transpose();
    if (corruption_ == Corruption::gaussian) {
      for (Eigen::Index p = 0; p < image.size(); ++p) image[p] = std::clamp(image[p] + level_ * rng.normal(), 0.0, 1.0);
    } else if (corruption_ == Corruption::mask && level_ > 0.0) {
      image = corrupt(image, Corruption::mask, level_, rng);
    }
    const Vector cue = encode(image.transpose()).row(0).transpose();
    out.cues.row(b) = cue.transpose();
    // Target: the stored object of the cue's class nearest to the cue (defined features only),
    // so that the label of /recall/target is the cue's label.
    const int label = image_labels_[pool[j]];
    double best = std::numeric_limits<double>::infinity();
    Eigen::Index arg = 0;
    for (int pass = 0; pass < 2 && !std::isfinite(best); ++pass)
      for (Eigen::Index k = 0; k < memories_.rows(); ++k) {
        if (pass == 0 && memory_labels_[k] != label) continue;
        double d = 0.0;
        for (Eigen::Index c = 0; c < cue.size(); ++c)
          if (cue[c] < o_.rows) d += (cue[c] - memories_(k, c)) * (cue[c] - memories_(k, c));
        if (d < best) {
          best = d;
          arg = k;
        }
      }
    out.targets[b] = static_cast<int>(arg);
  }
  return out;
}

std::unique_ptr<DiscreteRecall> EntropicMemory::recall(const Vector& cue, Rng rng) const {
  return std::make_unique<EntropicRecall>(*this, cue, rng);
}

std::vector<DiscreteMetric> EntropicMemory::recall_metrics(const Matrix& cues, const Matrix& /*finals*/,
                                                           const Eigen::VectorXi& targets) const {
  long responses = 0, correct = 0;
  for (Eigen::Index b = 0; b < cues.rows(); ++b) {
    const int c = classify(cues.row(b).transpose());
    responses += c >= 0;
    correct += c >= 0 && c == memory_labels_[targets[b]];
  }
  const double B = std::max<double>(1.0, double(cues.rows()));
  return {{"precision", responses ? double(correct) / double(responses) : 0.0,
           "correct classes / responses (the papers' precision; a response = some register recognises the cue)"},
          {"recall", double(correct) / B, "correct classes / cues (the papers' recall)"},
          {"no_response_rate", double(cues.rows() - responses) / B, "fraction of cues no register recognises"},
          {"entropy", mean_entropy(), "mean over the registers of the mean column entropy, bits"}};
}

std::map<std::string, Matrix> EntropicMemory::matrices() const {
  const int m1 = o_.rows + 1;
  const auto C = static_cast<Eigen::Index>(registers_.size());
  Matrix regs(C * m1, memories_.cols());
  for (Eigen::Index c = 0; c < C; ++c) regs.middleRows(c * m1, m1) = registers_[c].counts().cast<double>();
  Matrix range(2, memories_.cols());
  range.row(0) = quantiser_.lo.transpose();
  range.row(1) = quantiser_.hi.transpose();
  Matrix mean = pca_.mean.transpose();
  return {{"registers", regs},
          {"pca_components", pca_.components},
          {"pca_mean", mean},
          {"quantiser_range", range},
          {"memory_labels", memory_labels_.cast<double>()}};
}

// ---------------------------------------------------------------------------------------------

DiscreteKind entropic_kind() {
  using T = ParamSpec::Type;
  DiscreteKind d;
  KindInfo& k = d.info;
  k.kind = "entropic";
  k.reference = "Pineda, Fuentes & Morales 2021 (Sci Rep 11:6948); Hernandez, Morales & Pineda 2024 (arXiv 2405.12500)";
  k.summary = "entropic associative memory: one relation table (features x quantised values) per class; register, "
              "recognise, retrieve; precision/recall/entropy vs rows m. Not an ODE";
  k.params = {
      {"m", T::integer, 16, 1, 4096, false, {}, "rows of each register: quantisation levels of a feature"},
      {"features", T::integer, 32, 1, 4096, false, {}, "columns n: principal components of the stored images"},
      {"cells", T::choice, 0, -1e300, 1e300, false, {"binary", "weighted"},
       "binary (2021: marked or not, triangular retrieval) or weighted (2024: counts, Gaussian retrieval)"},
      {"xi", T::integer, 0, 0, 1e9, false, {}, "mismatch tolerance of recognition (eta)"},
      {"iota", T::number, 0, 0, 1e300, false, {}, "weighted cells: a cell counts if w >= iota * column mean"},
      {"kappa", T::number, 0, 0, 1e300, false, {}, "weighted cells: recognised only if cue weight >= kappa * mean weight"},
      {"sigma", T::number, 0.025, 0, 1e300, true, {}, "weighted cells: retrieval spread as a fraction of m"},
  };
  k.build = [](const ModelSpec&, const Matrix&) -> Model {
    throw std::invalid_argument("entropic is a discrete-time kind: build it with build_from_images");
  };
  d.build = nullptr;
  d.build_from_images = [](const ModelSpec& s, const Matrix& images, const Eigen::VectorXi& labels,
                           Eigen::Index count, Normalize normalize, Corruption corruption, double level,
                           std::uint64_t seed) -> std::shared_ptr<const DiscreteMemory> {
    EamOptions o;
    o.rows = static_cast<int>(s.number("m"));
    o.cells = s.word("cells") == "weighted" ? EamCells::weighted : EamCells::binary;
    o.tolerance = static_cast<int>(std::min(s.number("xi"), 1e9));
    o.iota = s.number("iota");
    o.kappa = s.number("kappa");
    o.sigma = s.number("sigma");
    const auto features = static_cast<Eigen::Index>(s.number("features"));
    if (features > images.cols())
      throw ParamError("features", "must be <= the number of pixels (" + std::to_string(images.cols()) + "), got " +
                                       std::to_string(features));
    if (corruption == Corruption::flip && level != 0.0)
      throw CueLevelError("entropic cues are held-out images: corruption \"gaussian\" (pixel noise std) or \"mask\" "
                          "(fraction of pixels set to 0), or level = 0");
    if (corruption == Corruption::mask && level > 1.0)
      throw CueLevelError("the masked fraction must be <= 1, got " + std::to_string(level));
    if (level < 0.0) throw CueLevelError("must be >= 0");
    return std::make_shared<EntropicMemory>(images, labels, count, features, o, normalize, corruption, level,
                                            seed);
  };
  return d;
}

}  // namespace mnemo::models

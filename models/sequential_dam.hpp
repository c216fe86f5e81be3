#pragma once
// Sequential learning in the dense associative memory (McAlister, Robins & Szymanski 2024,
// "Sequential learning in the dense associative memory", arXiv:2409.15729, Neural Computation
// 2025). Notes: shared/papers/mcalister-2024-sequential-dam.md; docs/models/sequential_dam.md.
//
// The DAM of Krotov & Hopfield 2016 (KH2016) with +-1 neurons sigma, memories xi_mu in [-1, 1]^N,
// the rectified polynomial F(x) = max(x, 0)^n and the normalised argument of McAlister et al.
// (similarity divided by N, beta = 1/T):
//
//   E(sigma) = - sum_mu F(beta/N xi_mu . sigma)          (KH2016 eq. 2: F summed per memory; the
//                                                          authors' library applies F to the summed
//                                                          overlaps instead -- a bug, not used here)
//   sigma_i <- sign( sum_mu F(beta/N xi_mu . sigma^(i+)) - F(beta/N xi_mu . sigma^(i-)) ),  sign(0) = -1
//
// Classification as completion (KH2016 Sec. 3): N = P pixels + C label neurons, pixels binarised
// to +-1, label neurons initialised to -1 ("off"); label neuron alpha's drive is
//   z_alpha = sum_mu F(beta/N (a_mu + 2 xi_mu^alpha)) - F(beta/N a_mu),
//   a_mu = xi_mu^pix . v - sum_gamma xi_mu^gamma           (every label neuron at -1),
// the output c_alpha = tanh(z_alpha) and the predicted class argmax_alpha z_alpha. Training
// (KH2016 Appendix A, as in the authors' library): loss mean_items sum_alpha (c_alpha - t_alpha)^2,
// t = +-1 one-hot, heavy-ball momentum with each memory's step normalised by its largest entry
// (RowNormalizedMomentum, models/optimizer.hpp), memories clamped to [-1, 1], learning rate
// decayed per epoch.
//
// Sequential learning (the paper's setting, as summarised in the notes, section 2): T permuted
// tasks (task 1 the images as they are, task k > 1 a fixed seeded permutation of the pixels; the
// label neurons unchanged), trained one after another by
//   naive      each task's items only;
//   rehearsal  plus a seeded buffer of `rehearsal_fraction` of every earlier task's training items;
//   ewc        plus (lambda/2) sum_{k < t} sum_j F_kj (xi_j - xi*_kj)^2 (Kirkpatrick et al. 2017),
//              F_k the diagonal empirical Fisher (mean squared per-item loss gradient) at the end
//              of task k and xi*_k the memories then; the penalty's gradient is added to the data
//              gradient before the per-memory normalisation.
//   si         plus c sum_j Omega_j (xi_j - xi*_j)^2 (Zenke, Poole & Ganguli 2017): omega_j = -sum
//              over steps of (data gradient)_j x (step)_j, Omega += max(omega, 0) / (Delta_j^2 + damping)
//              at the end of each task (Delta_j its total change), xi* the memories then.
// After every task the test accuracy on every task is recorded: A[t, k].
//
// Recall in mnemo: the trained memories are the catalogue kind's memories, relaxed by the
// continuous form of the same DAM (models/dense.hpp, rectified_poly, same n, same normalised
// overlap): E = Legendre(tanh) - N sum_mu F(xi_mu . g / N), which at the corners g = sigma is the
// energy above up to the positive factor N T^n and a constant.
#include <cstdint>
#include <vector>

#include "mnemo/models/catalogue.hpp"

namespace mnemo::models {

// F(x) = max(x, 0)^n and F'(x) element-wise, for whole n >= 1.
void rectified_poly(const Eigen::ArrayXXd& x, double n, Eigen::ArrayXXd& F, Eigen::ArrayXXd* dF = nullptr);

// The paper's energy E(sigma) = -sum_mu F(beta/N xi_mu . sigma).
double dam_energy(const Matrix& memories, const Eigen::VectorXd& sigma, double n, double beta);
// The authors' library's energy(), -F(beta/N sum_mu xi_mu . sigma): for the test that shows it
// is not the energy the updates lower.
double dam_library_energy(const Matrix& memories, const Eigen::VectorXd& sigma, double n, double beta);
// The flip-difference update of neuron i from the current sigma (sign(0) = -1); returns the new sign.
double dam_neuron_update(const Matrix& memories, const Eigen::VectorXd& sigma, Eigen::Index i, double n, double beta);
// Asynchronous sweep in the given neuron order, updating sigma in place; returns the number of flips.
Eigen::Index dam_sweep(const Matrix& memories, Eigen::VectorXd& sigma, const std::vector<Eigen::Index>& order, double n,
                       double beta);
// True when no neuron would change: every update computed from the unchanged sigma.
bool dam_is_fixed_point(const Matrix& memories, const Eigen::VectorXd& sigma, double n, double beta);

// Label drives z (B x C) of +-1 pixel rows (B x P) with every label neuron at -1; N = P + C.
Matrix completion_drive(const Matrix& memories, Eigen::Index classes, double n, double beta, const Matrix& pixels);
// argmax_alpha z_alpha per row.
Eigen::VectorXi classify(const Matrix& memories, Eigen::Index classes, double n, double beta, const Matrix& pixels);
double accuracy(const Matrix& memories, Eigen::Index classes, double n, double beta, const Matrix& pixels,
                const Eigen::VectorXi& labels);
// mean_items sum_alpha (tanh z_alpha - t_alpha)^2; optionally its gradient (K x N) and the
// diagonal empirical Fisher, mean over items of the squared per-item gradient (K x N).
double completion_loss(const Matrix& memories, Eigen::Index classes, double n, double beta, const Matrix& pixels,
                       const Eigen::VectorXi& labels, Matrix* gradient = nullptr, Matrix* fisher = nullptr);

enum class ContinualMethod { naive, rehearsal, ewc, si };

struct SequentialOptions {
  Eigen::Index memories = 100;        // K
  double n = 10.0;                    // power of the rectified polynomial
  double temperature = 0.1;           // T, beta = 1/T
  int tasks = 5;
  Eigen::Index train_per_task = 500;  // items per task (the same images, permuted per task)
  Eigen::Index test_per_task = 300;   // held-out items per task
  int epochs = 20;
  Eigen::Index batch = 100;
  double learning_rate = 0.01;
  double lr_decay = 0.95;             // per epoch; restarts at learning_rate with each task
  double momentum = 0.6;
  double threshold = 0.5;             // pixel > threshold -> +1, else -1
  ContinualMethod method = ContinualMethod::naive;
  double rehearsal_fraction = 0.2;
  double ewc_lambda = 1.0;
  double si_strength = 1.0;           // c of the SI penalty
  double si_damping = 0.1;            // xi of the SI importance
  double init_std = 0.1;              // memories start N(0, init_std^2) (the authors' library)
  std::uint64_t seed = 1;             // items: Rng(seed, stream::memories); the rest: stream::model
};

struct SequentialResult {
  Matrix memories;                 // K x (P + C), after the last task
  Matrix accuracy;                 // T x T: A[t, k] test accuracy on task k after training task t
  Matrix permutations;             // T x P: pixel j of task k is pixel permutations(k, j) of the image
  std::vector<double> task_loss;   // training loss (data term) at the end of each task
  Eigen::Index classes = 0;
};

// `images` rows of pixels in [0, 1], `labels` in 0..C-1. Throws ParamError (sizes vs the data).
SequentialResult train_sequential(const Matrix& images, const Eigen::VectorXi& labels, const SequentialOptions& o);

// Model::extra: "accuracy" (T x T) and "permutations" (T x P), written under /model.
KindInfo sequential_dam_kind();

}  // namespace mnemo::models

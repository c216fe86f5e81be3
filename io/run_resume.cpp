#include "mnemo/io/run_resume.hpp"

#include <algorithm>
#include <cmath>
#include <sys/stat.h>

#include "mnemo/io/hdf5_guard.hpp"
#include "mnemo/io/input_error.hpp"

namespace mnemo::io {
namespace {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Rows 0..B-1 of slice k of a (B, T[, n]) dataset.
void read_block(const h5::Handle& ds, hsize_t k, hsize_t B, hsize_t n, double* out) {
  h5::Handle fspace(H5Dget_space(ds.id()));
  const bool wide = n > 0;
  const std::vector<hsize_t> offset = wide ? std::vector<hsize_t>{0, k, 0} : std::vector<hsize_t>{0, k};
  const std::vector<hsize_t> count = wide ? std::vector<hsize_t>{B, 1, n} : std::vector<hsize_t>{B, 1};
  if (H5Sselect_hyperslab(fspace.id(), H5S_SELECT_SET, offset.data(), nullptr, count.data(), nullptr) < 0)
    throw std::runtime_error("bad selection");
  h5::Handle mspace(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr));
  if (H5Dread(ds.id(), H5T_NATIVE_DOUBLE, mspace.id(), fspace.id(), H5P_DEFAULT, out) < 0)
    throw std::runtime_error("cannot read a saved slice");
}

// What the checks need, read in the guard's child first (a damaged file may crash libhdf5).
void probe(const std::string& path) {
  h5::Handle f = h5::open_file(path);
  for (const char* a : {"complete", "config", "seed"})
    if (h5::has_attr(f, a)) (void)h5::attr_string(f, a);
  if (h5::has_attr(f, "resumable") && h5::exists(f, "trajectories")) {
    h5::Handle t = h5::open_group(f, "trajectories");
    for (const char* d : {"time", "t_stop", "status", "rhs_evaluations", "steps", "state", "energy"})
      if (h5::is_dataset(t, d)) (void)h5::shape(h5::open_dataset(t, d));
  }
}

}  // namespace

void mark_resumable(const std::string& path) {
  h5::Handle f = h5::open_file(path, true);
  h5::set_attr(f, "resumable", std::int64_t{1});
  h5::flush(f);
}

RunResumeSource::RunResumeSource(const std::string& path, const std::string& config_text, std::uint64_t seed)
    : path_(path) {
  auto bad = [&](const std::string& why) { return InputError(path + ": " + why); };
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw bad("no file to resume (run without --resume to start the run)");
  screen_hdf5_read(path, [&] { probe(path); });
  try {
    file_ = h5::open_file(path);
  } catch (const std::exception& e) {
    throw bad(std::string(e.what()) + "; it cannot be resumed, run again without --resume");
  }
  for (const char* a : {"complete", "config", "seed"})
    if (!h5::has_attr(file_, a)) throw bad(std::string("not a mnemo run file (root attribute '") + a + "' is missing)");
  if (h5::exists(file_, "sweep")) throw bad("a sweep file: resume it with `mnemo sweep CONFIG --resume`");
  if (h5::attr_int(file_, "complete") == 1) throw bad("the run is complete (attribute complete = 1): nothing to resume");
  if (h5::attr_string(file_, "config") != config_text || h5::attr_int(file_, "seed") != static_cast<std::int64_t>(seed))
    throw bad("written by a different config (its 'config' attribute differs from this config's text): resume with "
              "the config that started it, or run without --resume");
  resumable_ = h5::has_attr(file_, "resumable") && h5::attr_int(file_, "resumable") == 1;
  if (!resumable_) why_ = "the run was killed, not interrupted: its per-trajectory results were never written";
}

void RunResumeSource::expect(const analysis::Vector& time, Eigen::Index B, Eigen::Index N, bool reuse) {
  finished_.assign(static_cast<std::size_t>(B), false);
  last_needed_ = -1;
  B_ = B;
  if (!resumable_ || !reuse) return;
  const auto T = static_cast<hsize_t>(time.size());
  const auto b = static_cast<hsize_t>(B), n = static_cast<hsize_t>(N);
  try {
    h5::Handle t = h5::open_group(file_, "trajectories");
    const std::vector<double> saved_time = h5::read_doubles(h5::open_dataset(t, "time"));
    if (saved_time.size() != T || !std::equal(saved_time.begin(), saved_time.end(), time.data()))
      throw std::runtime_error("its save grid differs");
    if (h5::shape(h5::open_dataset(t, "state")) != std::vector<hsize_t>{b, T, n} ||
        h5::shape(h5::open_dataset(t, "energy")) != std::vector<hsize_t>{b, T})
      throw std::runtime_error("its trajectories have other shapes");
    t_stop_ = h5::read_doubles(h5::open_dataset(t, "t_stop"));
    status_ = h5::read_ints(h5::open_dataset(t, "status"));
    rhs_ = h5::read_ints(h5::open_dataset(t, "rhs_evaluations"));
    steps_ = h5::read_ints(h5::open_dataset(t, "steps"));
    for (const auto* v : {&status_, &rhs_, &steps_})
      if (v->size() != b) throw std::runtime_error("its per-trajectory datasets have another length");
    if (t_stop_.size() != b) throw std::runtime_error("its t_stop has another length");
  } catch (const std::exception& e) {
    why_ = std::string("its per-trajectory results do not match this config (") + e.what() + ")";
    return;
  }
  // Finished: converged (2), reached t_end (1) or failed (3) at a saved time t_stop = time[k_stop],
  // whose row was saved before the run was interrupted (the ensemble sets a status before saving
  // that slice). Interrupted (4) and anything else: computed again.
  for (Eigen::Index i = 0; i < B; ++i) {
    const std::int64_t s = status_[static_cast<std::size_t>(i)];
    if (s < 1 || s > 3) continue;
    const double* hit = std::find(time.data(), time.data() + time.size(), t_stop_[static_cast<std::size_t>(i)]);
    if (hit == time.data() + time.size()) continue;
    finished_[static_cast<std::size_t>(i)] = true;
    last_needed_ = std::max<Eigen::Index>(last_needed_, hit - time.data());
  }
}

void RunResumeSource::check_layers(const std::vector<std::string>& layer_names) {
  layer_names_ = layer_names;
  if (last_needed_ < 0) return;
  try {
    h5::Handle lg = h5::open_group(h5::open_group(file_, "trajectories"), "layers");
    for (const std::string& name : layer_names) {
      const auto dims = h5::shape(h5::open_dataset(lg, name));
      if (dims.size() != 3 || dims[0] != static_cast<hsize_t>(B_)) throw std::runtime_error("another shape");
    }
  } catch (const std::exception& e) {
    throw InputError(path_ + ": its saved layer datasets do not match this config (" + e.what() +
                     "); run again without --resume");
  }
}

Eigen::Index RunResumeSource::finished_count() const {
  return static_cast<Eigen::Index>(std::count(finished_.begin(), finished_.end(), true));
}

void RunResumeSource::read_slice(Eigen::Index k, analysis::Matrix& readout, analysis::Vector& energy,
                                 std::vector<analysis::Matrix>& layers) const {
  try {
    h5::Handle t = h5::open_group(file_, "trajectories");
    const auto B = static_cast<hsize_t>(readout.rows());
    RowMatrix r(readout.rows(), readout.cols());
    read_block(h5::open_dataset(t, "state"), static_cast<hsize_t>(k), B, static_cast<hsize_t>(readout.cols()), r.data());
    readout = r;
    read_block(h5::open_dataset(t, "energy"), static_cast<hsize_t>(k), B, 0, energy.data());
    h5::Handle lg = h5::open_group(t, "layers");
    for (std::size_t l = 0; l < layers.size() && l < layer_names_.size(); ++l) {
      RowMatrix m(layers[l].rows(), layers[l].cols());
      read_block(h5::open_dataset(lg, layer_names_[l]), static_cast<hsize_t>(k), B, static_cast<hsize_t>(m.cols()),
                 m.data());
      layers[l] = m;
    }
  } catch (const std::exception& e) {
    throw InputError(path_ + ": cannot read saved slice " + std::to_string(k) + " (" + e.what() +
                     "); run again without --resume");
  }
}

}  // namespace mnemo::io

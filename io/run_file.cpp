#include "mnemo/io/run_file.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <sstream>

#include "mnemo/io/hdf5_guard.hpp"
#include "mnemo/io/input_error.hpp"
#include "mnemo/io/schema.hpp"
#include "mnemo/version.hpp"

namespace mnemo::io {
namespace {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

hsize_t H(Eigen::Index n) { return static_cast<hsize_t>(n); }

void write_matrix(const h5::Handle& loc, const std::string& name, const Eigen::MatrixXd& m) {
  const RowMatrix r = m;
  h5::write(loc, name, {H(m.rows()), H(m.cols())}, r.data());
}
void write_vector(const h5::Handle& loc, const std::string& name, const Eigen::VectorXd& v) {
  h5::write(loc, name, {H(v.size())}, v.data());
}
void write_ints(const h5::Handle& loc, const std::string& name, const std::vector<std::int64_t>& v) {
  h5::write(loc, name, {static_cast<hsize_t>(v.size())}, v.data());
}
// Every axis is labelled and attached to the dimension scale of the same name: the save grid
// `/trajectories/time`, or an index dataset at the root (`/trajectory`, `/neuron`, `/memory`, one
// per other layer), netCDF-style, so the name is visible from every group and xarray/h5py users
// see named dimensions.
std::string scale_path(const std::string& axis) { return axis == "time" ? "/trajectories/time" : "/" + axis; }

void attach_axes(const h5::Handle& ds, const std::vector<std::string>& axes) {
  if (axes.empty()) return;
  h5::label_axes(ds, axes);
  const auto dims = h5::shape(ds);
  for (unsigned i = 0; i < axes.size() && i < dims.size(); ++i) {
    const std::string p = scale_path(axes[i]);
    if (!h5::is_dataset(ds, p)) continue;
    h5::Handle scale = h5::open_dataset(ds, p);
    if (h5::shape(scale) == std::vector<hsize_t>{dims[i]}) h5::attach_scale(ds, scale, i);
  }
}

// An index axis 0..n-1 at the root, made a dimension scale named `name`.
void index_scale(const h5::Handle& file, const std::string& name, Eigen::Index n, const std::string& text) {
  std::vector<std::int64_t> index(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < index.size(); ++i) index[i] = static_cast<std::int64_t>(i);
  h5::write(file, name, {static_cast<hsize_t>(n)}, index.data());
  h5::Handle ds = h5::open_dataset(file, name);
  h5::set_attr(ds, "description", text);
  h5::make_scale(ds, name);
}

// Real-valued model quantities (states, patterns, energies, overlaps) carry units
// "dimensionless": the models are written in reduced units (time in units of tau).
constexpr const char* dimensionless = "dimensionless";
constexpr const char* time_units = "model time (units of tau)";

void describe(const h5::Handle& loc, const std::string& name, const std::string& text,
              const std::vector<std::string>& axes, const char* units = nullptr) {
  h5::Handle ds = h5::open_dataset(loc, name);
  h5::set_attr(ds, "description", text);
  if (units) h5::set_attr(ds, "units", std::string(units));
  attach_axes(ds, axes);
}

std::string layer_summary(const models::Network& net) {
  std::ostringstream os;
  for (std::size_t i = 0; i < net.layers().size(); ++i) {
    const auto& L = net.layers()[i];
    os << (i ? "; " : "") << L.name << ": " << models::name(L.lagrangian) << ", size " << L.size << ", tau " << L.tau
       << (L.tau == 0.0 ? " (integrated out)" : "");
  }
  for (const auto& S : net.synapses())
    os << "; synapse " << net.layers()[S.from].name << " -> " << net.layers()[S.to].name << " (" << S.weights.rows()
       << "x" << S.weights.cols() << ")";
  return os.str();
}

}  // namespace

RunWriter::RunWriter(const std::string& path, const RunHeader& header, const models::Model& model,
                     const analysis::Matrix& cues, const Eigen::VectorXi& targets)
    : path_(path), network_(&model.network), N_(model.network.readout_size()), discrete_(header.discrete != nullptr) {
  try {
    file_ = h5::create_file(path);
  } catch (const std::exception& e) {
    throw InputError(path + ": " + e.what());
  }
  // Incomplete until finish() says otherwise: a crash or kill leaves complete = 0 (or no file
  // HDF5 can open), never a file that reads as complete.
  h5::set_attr(file_, "complete", std::int64_t{0});
  h5::set_attr(file_, "schema_version", std::string(schema_version));
  h5::set_attr(file_, "mnemo_version", std::string(mnemo::version));
  h5::set_attr(file_, "created", utc_now());
  h5::set_attr(file_, "config", header.config_text);
  h5::set_attr(file_, "seed", static_cast<std::int64_t>(header.seed));

  h5::Handle m = h5::create_group(file_, "model");
  h5::set_attr(m, "kind", model.spec.kind);
  for (const auto& [k, v] : model.spec.numbers) h5::set_attr(m, k, v);
  for (const auto& [k, v] : model.spec.words) h5::set_attr(m, k, v);
  for (const auto& [k, v] : model.spec.arrays) h5::set_attr(m, k, v);  // 1-D float64 (empty: the kind's default)
  for (const auto& [k, v] : model.spec.word_arrays) h5::set_attr(m, k, v);
  h5::set_attr(m, "layers", header.discrete ? header.discrete->structure() : layer_summary(model.network));
  if (header.discrete)
    for (const auto& a : header.discrete->attributes()) h5::set_attr(m, a.name, a.value);
  if (const auto* info = models::find_kind(model.spec.kind)) h5::set_attr(m, "reference", info->reference);
  h5::set_attr(m, "memories_source", header.memories_source);
  index_scale(file_, "trajectory", cues.rows(), "trajectory (query) index");
  index_scale(file_, "neuron", N_, "neuron index of the feature layer");
  index_scale(file_, "memory", model.memories.rows(), "memory index (row of /model/memories)");
  write_matrix(m, "memories", model.memories);
  describe(m, "memories", "stored patterns, one per row", {"memory", "neuron"}, dimensionless);
  for (const auto& [name, mat] : model.extra) {
    if (name == "memories") throw std::invalid_argument("Model::extra may not be named 'memories'");
    write_matrix(m, name, mat);
    h5::set_attr(h5::open_dataset(m, name), "description", "learned model matrix (" + model.spec.kind + ")");
  }

  h5::Handle r = h5::create_group(file_, "recall");
  write_matrix(r, "cue", cues);
  describe(r, "cue", "corrupted query each trajectory starts from (before the model's initial-state map)",
           {"trajectory", "neuron"}, dimensionless);
  std::vector<std::int64_t> t(targets.data(), targets.data() + targets.size());
  write_ints(r, "target", t);
  describe(r, "target", "index of the memory each query was made from", {"trajectory"});

  trajectories_ = h5::create_group(file_, "trajectories");
  const auto& o = header.integrate;
  if (header.discrete) {
    // Discrete kinds: iterations of the recall algorithm, no ODE solver (analysis/discrete_recall.hpp).
    h5::set_attr(trajectories_, "solver", std::string("discrete iterations"));
    h5::set_attr(trajectories_, "iteration", header.discrete->iteration());
    h5::set_attr(trajectories_, "objective", header.discrete->objective_name());
    h5::set_attr(trajectories_, "t_end", o.t_end);
    h5::set_attr(trajectories_, "dt_save", o.dt_save);
    h5::flush(file_);
    return;
  }
  // With [noise] a stochastic stepper with fixed step dt replaces the [integrate] method.
  const bool noisy = o.noise.enabled;
  h5::set_attr(trajectories_, "solver", noisy ? dynamics::to_string(o.noise.method) : dynamics::to_string(o.method));
  h5::set_attr(trajectories_, "solver_library",
               std::string(noisy     ? "mnemo (Boost.Odeint stepper concept)"
                           : o.batch ? "mnemo (batched Dormand-Prince 5(4), dynamics/batched.hpp)"
                                     : "Boost.Odeint"));
  h5::set_attr(trajectories_, "batch", static_cast<std::int64_t>(o.batch));
  if (o.batch) h5::set_attr(trajectories_, "batch_step", std::string(o.batch_shared_step ? "shared" : "per_trajectory"));
  h5::set_attr(trajectories_, "precision", std::string(o.single_precision ? "float" : "double"));
  h5::set_attr(trajectories_, "adaptive", static_cast<std::int64_t>(!noisy && dynamics::is_adaptive(o.method)));
  if (noisy) {
    std::string layers;
    for (const auto& name : o.noise.layers) layers += (layers.empty() ? "" : ", ") + name;
    char key[24];
    std::snprintf(key, sizeof key, "0x%016llx", static_cast<unsigned long long>(o.noise.seed));
    h5::set_attr(trajectories_, "noise_sigma", o.noise.sigma);
    h5::set_attr(trajectories_, "noise_kind", dynamics::to_string(o.noise.kind));
    h5::set_attr(trajectories_, "noise_method", dynamics::to_string(o.noise.method));
    h5::set_attr(trajectories_, "noise_calculus", std::string(o.noise.method == dynamics::StochasticMethod::heun
                                                                  ? "Stratonovich" : "Ito"));
    h5::set_attr(trajectories_, "noise_layers", layers.empty() ? std::string("all integrated layers") : layers);
    h5::set_attr(trajectories_, "noise_seed", static_cast<std::int64_t>(header.seed));
    h5::set_attr(trajectories_, "noise_key", std::string(key));
    h5::set_attr(trajectories_, "noise_generator",
                 std::string("Philox4x32-10 of counter (component/2, step, trajectory) under noise_key, Box-Muller"));
  }
  h5::set_attr(trajectories_, "rtol", o.rtol);
  h5::set_attr(trajectories_, "atol", o.atol);
  h5::set_attr(trajectories_, "dt", o.dt);
  h5::set_attr(trajectories_, "t_end", o.t_end);
  h5::set_attr(trajectories_, "dt_save", o.dt_save);
  h5::set_attr(trajectories_, "converge_tol", o.converge_tol);
  h5::set_attr(trajectories_, "converge_norm", std::string("max |dx/dt| over the integrated state, at save times"));
  h5::flush(file_);
}

void RunWriter::begin(const analysis::Vector& time, Eigen::Index trajectories, const std::vector<std::string>& layer_names) {
  std::vector<Eigen::Index> layer_sizes;
  for (const std::string& name : layer_names)
    for (const auto& L : network_->layers())
      if (L.name == name) layer_sizes.push_back(L.size);
  B_ = trajectories;
  T_ = time.size();
  write_vector(trajectories_, "time", time);
  describe(trajectories_, "time", discrete_ ? "iteration index (0: the cue)" : "save grid", {},
           discrete_ ? "iterations" : time_units);
  h5::Handle tscale = h5::open_dataset(trajectories_, "time");
  h5::make_scale(tscale, "time");
  // Axis of each extra layer's units: `neuron` for the feature layer, else the layer's name
  // (an index scale made here unless one of that name and length exists, e.g. `memory`).
  std::vector<std::string> layer_axes;
  for (std::size_t l = 0; l < layer_names.size(); ++l) {
    const auto& L = network_->layers()[static_cast<std::size_t>(network_->feature_layer())];
    std::string axis = layer_names[l] == L.name ? "neuron" : layer_names[l];
    if (!h5::exists(file_, "/" + axis))
      index_scale(file_, axis, layer_sizes.at(l), "unit index of layer '" + layer_names[l] + "'");
    layer_axes.push_back(axis);
  }

  auto chunked = [&](const h5::Handle& loc, const std::string& name, Eigen::Index n) {
    // Chunks span 4 saved times and as many trajectories as fit in ~512 KiB, so both
    // "one trajectory over time" and "all trajectories at one time" read few chunks. Measured on
    // B = 400, T = 41, N = 400 (h5py, shuffle + deflate 1): one trajectory 35 ms, one time 37 ms,
    // whole 450 ms; 8 times per chunk gave 21 and 81 ms (and twice the writer's chunk cache).
    const hsize_t width = H(std::max<Eigen::Index>(n, 1));
    const hsize_t ct = std::min<hsize_t>(H(T_), 4);
    const hsize_t cb = std::max<hsize_t>(1, std::min<hsize_t>(H(B_), (hsize_t{1} << 16) / (ct * width)));
    std::vector<hsize_t> dims{H(B_), H(T_)}, chunk{cb, ct};
    if (n > 0) {
      dims.push_back(H(n));
      chunk.push_back(H(n));
    }
    // The cache holds one row of chunks across all trajectories, so each chunk is compressed
    // and written once, when its last time slice arrives.
    const std::size_t chunk_bytes = cb * ct * width * 8;
    const std::size_t cache = std::min<std::size_t>((H(B_) / cb + 1) * chunk_bytes + (1u << 20), std::size_t{512} << 20);
    return h5::create_chunked(loc, name, dims, chunk, H5T_NATIVE_DOUBLE, cache);
  };
  auto annotate = [](const h5::Handle& ds, const std::string& text, const std::vector<std::string>& axes) {
    h5::set_attr(ds, "description", text);
    h5::set_attr(ds, "units", std::string(dimensionless));
    attach_axes(ds, axes);
  };
  state_ = chunked(trajectories_, "state", N_);
  annotate(state_, "compared state g(x) of the feature layer; a trajectory stopped early holds its last state",
           {"trajectory", "time", "neuron"});
  energy_ = chunked(trajectories_, "energy", 0);
  annotate(energy_, discrete_ ? "objective of the recall algorithm (attribute objective of /trajectories)"
                              : "energy of the model at each saved state",
           {"trajectory", "time"});
  h5::Handle lg = h5::create_group(trajectories_, "layers");
  layers_.clear();
  for (std::size_t l = 0; l < layer_names.size(); ++l) {
    layers_.push_back(chunked(lg, layer_names[l], layer_sizes.at(l)));
    annotate(layers_.back(), "internal state x of layer '" + layer_names[l] + "' (not its activation)",
             {"trajectory", "time", layer_axes[l]});
  }
}

void RunWriter::save(Eigen::Index k, double, const analysis::Matrix& readout, const analysis::Vector& energy,
                     const std::vector<analysis::Matrix>& layers) {
  save_rows(0, k, readout, energy, layers);
}

void RunWriter::save_rows(Eigen::Index first, Eigen::Index k, const analysis::Matrix& readout,
                          const analysis::Vector& energy, const std::vector<analysis::Matrix>& layers) {
  const hsize_t b0 = H(first), n = H(readout.rows());
  const RowMatrix r = readout;
  h5::write_block(state_, {b0, H(k), 0}, {n, 1, H(N_)}, r.data());
  h5::write_block(energy_, {b0, H(k)}, {n, 1}, energy.data());
  for (std::size_t l = 0; l < layers.size() && l < layers_.size(); ++l) {
    const RowMatrix m = layers[l];
    h5::write_block(layers_[l], {b0, H(k), 0}, {n, 1, H(m.cols())}, m.data());
  }
}

void RunWriter::flush() {
  if (file_.valid()) h5::flush(file_);
}

void RunWriter::add_recall(const std::string& name, const analysis::Vector& values, const std::string& description) {
  h5::Handle r = h5::open_group(file_, "recall");
  write_vector(r, name, values);
  describe(r, name, description, {"trajectory"}, dimensionless);
}

void RunWriter::add_recall_attribute(const std::string& name, double value) {
  h5::set_attr(h5::open_group(file_, "recall"), name, value);
}

void RunWriter::finish(const analysis::SimulationResult& res) {
  const auto& e = res.ensemble;
  write_matrix(trajectories_, "initial", res.initial_readout);
  describe(trajectories_, "initial", "compared state at t = 0", {"trajectory", "neuron"}, dimensionless);
  write_matrix(trajectories_, "final", res.final_readout);
  describe(trajectories_, "final", "compared state when the trajectory stopped", {"trajectory", "neuron"}, dimensionless);
  write_vector(trajectories_, "t_stop", e.t_stop);
  describe(trajectories_, "t_stop", "time each trajectory stopped (t_end, or earlier once converged)", {"trajectory"},
           discrete_ ? "iterations" : time_units);
  std::vector<std::int64_t> status, evals, steps;
  for (std::size_t b = 0; b < e.status.size(); ++b) {
    status.push_back(static_cast<std::int64_t>(e.status[b]));
    evals.push_back(e.rhs_evaluations[b]);
    steps.push_back(e.steps[b]);
  }
  write_ints(trajectories_, "status", status);
  describe(trajectories_, "status", "1 reached t_end, 2 converged, 3 failed, 4 interrupted", {"trajectory"});
  write_ints(trajectories_, "rhs_evaluations", evals);
  describe(trajectories_, "rhs_evaluations", "right-hand-side evaluations, convergence checks included", {"trajectory"},
           "count");
  write_ints(trajectories_, "steps", steps);
  describe(trajectories_, "steps", "accepted integration steps", {"trajectory"}, "count");
  h5::set_attr(trajectories_, "energy_max_increase", res.audit.max_increase);
  h5::set_attr(trajectories_, "energy_tolerance", res.audit.tolerance);
  h5::set_attr(trajectories_, "energy_violations", static_cast<std::int64_t>(res.audit.violations));
  h5::set_attr(trajectories_, "energy_audit",
               std::string(!res.audit.applicable ? "not applicable (stochastic)"
                           : res.audit.violations ? "violations" : "passed"));
  h5::set_attr(trajectories_, "wall_seconds", res.wall_seconds);

  h5::Handle r = h5::open_group(file_, "recall");
  std::vector<std::int64_t> nearest(res.recall.nearest.data(), res.recall.nearest.data() + res.recall.nearest.size());
  write_ints(r, "nearest", nearest);
  describe(r, "nearest", "memory of largest cosine overlap with the final state", {"trajectory"});
  write_vector(r, "overlap", res.recall.overlap);
  describe(r, "overlap", "cosine overlap of the final state with its target, in [-1, 1]", {"trajectory"}, dimensionless);
  h5::set_attr(r, "recall_rate", res.recall.recall_rate);
  h5::set_attr(r, "mean_overlap", res.recall.mean_overlap);

  h5::flush(file_);
  if (!e.interrupted) {
    h5::set_attr(file_, "complete", std::int64_t{1});
    h5::flush(file_);
  }
  layers_.clear();
  state_ = h5::Handle();
  energy_ = h5::Handle();
  trajectories_ = h5::Handle();
  file_ = h5::Handle();
}

// ---- reading -------------------------------------------------------------------------------------
namespace {
struct Visit {
  std::vector<std::pair<std::string, h5::Handle>>* out;
};
herr_t visit(hid_t obj, const char* name, const H5O_info_t* info, void* data) {
  auto* v = static_cast<Visit*>(data);
  if (info->type == H5O_TYPE_DATASET) {
    hid_t ds = H5Dopen2(obj, name, H5P_DEFAULT);
    if (ds >= 0) v->out->emplace_back(std::string("/") + name, h5::Handle(ds));
  }
  return 0;
}
}  // namespace

// The checks of inspect_file, without the crash screening.
static FileInfo inspect_unscreened(const std::string& path, bool require_complete);

FileInfo inspect_file(const std::string& path, bool require_complete) {
  // A damaged file may crash libhdf5 itself: walk it in a child process first (hdf5_guard.hpp).
  screen_hdf5_read(path, [&] { (void)inspect_unscreened(path, require_complete); });
  return inspect_unscreened(path, require_complete);
}

static FileInfo inspect_unscreened(const std::string& path, bool require_complete) {
  auto bad = [&](const std::string& why) { return InputError(path + ": " + why); };
  h5::Handle f;
  try {
    f = h5::open_file(path);
  } catch (const std::exception& e) {
    throw bad(e.what());
  }
  FileInfo info;
  try {
    for (const char* a : {"schema_version", "mnemo_version", "created", "config", "seed", "complete"})
      if (!h5::has_attr(f, a)) throw bad(std::string("not a mnemo file: root attribute '") + a + "' is missing");
    info.schema_version = h5::attr_string(f, "schema_version");
    info.mnemo_version = h5::attr_string(f, "mnemo_version");
    info.created = h5::attr_string(f, "created");
    info.seed = h5::attr_int(f, "seed");
    info.complete = h5::attr_int(f, "complete") == 1;
    const int major = std::atoi(info.schema_version.c_str());
    if (major != schema_major)
      throw bad("schema_version " + info.schema_version + " is not readable by this mnemo (reads " + std::to_string(schema_major) + ".x)");
    if (require_complete && !info.complete)
      throw bad("incomplete file (root attribute 'complete' is not 1): the run that wrote it did not finish");
    if (h5::exists(f, "model")) {
      h5::Handle m = h5::open_group(f, "model");
      if (h5::has_attr(m, "kind")) info.kind = h5::attr_string(m, "kind");
      if (h5::has_attr(m, "memories_source"))
        info.attributes.push_back("memories = " + h5::attr_string(m, "memories_source"));
    }
    std::vector<std::pair<std::string, h5::Handle>> sets;
    Visit v{&sets};
    if (H5Ovisit(f.id(), H5_INDEX_NAME, H5_ITER_INC, visit, &v) < 0) throw bad("cannot walk the file (damaged?)");
    // A few lines: the dimension scales with their lengths, then one line per group listing its
    // datasets with their named axes (lengths where an axis has no name), float64 unless marked.
    std::vector<std::pair<std::string, std::string>> groups;  // (group, its datasets), first seen first
    std::string dimensions;
    for (auto& [name, ds] : sets) {
      const auto dims = h5::shape(ds);
      const auto slash = name.rfind('/');
      const std::string group = slash == 0 ? "/" : name.substr(0, slash), leaf = name.substr(slash + 1);
      if (h5::is_scale(ds) && dims.size() == 1) {
        const std::string scale = h5::scale_name(ds);
        dimensions += (dimensions.empty() ? "" : ", ") + (scale.empty() ? leaf : scale) + " " + std::to_string(dims[0]);
        continue;
      }
      const auto labels = h5::axis_labels(ds);
      std::ostringstream os;
      os << leaf << "(";
      for (std::size_t i = 0; i < dims.size(); ++i)
        os << (i ? ", " : "") << (labels[i].empty() ? std::to_string(dims[i]) : labels[i]);
      os << ")" << (h5::is_float(ds) ? "" : h5::is_integer(ds) ? " int64" : " other");
      auto g = std::find_if(groups.begin(), groups.end(), [&](const auto& x) { return x.first == group; });
      if (g == groups.end()) g = groups.emplace(groups.end(), group, "");
      g->second += (g->second.empty() ? "" : " ") + os.str();
    }
    if (!dimensions.empty()) info.lines.push_back("dimensions: " + dimensions);
    for (const auto& [group, line] : groups) info.lines.push_back(group + ": " + line);
    // Consistency of the contract's trajectory datasets.
    if (h5::exists(f, "sweep/values")) {
      h5::Handle sw = h5::open_group(f, "sweep");
      const auto v = h5::read_doubles(h5::open_dataset(sw, "values"));
      std::ostringstream os;
      os << "sweep = " << (h5::has_attr(sw, "key") ? h5::attr_string(sw, "key") : std::string("?")) << " over "
         << v.size() << " values";
      if (!v.empty()) os << " (" << v.front() << " ... " << v.back() << ")";
      info.attributes.push_back(os.str());
    }
    if (h5::exists(f, "trajectories/state")) {
      const auto st = h5::shape(h5::open_dataset(f, "trajectories/state"));
      if (st.size() != 3) throw bad("dataset '/trajectories/state' must be B x T x N");
      // Shapes and element types of contract section 4 (float64 unless `integer`).
      auto expect = [&](const std::string& name, std::vector<hsize_t> want, bool integer = false) {
        if (!h5::exists(f, name)) throw bad("missing dataset '/" + name + "'");
        const h5::Handle ds = h5::open_dataset(f, name);
        if (h5::shape(ds) != want) throw bad("dataset '/" + name + "' has the wrong shape");
        if (integer ? !h5::is_integer(ds) : !h5::is_float(ds))
          throw bad("dataset '/" + name + "' must hold " + (integer ? "integers (int64)" : "floats (float64)"));
      };
      expect("trajectories/state", st);
      expect("trajectories/time", {st[1]});
      expect("trajectories/energy", {st[0], st[1]});
      if (info.complete) {
        expect("trajectories/initial", {st[0], st[2]});
        expect("trajectories/final", {st[0], st[2]});
        expect("trajectories/t_stop", {st[0]});
        expect("recall/target", {st[0]}, true);
        expect("recall/nearest", {st[0]}, true);
        expect("recall/overlap", {st[0]});
        if (h5::exists(f, "model/memories")) {
          const auto mem = h5::shape(h5::open_dataset(f, "model/memories"));
          if (mem.size() != 2) throw bad("dataset '/model/memories' must be K x N");
          expect("model/memories", {mem[0], st[2]});
        }
      }
      if (h5::exists(f, "recall")) {
        h5::Handle r = h5::open_group(f, "recall");
        if (h5::has_attr(r, "recall_rate"))
          info.attributes.push_back("recall_rate = " + std::to_string(h5::attr_double(r, "recall_rate")));
        if (h5::has_attr(r, "mean_overlap"))
          info.attributes.push_back("mean_overlap = " + std::to_string(h5::attr_double(r, "mean_overlap")));
        if (h5::has_attr(r, "mean_symbol_error_rate"))
          info.attributes.push_back("mean_symbol_error_rate = " + std::to_string(h5::attr_double(r, "mean_symbol_error_rate")) +
                                    " (cue " + std::to_string(h5::attr_double(r, "mean_cue_error_rate")) + ")");
      }
      h5::Handle t = h5::open_group(f, "trajectories");
      if (h5::has_attr(t, "solver")) {
        std::ostringstream os;
        os << "solver = " << h5::attr_string(t, "solver");
        if (h5::has_attr(t, "objective")) os << " (objective: " << h5::attr_string(t, "objective") << ")";  // discrete kinds
        else os << " (rtol " << h5::attr_double(t, "rtol") << ", atol " << h5::attr_double(t, "atol") << ")";
        info.attributes.push_back(os.str());
      }
      if (h5::has_attr(t, "noise_sigma")) {
        std::ostringstream os;
        os << "noise = sigma " << h5::attr_double(t, "noise_sigma") << ", " << h5::attr_string(t, "noise_kind") << ", "
           << h5::attr_string(t, "noise_method") << ", layers: " << h5::attr_string(t, "noise_layers");
        info.attributes.push_back(os.str());
      }
    }
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    throw bad(e.what());
  }
  return info;
}

}  // namespace mnemo::io

#include "mnemo/io/analysis_file.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <limits>
#include <memory>
#include <variant>

#include "mnemo/io/hdf5.hpp"
#include "mnemo/io/input_error.hpp"
#include "mnemo/io/run_file.hpp"
#include "mnemo/models/discrete_memory.hpp"
#include "mnemo/version.hpp"

namespace mnemo::io {
namespace {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using analysis::Matrix;
using analysis::Vector;

hsize_t H(Eigen::Index n) { return static_cast<hsize_t>(n); }

// Rows [b] of a B x T x M dataset as a T x M matrix (one hyperslab read).
Matrix read_slab(const h5::Handle& ds, Eigen::Index b) {
  const auto dims = h5::shape(ds);
  RowMatrix m(dims[1], dims[2]);
  const hsize_t start[3] = {H(b), 0, 0}, count[3] = {1, dims[1], dims[2]};
  h5::Handle file_space(H5Dget_space(ds.id()));
  if (H5Sselect_hyperslab(file_space.id(), H5S_SELECT_SET, start, nullptr, count, nullptr) < 0)
    throw std::runtime_error("cannot select trajectory " + std::to_string(b));
  const hsize_t mem_dims[2] = {dims[1], dims[2]};
  h5::Handle mem_space(H5Screate_simple(2, mem_dims, nullptr));
  if (m.size() && H5Dread(ds.id(), H5T_NATIVE_DOUBLE, mem_space.id(), file_space.id(), H5P_DEFAULT, m.data()) < 0)
    throw std::runtime_error("cannot read trajectory " + std::to_string(b) + " (damaged?)");
  return m;
}

Matrix read_matrix(const h5::Handle& ds) {
  const auto dims = h5::shape(ds);
  const std::vector<double> v = h5::read_doubles(ds);
  return Eigen::Map<const RowMatrix>(v.data(), dims.at(0), dims.size() > 1 ? dims[1] : 1);
}

Vector read_vector(const h5::Handle& ds) {
  const std::vector<double> v = h5::read_doubles(ds);
  return Eigen::Map<const Vector>(v.data(), static_cast<Eigen::Index>(v.size()));
}

}  // namespace

RunForAnalysis read_run_for_analysis(const std::string& path) {
  // Root attributes, schema, `complete` and the contract's shapes: InputError on any fault.
  const FileInfo info = inspect_file(path, true);
  auto bad = [&](const std::string& why) { return InputError(path + ": " + why); };
  RunForAnalysis run;
  run.path = path;
  run.seed = static_cast<std::uint64_t>(info.seed);
  try {
    auto file = std::make_shared<h5::Handle>(h5::open_file(path));
    const h5::Handle& f = *file;
    if (!h5::exists(f, "trajectories") || !h5::exists(f, "trajectories/state"))
      throw bad("no '/trajectories': not the file of a run (mnemo analyze needs stored trajectories)");
    if (!h5::exists(f, "model") || !h5::exists(f, "model/memories")) throw bad("no '/model/memories'");

    // The model: kind and parameters from the attributes of /model, memories from /model/memories.
    h5::Handle mg = h5::open_group(f, "model");
    if (!h5::has_attr(mg, "kind")) throw bad("/model has no attribute 'kind'");
    models::ModelSpec spec;
    spec.kind = h5::attr_string(mg, "kind");
    spec.seed = run.seed;  // kinds with random weights redraw them from the run's seed
    if (models::find_discrete_kind(spec.kind))
      throw bad("/model attribute 'kind': '" + spec.kind + "' is a discrete-time model; mnemo analyze needs an ODE model");
    const models::KindInfo* kind = models::find_kind(spec.kind);
    if (!kind) throw bad("/model attribute 'kind': unknown model kind '" + spec.kind + "' (known: " + models::known_kinds() + ")");
    for (const models::ParamSpec& p : kind->params) {
      if (!h5::has_attr(mg, p.name)) continue;  // the kind's default
      if (p.type == models::ParamSpec::Type::choice)
        spec.words[p.name] = h5::attr_string(mg, p.name);
      else if (p.is_number_array())
        spec.arrays[p.name] = h5::attr_doubles(mg, p.name);
      else if (p.type == models::ParamSpec::Type::word_array)
        spec.word_arrays[p.name] = h5::attr_strings(mg, p.name);
      else
        spec.numbers[p.name] = h5::attr_double(mg, p.name);
    }
    const Matrix memories = read_matrix(h5::open_dataset(f, "model/memories"));
    try {
      run.model = std::make_shared<const models::Model>(models::build_model(spec, memories));
    } catch (const models::ParamError& e) {
      throw bad("/model attribute '" + e.key + "': " + e.what());
    } catch (const std::invalid_argument& e) {
      throw bad(std::string("/model: ") + e.what());
    }
    const models::Network& net = run.model->network;

    // Trajectory tables.
    h5::Handle tg = h5::open_group(f, "trajectories");
    run.time = read_vector(h5::open_dataset(tg, "time"));
    run.energy = read_matrix(h5::open_dataset(tg, "energy"));
    run.t_stop = read_vector(h5::open_dataset(tg, "t_stop"));
    run.trajectories = run.energy.rows();
    if (h5::has_attr(tg, "energy_tolerance")) {
      run.energy_tolerance = h5::attr_double(tg, "energy_tolerance");
    } else {
      const double rtol = h5::has_attr(tg, "rtol") ? h5::attr_double(tg, "rtol") : 1e-6;
      const double atol = h5::has_attr(tg, "atol") ? h5::attr_double(tg, "atol") : 1e-8;
      run.energy_tolerance = 10.0 * rtol * (1.0 + run.energy.cwiseAbs().maxCoeff()) + 10.0 * atol;
    }

    // Where each integrated layer's state is stored: /trajectories/layers/NAME (raw states), or
    // /trajectories/state for an identity feature layer (state = activation).
    struct Source {
      Eigen::Index offset, size;
      std::shared_ptr<h5::Handle> dataset;
    };
    std::vector<Source> sources;
    const auto T = static_cast<hsize_t>(run.time.size());
    for (int i = 0; i < static_cast<int>(net.layers().size()); ++i) {
      if (!net.is_integrated(i)) continue;
      const models::Layer& L = net.layers()[i];
      std::string name = "trajectories/layers/" + L.name;
      if (!h5::exists(f, name)) {
        if (i == net.feature_layer() && std::holds_alternative<models::Identity>(L.lagrangian))
          name = "trajectories/state";
        else
          throw bad("missing dataset '/" + name + "': the state of layer '" + L.name + "' cannot be reconstructed");
      }
      auto ds = std::make_shared<h5::Handle>(h5::open_dataset(f, name));
      if (h5::shape(*ds) != std::vector<hsize_t>{H(run.trajectories), T, H(L.size)})
        throw bad("dataset '/" + name + "' has the wrong shape for layer '" + L.name + "'");
      sources.push_back({net.offset(i), L.size, ds});
    }
    const Eigen::Index n = net.state_size();
    run.states = [file, sources, n, T, path](Eigen::Index b) {
      Matrix S(static_cast<Eigen::Index>(T), n);
      try {
        for (const Source& s : sources) S.middleCols(s.offset, s.size) = read_slab(*s.dataset, b);
      } catch (const std::exception& e) {
        throw InputError(path + ": " + e.what());
      }
      return S;
    };
    run.final_states.resize(run.trajectories, n);
    for (Eigen::Index b = 0; b < run.trajectories; ++b) run.final_states.row(b) = run.states(b).bottomRows(1);
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    throw bad(e.what());
  }
  return run;
}

// ---- writing -------------------------------------------------------------------------------------
namespace {

void write_doubles(const h5::Handle& g, const std::string& name, const std::vector<hsize_t>& dims, const double* data,
                   const std::string& description, const std::vector<std::string>& axes, const char* units) {
  h5::write(g, name, dims, data);
  h5::Handle ds = h5::open_dataset(g, name);
  h5::set_attr(ds, "description", description);
  h5::set_attr(ds, "units", std::string(units));
  h5::label_axes(ds, axes);
}

void write_ints(const h5::Handle& g, const std::string& name, const std::vector<std::int64_t>& v,
                const std::string& description, const std::string& axis) {
  h5::write(g, name, {static_cast<hsize_t>(v.size())}, v.data());
  h5::Handle ds = h5::open_dataset(g, name);
  h5::set_attr(ds, "description", description);
  h5::set_attr(ds, "units", std::string("count"));
  h5::label_axes(ds, {axis});
}

void write_vector(const h5::Handle& g, const std::string& name, const std::vector<double>& v,
                  const std::string& description, const std::string& axis, const char* units = "dimensionless") {
  write_doubles(g, name, {static_cast<hsize_t>(v.size())}, v.data(), description, {axis}, units);
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void write_fixed_points(const h5::Handle& root, const analysis::FixedPointAnalysis& fa, Eigen::Index k) {
  using analysis::PointKind;
  using analysis::PointStatus;
  using analysis::Stability;
  h5::Handle g = h5::create_group(root, "fixed_points");
  const auto P = static_cast<Eigen::Index>(fa.points.size());
  const Eigen::Index n = P ? fa.points[0].state.size() : 0, N = P ? fa.points[0].readout.size() : 0;
  RowMatrix state(P, n), readout(P, N), jre(P, k), jim(P, k), hes(P, k);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  jre.setConstant(nan), jim.setConstant(nan), hes.setConstant(nan);
  std::vector<double> residual, energy, overlap, lambda_max;
  std::vector<std::int64_t> status, nearest, kind, mixture, stability, index, jindex, rindex, flat, hits, source, from_range;
  for (Eigen::Index p = 0; p < P; ++p) {
    const auto& fp = fa.points[p];
    const auto& st = fa.stability[p];
    state.row(p) = fp.state.transpose();
    readout.row(p) = fp.readout.transpose();
    for (Eigen::Index j = 0; j < std::min<Eigen::Index>(k, st.jacobian_eigenvalues.size()); ++j) {
      jre(p, j) = st.jacobian_eigenvalues(j).real();
      jim(p, j) = st.jacobian_eigenvalues(j).imag();
    }
    for (Eigen::Index j = 0; j < std::min<Eigen::Index>(k, st.hessian_eigenvalues.size()); ++j) hes(p, j) = st.hessian_eigenvalues(j);
    residual.push_back(fp.residual);
    energy.push_back(fp.energy);
    overlap.push_back(fp.overlap);
    lambda_max.push_back(st.range_lambda_max);
    status.push_back(static_cast<std::int64_t>(fp.status));
    nearest.push_back(fp.nearest);
    kind.push_back(static_cast<std::int64_t>(fp.kind));
    mixture.push_back(fp.mixture_size);
    stability.push_back(static_cast<std::int64_t>(st.label));
    index.push_back(st.index);
    jindex.push_back(st.jacobian_index);
    rindex.push_back(st.range_index);
    flat.push_back(st.flat_dimension);
    hits.push_back(fp.hits);
    source.push_back(fp.source);
    from_range.push_back(st.from_range ? 1 : 0);
  }
  const std::string fpa = "fixed_point";
  write_doubles(g, "state", {H(P), H(n)}, state.data(), "integrated network state s of each point (layers stacked as in the model)", {fpa, "state"}, "dimensionless");
  write_doubles(g, "readout", {H(P), H(N)}, readout.data(), "compared state g(x) of the feature layer at each point", {fpa, "neuron"}, "dimensionless");
  write_vector(g, "residual", residual, "|F(s)|_2 = |ds/dt| at the point", fpa, "1/(model time)");
  write_vector(g, "energy", energy, "model energy at the point", fpa);
  write_vector(g, "overlap", overlap, "signed cosine overlap of the readout with the nearest memory", fpa);
  write_vector(g, "range_lambda_max", lambda_max, "largest eigenvalue of H^1/2 M H^1/2 (stable iff < 1; Fanaskov & Oseledets 2024); NaN where H is not PSD", fpa);
  write_ints(g, "status", status, "0 fixed point (|F| <= tolerance), 1 slow point (local minimum of |F|^2/2)", fpa);
  write_ints(g, "nearest", nearest, "memory of largest |cosine overlap| with the readout", fpa);
  write_ints(g, "kind", kind, "0 memory, 1 reversed_memory, 2 mixture, 3 origin, 4 other", fpa);
  write_ints(g, "mixture_size", mixture, "memories with |overlap| >= the mixture threshold", fpa);
  write_ints(g, "stability", stability, "0 stable, 1 saddle, 2 marginal, 3 unknown", fpa);
  write_ints(g, "index", index, "number of unstable directions (from the method in from_range)", fpa);
  write_ints(g, "jacobian_index", jindex, "eigenvalues of the Jacobian with positive real part", fpa);
  write_ints(g, "range_index", rindex, "eigenvalues of H^1/2 M H^1/2 above 1 (-1: not computed)", fpa);
  write_ints(g, "flat_dimension", flat, "dimension of ker H, H the Lagrangian Hessian (flat directions of the energy; -1: not computed)", fpa);
  write_ints(g, "from_range", from_range, "1 where the label was decided in range(H) (H singular), 0 from the Jacobian", fpa);
  write_ints(g, "hits", hits, "candidates that converged to this point", fpa);
  write_ints(g, "source", source, "first candidate that converged here: end points first, then the memories, then exact and relaxed random mixtures", fpa);
  write_doubles(g, "jacobian_eigenvalues_real", {H(P), H(k)}, jre.data(), "real parts of the Jacobian eigenvalues of largest real part, descending (NaN: not computed)", {fpa, "eigenvalue"}, "1/(model time)");
  write_doubles(g, "jacobian_eigenvalues_imag", {H(P), H(k)}, jim.data(), "imaginary parts of the same eigenvalues", {fpa, "eigenvalue"}, "1/(model time)");
  write_doubles(g, "hessian_eigenvalues", {H(P), H(k)}, hes.data(), "smallest eigenvalues of the energy Hessian, ascending (NaN: not computed)", {fpa, "eigenvalue"}, "dimensionless");
  h5::set_attr(g, "stability_labels", std::string("0 stable, 1 saddle, 2 marginal, 3 unknown"));
  h5::set_attr(g, "kind_labels", std::string("0 memory, 1 reversed_memory, 2 mixture, 3 origin, 4 other"));
  h5::set_attr(g, "status_labels", std::string("0 fixed_point, 1 slow_point"));
}

void write_audit(const h5::Handle& root, const analysis::LyapunovAudit& a) {
  h5::Handle g = h5::create_group(root, "energy_audit");
  h5::set_attr(g, "tolerance", a.tolerance);
  h5::set_attr(g, "passed", static_cast<std::int64_t>(a.passed() ? 1 : 0));
  h5::set_attr(g, "max_increase", a.max_increase);
  h5::set_attr(g, "worst_trajectory", static_cast<std::int64_t>(a.worst_trajectory));
  h5::set_attr(g, "worst_time", a.worst_time);
  h5::set_attr(g, "max_rate", a.max_rate);
  h5::set_attr(g, "max_relative_rate_error", a.max_relative_rate_error);
  h5::set_attr(g, "max_energy_mismatch", a.max_energy_mismatch);
  std::vector<double> inc, inc_t, rate, err, scale, mismatch;
  std::vector<std::int64_t> viol;
  for (const auto& t : a.trajectories) {
    inc.push_back(t.max_increase);
    inc_t.push_back(t.max_increase_time);
    rate.push_back(t.max_rate);
    err.push_back(t.max_rate_error);
    scale.push_back(t.rate_scale);
    mismatch.push_back(t.energy_mismatch);
    viol.push_back(t.violations);
  }
  write_vector(g, "max_increase", inc, "largest E(t_k) - E(t_k-1) along the trajectory (negative: strictly decreasing)", "trajectory");
  write_vector(g, "max_increase_time", inc_t, "the later save time of that largest step", "trajectory", "model time (units of tau)");
  write_ints(g, "violations", viol, "rises above the tolerance", "trajectory");
  write_vector(g, "max_rate", rate, "largest analytic dE/dt = -sum tau xdot^T H xdot at a saved state (<= 0 for PSD Hessians)", "trajectory", "1/(model time)");
  write_vector(g, "max_rate_error", err, "largest |analytic - finite-difference dE/dt| before t_stop", "trajectory", "1/(model time)");
  write_vector(g, "rate_scale", scale, "largest |analytic dE/dt| before t_stop", "trajectory", "1/(model time)");
  write_vector(g, "energy_mismatch", mismatch, "largest |stored energy - energy of the stored state|", "trajectory");
  std::vector<double> vt, vi;
  std::vector<std::int64_t> vb;
  for (const auto& v : a.violations) {
    vb.push_back(v.trajectory);
    vt.push_back(v.time);
    vi.push_back(v.increase);
  }
  write_ints(g, "violation_trajectory", vb, "trajectory of each violation", "violation");
  write_vector(g, "violation_time", vt, "save time of each violation", "violation", "model time (units of tau)");
  write_vector(g, "violation_increase", vi, "energy rise of each violation", "violation");
}

}  // namespace

void write_analysis(const std::string& path, const AnalysisRecord& rec) {
  h5::Handle f;
  try {
    f = h5::open_file(path, true);
  } catch (const std::exception& e) {
    throw InputError(path + ": " + e.what());
  }
  // Incomplete while /analysis is being replaced: a crash here leaves a file that says so.
  h5::set_attr(f, "complete", std::int64_t{0});
  h5::flush(f);
  const char* partial = "analysis_partial";
  bool old_removed = false, moved = false;
  try {
    if (h5::exists(f, partial) && H5Ldelete(f.id(), partial, H5P_DEFAULT) < 0)
      throw std::runtime_error("cannot remove a leftover '/analysis_partial'");
    {
      h5::Handle g = h5::create_group(f, partial);
      h5::set_attr(g, "mnemo_version", std::string(mnemo::version));
      h5::set_attr(g, "created", utc_now());
      h5::set_attr(g, "options", rec.options);
      if (rec.fixed_points) {
        const auto& fa = *rec.fixed_points;
        h5::set_attr(g, "candidates", static_cast<std::int64_t>(fa.candidates));
        h5::set_attr(g, "fixed_points", static_cast<std::int64_t>(fa.fixed_points));
        h5::set_attr(g, "slow_points", static_cast<std::int64_t>(fa.slow_points));
        h5::set_attr(g, "stable", static_cast<std::int64_t>(fa.stable));
        h5::set_attr(g, "saddles", static_cast<std::int64_t>(fa.saddles));
        h5::set_attr(g, "marginal", static_cast<std::int64_t>(fa.marginal));
        h5::set_attr(g, "memories_found", static_cast<std::int64_t>(fa.memories_found));
        h5::set_attr(g, "memories_found_stable", static_cast<std::int64_t>(fa.memories_found_stable));
        write_fixed_points(g, fa, rec.eigenvalues);
      }
      if (rec.audit) write_audit(g, *rec.audit);
    }
    h5::flush(f);  // the new tables are on disk before the old ones go
    if (h5::exists(f, "analysis")) {
      if (H5Ldelete(f.id(), "analysis", H5P_DEFAULT) < 0) throw std::runtime_error("cannot replace '/analysis'");
      old_removed = true;
    }
    if (H5Lmove(f.id(), partial, f.id(), "analysis", H5P_DEFAULT, H5P_DEFAULT) < 0)
      throw std::runtime_error("cannot rename '/analysis_partial' to '/analysis'");
    moved = true;
    h5::flush(f);
    h5::set_attr(f, "complete", std::int64_t{1});
    h5::flush(f);
  } catch (const std::exception& e) {
    // Put the run back as it was: drop what was half written (after the rename, /analysis itself,
    // whose flush failed), then mark the file complete again. If even that fails, `complete`
    // stays 0 on disk and readers refuse the file rather than trust it.
    bool restored = false;
    try {
      if (h5::exists(f, partial)) H5Ldelete(f.id(), partial, H5P_DEFAULT);
      if (moved && h5::exists(f, "analysis")) H5Ldelete(f.id(), "analysis", H5P_DEFAULT);
      if (!h5::exists(f, partial) && !(moved && h5::exists(f, "analysis"))) {
        h5::set_attr(f, "complete", std::int64_t{1});
        h5::flush(f);
        restored = true;
      }
    } catch (const std::exception&) {
    }
    throw std::runtime_error(path + ": writing /analysis failed (" + e.what() + "); " +
                             (restored ? std::string("the run is intact and complete, ") +
                                             (old_removed || moved ? "without /analysis" : "its previous /analysis kept")
                                       : std::string("restoring the file could not be confirmed: it reads as incomplete, "
                                                     "or as before this command if libhdf5 wrote its header back "
                                                     "(check with mnemo info)")));
  }
}

}  // namespace mnemo::io

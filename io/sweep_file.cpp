#include "mnemo/io/sweep_file.hpp"

#include <chrono>
#include <cstring>
#include <ctime>
#include <map>
#include <set>

#include "mnemo/io/hdf5.hpp"
#include "mnemo/io/input_error.hpp"
#include "mnemo/io/schema.hpp"
#include "mnemo/version.hpp"

namespace mnemo::io {
namespace {

hsize_t H(Eigen::Index n) { return static_cast<hsize_t>(n); }

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Units as in run files: model quantities are dimensionless (reduced units), counters "count".
constexpr const char* dimensionless = "dimensionless";
constexpr const char* count = "count";

void describe(const h5::Handle& ds, const std::string& text, const std::vector<std::string>& axes,
              const char* units = nullptr) {
  h5::set_attr(ds, "description", text);
  if (units) h5::set_attr(ds, "units", std::string(units));
  h5::label_axes(ds, axes);
}

// An index axis 0..n-1 at the root, made a dimension scale named `name` (as in run files).
h5::Handle index_scale(const h5::Handle& file, const std::string& name, Eigen::Index n, const std::string& text) {
  std::vector<std::int64_t> index(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < index.size(); ++i) index[i] = static_cast<std::int64_t>(i);
  h5::write(file, name, {static_cast<hsize_t>(n)}, index.data());
  h5::Handle ds = h5::open_dataset(file, name);
  h5::set_attr(ds, "description", text);
  h5::make_scale(ds, name);
  return ds;
}

std::string kind_labels() {
  std::string s;
  for (int k = 0; k < analysis::attractor_kinds; ++k)
    s += (k ? "," : "") + std::string(analysis::to_string(static_cast<analysis::Attractor>(k)));
  return s;
}

// FNV-1a over the bytes of every stored number of a row, in a fixed order; 52 bits, so that the
// value is exact in the float64 -> int64 write path.
std::int64_t row_hash(const SweepRow& r, bool per_query) {
  std::uint64_t h = 14695981039346656037ull;
  const auto mix = [&h](double x) {
    unsigned char b[sizeof x];
    std::memcpy(b, &x, sizeof x);
    for (unsigned char c : b) h = (h ^ c) * 1099511628211ull;
  };
  // Every number but the clock, so that equal results hash equal.
  for_each_number(r, [&](const double& x) {
    if (&x != &r.wall_seconds) mix(x);
  });
  for (double x : r.attractors) mix(x);
  if (per_query)
    for (const auto* v : {&r.overlap, &r.target, &r.nearest, &r.attractor})
      for (double x : *v) mix(x);
  std::map<std::string, double> metrics;
  for (const SweepMetric& m : r.metrics) metrics[m.name] = m.value;
  for (const auto& [name, value] : metrics) {
    for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    mix(value);
  }
  return static_cast<std::int64_t>(h & ((std::uint64_t{1} << 52) - 1));
}

// Datasets of /sweep that are not kind-specific metrics.
const std::set<std::string> fixed_rows{"values", "recall_rate", "mean_overlap", "retrieval_rate", "exact_rate",
                                       "attractors", "mean_final_energy", "mean_energy_drop", "converged_fraction",
                                       "failed", "rhs_evaluations", "energy_max_increase", "energy_violations",
                                       "wall_seconds", "memory_count", "dimension", "done", "rank", "checksum",
                                       "overlap", "target", "nearest", "attractor"};

}  // namespace

struct SweepWriter::Impl {
  h5::Handle file, sweep, values, query, attractor;
  Eigen::Index P = 0, B = 0, done = 0;
  // Rows reach the disk at most a second after they are written: flushing every row costs about
  // 1.5 ms (the P-row chunks are compressed again), which would make rank 0 of a wide MPI sweep
  // the bottleneck (docs/scaling.md). A row not yet flushed when a crash comes is not lost from
  // the result: `--resume` finds it missing (or its checksum wrong) and computes it again.
  std::chrono::steady_clock::time_point flushed = std::chrono::steady_clock::now();
  void flush_now() {
    h5::flush(file);
    flushed = std::chrono::steady_clock::now();
  }
  std::map<std::string, h5::Handle> sets;

  // A P-row dataset (P, or P x width), its first axis on the `point` scale (/sweep/values), its
  // second on `second` when given.
  void add(const std::string& name, Eigen::Index width, hid_t type, const std::string& text, const char* units,
           const std::string& axis = "", const h5::Handle* second = nullptr) {
    std::vector<hsize_t> dims{H(P)}, chunk{1};
    std::vector<std::string> axes{"point"};
    if (width > 0) {
      dims.push_back(H(width));
      chunk.push_back(H(width));
      axes.push_back(axis);
    } else {
      chunk[0] = H(P);
    }
    h5::Handle ds = h5::create_chunked(sweep, name, dims, chunk, type);
    describe(ds, text, axes, units);
    h5::attach_scale(ds, values, 0);
    if (second) h5::attach_scale(ds, *second, 1);
    sets.emplace(name, std::move(ds));
  }
  void row(const std::string& name, Eigen::Index p, double x) { h5::write_block(sets.at(name), {H(p)}, {1}, &x); }
  void row(const std::string& name, Eigen::Index p, const std::vector<double>& x) {
    h5::write_block(sets.at(name), {H(p), 0}, {1, H(static_cast<Eigen::Index>(x.size()))}, x.data());
  }
};

SweepWriter::SweepWriter(const std::string& path, const SweepHeader& header) : path_(path), impl_(new Impl) {
  Impl& s = *impl_;
  try {
    s.file = h5::create_file(path);
  } catch (const std::exception& e) {
    throw InputError(path + ": " + e.what());
  }
  s.P = static_cast<Eigen::Index>(header.values.size());
  s.B = header.queries;
  h5::set_attr(s.file, "complete", std::int64_t{0});
  h5::set_attr(s.file, "schema_version", std::string(schema_version));
  h5::set_attr(s.file, "mnemo_version", std::string(mnemo::version));
  h5::set_attr(s.file, "created", utc_now());
  h5::set_attr(s.file, "config", header.config_text);
  h5::set_attr(s.file, "seed", static_cast<std::int64_t>(header.seed));

  h5::Handle m = h5::create_group(s.file, "model");
  h5::set_attr(m, "kind", header.model.kind);
  for (const auto& [k, v] : header.model.numbers) h5::set_attr(m, k, v);
  for (const auto& [k, v] : header.model.words) h5::set_attr(m, k, v);
  if (const auto* info = models::find_kind(header.model.kind)) h5::set_attr(m, "reference", info->reference);
  h5::set_attr(m, "memories_source", header.memories_source);
  h5::set_attr(m, "description", std::string("the base config's model; the swept key overrides it at each point"));

  s.sweep = h5::create_group(s.file, "sweep");
  h5::set_attr(s.sweep, "key", header.key);
  h5::set_attr(s.sweep, "points", static_cast<std::int64_t>(s.P));
  h5::set_attr(s.sweep, "points_done", std::int64_t{0});
  h5::set_attr(s.sweep, "recall_overlap", header.recall_overlap);
  h5::set_attr(s.sweep, "description",
               std::string("one run of the config per value of `key`, same seed; one row per value"));

  h5::write(s.sweep, "values", {H(s.P)}, header.values.data());
  s.values = h5::open_dataset(s.sweep, "values");
  h5::set_attr(s.values, "key", header.key);
  describe(s.values, "the swept values of " + header.key + ", in order (the `point` axis)", {"point"});
  h5::make_scale(s.values, "point");
  s.attractor = index_scale(s.file, "attractor", analysis::attractor_kinds,
                            "attractor kind index; names in attr `labels` (analysis/basins.hpp)");
  h5::set_attr(s.attractor, "labels", kind_labels());

  const hid_t f64 = H5T_NATIVE_DOUBLE, i64 = H5T_NATIVE_INT64;
  s.add("recall_rate", 0, f64, "fraction of queries whose final state is nearest (max cosine) their target", dimensionless);
  s.add("mean_overlap", 0, f64, "mean cosine overlap of the final state with its target", dimensionless);
  s.add("retrieval_rate", 0, f64,
        "fraction of queries labelled `retrieved`: nearest their target with overlap >= recall_overlap", dimensionless);
  s.add("exact_rate", 0, f64,
        "fraction of queries whose final state has every sign of its target (non-zero entries): recall "
        "without a bit error, McEliece et al. 1987", dimensionless);
  s.add("attractors", analysis::attractor_kinds, i64,
        "final states of each kind (columns: attr `labels`; analysis/basins.hpp)", count, "attractor", &s.attractor);
  h5::set_attr(s.sets.at("attractors"), "labels", kind_labels());
  s.add("mean_final_energy", 0, f64, "mean energy of the final states", dimensionless);
  s.add("mean_energy_drop", 0, f64, "mean of initial minus final energy", dimensionless);
  s.add("converged_fraction", 0, f64, "fraction of trajectories stopped early by the convergence test", dimensionless);
  s.add("failed", 0, i64, "trajectories whose integration failed", count);
  s.add("rhs_evaluations", 0, i64, "right-hand-side evaluations, all trajectories", count);
  s.add("energy_max_increase", 0, f64, "largest energy rise between saved times (Lyapunov audit)", dimensionless);
  s.add("energy_violations", 0, i64, "energy rises above the audit tolerance", count);
  s.add("wall_seconds", 0, f64, "wall-clock time of the point", "s");
  s.add("memory_count", 0, i64, "K, stored memories at the point", count);
  s.add("dimension", 0, i64, "N, neurons of the feature layer at the point", count);
  s.add("done", 0, i64,
        "1 once the point's row is written (0: not yet; rows may arrive out of order under MPI)", count);
  s.add("rank", 0, i64, "MPI rank that computed the point (0 in a one-process run)", nullptr);
  s.add("checksum", 0, i64,
        "52-bit FNV-1a hash of the point's stored row (wall_seconds excepted); `mnemo sweep --resume` computes a point again when its "
        "row does not match (a write torn by a crash)", nullptr);
  if (s.B > 0) {
    s.query = index_scale(s.file, "query", s.B, "query index (the same at every point)");
    s.add("overlap", s.B, f64, "cosine overlap of each final state with its target", dimensionless, "query", &s.query);
    s.add("target", s.B, i64, "memory each query was made from", nullptr, "query", &s.query);
    s.add("nearest", s.B, i64, "memory of largest cosine overlap with the final state", nullptr, "query", &s.query);
    s.add("attractor", s.B, i64, "kind of each final state (index into attr `labels`)", nullptr, "query", &s.query);
    h5::set_attr(s.sets.at("attractor"), "labels", kind_labels());
  }
  h5::flush(s.file);
}

SweepWriter::SweepWriter(const std::string& path, const SweepHeader& header, Resume) : path_(path), impl_(new Impl) {
  Impl& s = *impl_;
  const auto refuse = [&](const std::string& why) {
    throw InputError(path + ": cannot resume: " + why + " (run without --resume to start afresh)");
  };
  try {
    s.file = h5::open_file(path, true);
  } catch (const std::exception& e) {
    refuse(e.what());
  }
  try {
    if (!h5::has_attr(s.file, "complete") || !h5::is_dataset(s.file, "sweep/done")) refuse("not a sweep file of this mnemo");
    if (h5::attr_int(s.file, "complete") == 1) refuse("the sweep is already complete");
    if (h5::attr_string(s.file, "config") != header.config_text)
      refuse("the file was written from a different config (root attribute `config`)");
    s.sweep = h5::open_group(s.file, "sweep");
    s.values = h5::open_dataset(s.sweep, "values");
    if (h5::read_doubles(s.values) != header.values) refuse("the grid /sweep/values differs from the config's");
    s.P = static_cast<Eigen::Index>(header.values.size());
    s.B = header.queries;
    s.attractor = h5::open_dataset(s.file, "attractor");
    if (s.B > 0) s.query = h5::open_dataset(s.file, "query");
    // A crash after the basin tables but before `complete`: they are written again at the end.
    if (h5::exists(s.sweep, "basins") && H5Ldelete(s.sweep.id(), "basins", H5P_DEFAULT) < 0)
      refuse("cannot replace /sweep/basins");
    std::vector<std::string> names;
    H5Literate(s.sweep.id(), H5_INDEX_NAME, H5_ITER_INC, nullptr,
               [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
                 static_cast<std::vector<std::string>*>(out)->push_back(name);
                 return 0;
               },
               &names);
    for (const std::string& name : names)
      if (name != "values" && h5::is_dataset(s.sweep, name)) s.sets.emplace(name, h5::open_dataset(s.sweep, name));
    if (!s.sets.count("checksum") || !s.sets.count("rank")) refuse("not a sweep file of this mnemo");
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    refuse(e.what());
  }
}

std::vector<std::optional<SweepRow>> SweepWriter::stored_rows() {
  Impl& s = *impl_;
  const auto P = static_cast<std::size_t>(s.P);
  std::map<std::string, std::vector<double>> data;
  try {
    for (const auto& [name, ds] : s.sets) data[name] = h5::read_doubles(ds);
  } catch (const std::exception& e) {
    throw InputError(path_ + ": cannot resume: " + e.what() + " (run without --resume to start afresh)");
  }
  const auto at = [&](const std::string& name, std::size_t p) { return data.at(name)[p]; };
  const auto slice = [&](const std::string& name, std::size_t p, std::size_t width) {
    const std::vector<double>& v = data.at(name);
    return std::vector<double>(v.begin() + static_cast<std::ptrdiff_t>(p * width),
                               v.begin() + static_cast<std::ptrdiff_t>((p + 1) * width));
  };
  const bool per_query = s.B > 0 && data.count("overlap");
  const auto B = static_cast<std::size_t>(s.B);
  std::vector<std::optional<SweepRow>> rows(P);
  s.done = 0;
  for (std::size_t p = 0; p < P; ++p) {
    if (at("done", p) != 1.0) continue;
    SweepRow r;
    r.recall_rate = at("recall_rate", p);
    r.mean_overlap = at("mean_overlap", p);
    r.retrieval_rate = at("retrieval_rate", p);
    r.exact_rate = at("exact_rate", p);
    r.attractors = slice("attractors", p, analysis::attractor_kinds);
    r.mean_final_energy = at("mean_final_energy", p);
    r.mean_energy_drop = at("mean_energy_drop", p);
    r.converged_fraction = at("converged_fraction", p);
    r.failed = at("failed", p);
    r.rhs_evaluations = at("rhs_evaluations", p);
    r.energy_max_increase = at("energy_max_increase", p);
    r.energy_violations = at("energy_violations", p);
    r.wall_seconds = at("wall_seconds", p);
    r.memory_count = at("memory_count", p);
    r.dimension = at("dimension", p);
    if (per_query) {
      r.overlap = slice("overlap", p, B);
      r.target = slice("target", p, B);
      r.nearest = slice("nearest", p, B);
      r.attractor = slice("attractor", p, B);
    }
    for (const auto& [name, v] : data)
      if (!fixed_rows.count(name) && v.size() == P) {
        const h5::Handle& ds = s.sets.at(name);
        r.metrics.push_back({name, v[p], h5::has_attr(ds, "description") ? h5::attr_string(ds, "description") : ""});
      }
    if (static_cast<double>(row_hash(r, per_query)) != at("checksum", p)) continue;
    rows[p] = std::move(r);
    ++s.done;
  }
  return rows;
}

SweepWriter::~SweepWriter() = default;

SweepRow sweep_row(const SweepPoint& pt) {
  const analysis::SimulationResult& r = *pt.result;
  const auto B = static_cast<Eigen::Index>(r.ensemble.status.size());
  long converged = 0, failed = 0;
  for (auto st : r.ensemble.status) {
    converged += st == dynamics::Status::converged;
    failed += st == dynamics::Status::failed;
  }
  const analysis::AttractorCounts counts = analysis::count_kinds(pt.labels);
  SweepRow row;
  row.recall_rate = r.recall.recall_rate;
  row.mean_overlap = r.recall.mean_overlap;
  row.retrieval_rate = B ? double(counts[0]) / double(B) : 0.0;
  row.exact_rate = pt.exact_rate;
  row.attractors.assign(counts.begin(), counts.end());
  row.mean_final_energy = B ? r.final_energy.mean() : 0.0;
  row.mean_energy_drop = B ? (r.initial_energy - r.final_energy).mean() : 0.0;
  row.converged_fraction = B ? double(converged) / double(B) : 0.0;
  row.failed = double(failed);
  row.rhs_evaluations = double(r.rhs_evaluations);
  row.energy_max_increase = r.audit.max_increase;
  row.energy_violations = double(r.audit.violations);
  row.wall_seconds = r.wall_seconds;
  row.memory_count = double(pt.memories);
  row.dimension = double(pt.dim);
  row.overlap.assign(r.recall.overlap.data(), r.recall.overlap.data() + B);
  for (Eigen::Index b = 0; b < B; ++b) {
    row.target.push_back(r.recall.target[b]);
    row.nearest.push_back(r.recall.nearest[b]);
    row.attractor.push_back(static_cast<double>(pt.labels[static_cast<std::size_t>(b)].kind));
  }
  row.metrics = pt.metrics;
  return row;
}

void SweepWriter::write_point(Eigen::Index p, const SweepPoint& pt) { write_row(p, sweep_row(pt)); }

void SweepWriter::write_row(Eigen::Index p, const SweepRow& r, int rank) {
  Impl& s = *impl_;
  const auto B = static_cast<Eigen::Index>(r.overlap.size());
  s.row("recall_rate", p, r.recall_rate);
  s.row("mean_overlap", p, r.mean_overlap);
  s.row("retrieval_rate", p, r.retrieval_rate);
  s.row("exact_rate", p, r.exact_rate);
  s.row("attractors", p, r.attractors);
  s.row("mean_final_energy", p, r.mean_final_energy);
  s.row("mean_energy_drop", p, r.mean_energy_drop);
  s.row("converged_fraction", p, r.converged_fraction);
  s.row("failed", p, r.failed);
  s.row("rhs_evaluations", p, r.rhs_evaluations);
  s.row("energy_max_increase", p, r.energy_max_increase);
  s.row("energy_violations", p, r.energy_violations);
  s.row("wall_seconds", p, r.wall_seconds);
  s.row("memory_count", p, r.memory_count);
  s.row("dimension", p, r.dimension);
  if (s.B > 0 && B == s.B) {
    s.row("overlap", p, r.overlap);
    s.row("target", p, r.target);
    s.row("nearest", p, r.nearest);
    s.row("attractor", p, r.attractor);
  }
  for (const SweepMetric& m : r.metrics) {
    if (!s.sets.count(m.name)) s.add(m.name, 0, H5T_NATIVE_DOUBLE, m.description, "dimensionless");
    s.row(m.name, p, m.value);
  }
  s.row("rank", p, double(rank));
  s.row("checksum", p, double(row_hash(r, s.B > 0 && B == s.B)));
  s.row("done", p, 1.0);
  h5::set_attr(s.sweep, "points_done", static_cast<std::int64_t>(++s.done));
  if (s.done == s.P || std::chrono::steady_clock::now() - s.flushed >= std::chrono::seconds(1)) s.flush_now();
}

void SweepWriter::write_basins(const analysis::BasinTable& t) {
  Impl& s = *impl_;
  using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using RowInts = Eigen::Matrix<std::int64_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  h5::Handle g = h5::create_group(s.sweep, "basins");
  h5::set_attr(g, "threshold", t.threshold);
  h5::set_attr(g, "pooled_radius", t.pooled_radius);
  h5::set_attr(g, "description",
               std::string("recall (label `retrieved`) probability vs cue distance, per memory; the swept values "
                           "sorted ascending are the distances"));
  const hsize_t L = H(t.levels.size()), K = H(t.radius.size());
  h5::Handle memory = index_scale(s.file, "memory", t.radius.size(), "memory index (row of the memories at every point)");
  h5::write(g, "level", {L}, t.levels.data());
  h5::Handle level = h5::open_dataset(g, "level");
  describe(level, "cue distance (queries.level), ascending", {"level"}, dimensionless);
  h5::make_scale(level, "level");
  auto table = [&](const std::string& name, const std::string& text, const char* units) {
    h5::Handle ds = h5::open_dataset(g, name);
    describe(ds, text, {"level", "memory"}, units);
    h5::attach_scale(ds, level, 0);
    h5::attach_scale(ds, memory, 1);
  };
  const RowInts trials = t.trials.cast<std::int64_t>(), recalled = t.recalled.cast<std::int64_t>();
  const RowMatrix probability = t.probability;
  h5::write(g, "trials", {L, K}, trials.data());
  table("trials", "queries made from each memory at each distance", count);
  h5::write(g, "recalled", {L, K}, recalled.data());
  table("recalled", "of them, final states labelled `retrieved`", count);
  h5::write(g, "probability", {L, K}, probability.data());
  table("probability", "recalled / trials (NaN where a memory had no query)", dimensionless);
  h5::write(g, "pooled", {L}, t.pooled.data());
  h5::Handle pooled = h5::open_dataset(g, "pooled");
  describe(pooled, "recall probability over all memories together", {"level"}, dimensionless);
  h5::attach_scale(pooled, level, 0);
  h5::write(g, "radius", {K}, t.radius.data());
  h5::Handle radius = h5::open_dataset(g, "radius");
  describe(radius,
           "largest tested distance up to which recall probability >= threshold at every distance (0: not even the "
           "smallest; NaN: never queried)",
           {"memory"}, dimensionless);
  h5::attach_scale(radius, memory, 0);
  h5::flush(s.file);
}

void SweepWriter::flush() {
  if (impl_->file.valid()) impl_->flush_now();
}

void SweepWriter::finish() {
  Impl& s = *impl_;
  h5::flush(s.file);
  h5::set_attr(s.file, "complete", std::int64_t{1});
  h5::flush(s.file);
  s.sets.clear();
  s.values = h5::Handle();
  s.sweep = h5::Handle();
  s.file = h5::Handle();
}

}  // namespace mnemo::io

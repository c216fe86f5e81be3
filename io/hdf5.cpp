#include "mnemo/io/hdf5.hpp"

#include <hdf5_hl.h>

#include <stdexcept>

namespace mnemo::io::h5 {
namespace {

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what); }

hid_t check(hid_t id, const std::string& what) {
  if (id < 0) fail(what);
  return id;
}
void check(herr_t status, const char* what, const std::string& name) {
  if (status < 0) fail(std::string(what) + " '" + name + "'");
}

Handle dcpl_chunked(const std::vector<hsize_t>& chunk) {
  Handle p(check(H5Pcreate(H5P_DATASET_CREATE), "HDF5: property list"));
  check(H5Pset_chunk(p.id(), static_cast<int>(chunk.size()), chunk.data()), "cannot chunk", "dataset");
  if (H5Zfilter_avail(H5Z_FILTER_SHUFFLE) > 0) H5Pset_shuffle(p.id());
  if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) H5Pset_deflate(p.id(), 1);
  return p;
}

}  // namespace

void Handle::reset() {
  if (id_ < 0) return;
  switch (H5Iget_type(id_)) {
    case H5I_FILE: H5Fclose(id_); break;
    case H5I_GROUP: H5Gclose(id_); break;
    case H5I_DATASET: H5Dclose(id_); break;
    case H5I_DATASPACE: H5Sclose(id_); break;
    case H5I_DATATYPE: H5Tclose(id_); break;
    case H5I_ATTR: H5Aclose(id_); break;
    case H5I_GENPROP_LST: H5Pclose(id_); break;
    default: break;
  }
  id_ = H5I_INVALID_HID;
}

void silence_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

Handle create_file(const std::string& path) {
  silence_errors();
  return Handle(check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                      "cannot create the HDF5 file (is the directory writable?)"));
}

Handle open_file(const std::string& path, bool writable) {
  silence_errors();
  const htri_t is = H5Fis_hdf5(path.c_str());
  if (is < 0) fail("cannot open the file (missing or unreadable)");
  if (is == 0) fail("not an HDF5 file (or truncated)");
  return Handle(check(H5Fopen(path.c_str(), writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, H5P_DEFAULT),
                      "cannot open the HDF5 file (damaged or truncated)"));
}

void flush(const Handle& file) { check(H5Fflush(file.id(), H5F_SCOPE_GLOBAL), "cannot flush", "file"); }

Handle create_group(const Handle& loc, const std::string& name) {
  return Handle(check(H5Gcreate2(loc.id(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                      "cannot create group '" + name + "'"));
}

Handle open_group(const Handle& loc, const std::string& name) {
  return Handle(check(H5Gopen2(loc.id(), name.c_str(), H5P_DEFAULT), "no group '" + name + "'"));
}

bool exists(const Handle& loc, const std::string& path) {
  std::string part;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    const std::size_t next = path.find('/', pos);
    const std::string piece = path.substr(0, next == std::string::npos ? path.size() : next);
    if (!piece.empty() && piece != "/" && piece != ".") {
      if (H5Lexists(loc.id(), piece.c_str(), H5P_DEFAULT) <= 0) return false;
    }
    if (next == std::string::npos) break;
    pos = next + 1;
  }
  return true;
}

// ---- attributes ---------------------------------------------------------------------------------
namespace {
Handle fresh_attr(const Handle& obj, const std::string& name, hid_t type, hid_t space) {
  if (H5Aexists(obj.id(), name.c_str()) > 0) H5Adelete(obj.id(), name.c_str());
  return Handle(check(H5Acreate2(obj.id(), name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
                      "cannot create attribute '" + name + "'"));
}
}  // namespace

void set_attr(const Handle& obj, const std::string& name, const std::string& value) {
  // Variable-length UTF-8, so h5py returns str (not bytes).
  Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.id(), H5T_VARIABLE);
  H5Tset_cset(type.id(), H5T_CSET_UTF8);
  Handle space(H5Screate(H5S_SCALAR));
  Handle a = fresh_attr(obj, name, type.id(), space.id());
  const char* p = value.c_str();
  check(H5Awrite(a.id(), type.id(), &p), "cannot write attribute", name);
}

void set_attr(const Handle& obj, const std::string& name, double value) {
  Handle space(H5Screate(H5S_SCALAR));
  Handle a = fresh_attr(obj, name, H5T_IEEE_F64LE, space.id());
  check(H5Awrite(a.id(), H5T_NATIVE_DOUBLE, &value), "cannot write attribute", name);
}

void set_attr(const Handle& obj, const std::string& name, std::int64_t value) {
  Handle space(H5Screate(H5S_SCALAR));
  Handle a = fresh_attr(obj, name, H5T_STD_I64LE, space.id());
  check(H5Awrite(a.id(), H5T_NATIVE_INT64, &value), "cannot write attribute", name);
}

namespace {
Handle vector_space(std::size_t n) {
  const hsize_t dims[1] = {static_cast<hsize_t>(n)};
  return Handle(H5Screate_simple(1, dims, nullptr));
}
Handle utf8_vlen_string() {
  Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.id(), H5T_VARIABLE);
  H5Tset_cset(type.id(), H5T_CSET_UTF8);
  return type;
}
}  // namespace

void set_attr(const Handle& obj, const std::string& name, const std::vector<double>& values) {
  Handle space = vector_space(values.size());
  Handle a = fresh_attr(obj, name, H5T_IEEE_F64LE, space.id());
  if (!values.empty()) check(H5Awrite(a.id(), H5T_NATIVE_DOUBLE, values.data()), "cannot write attribute", name);
}

void set_attr(const Handle& obj, const std::string& name, const std::vector<std::string>& values) {
  Handle type = utf8_vlen_string();
  Handle space = vector_space(values.size());
  Handle a = fresh_attr(obj, name, type.id(), space.id());
  std::vector<const char*> p;
  for (const std::string& v : values) p.push_back(v.c_str());
  if (!p.empty()) check(H5Awrite(a.id(), type.id(), p.data()), "cannot write attribute", name);
}

bool has_attr(const Handle& obj, const std::string& name) { return H5Aexists(obj.id(), name.c_str()) > 0; }

namespace {
Handle open_attr(const Handle& obj, const std::string& name) {
  return Handle(check(H5Aopen(obj.id(), name.c_str(), H5P_DEFAULT), "no attribute '" + name + "'"));
}
void require_scalar(const Handle& a, const std::string& name) {
  Handle space(H5Aget_space(a.id()));
  if (H5Sget_simple_extent_npoints(space.id()) != 1) fail("attribute '" + name + "' is not a scalar");
}
}  // namespace

std::string attr_string(const Handle& obj, const std::string& name) {
  Handle a = open_attr(obj, name);
  Handle type(H5Aget_type(a.id()));
  if (H5Tget_class(type.id()) != H5T_STRING) fail("attribute '" + name + "' is not a string");
  require_scalar(a, name);
  if (H5Tis_variable_str(type.id()) > 0) {
    Handle mem(H5Tcopy(H5T_C_S1));
    H5Tset_size(mem.id(), H5T_VARIABLE);
    H5Tset_cset(mem.id(), H5Tget_cset(type.id()));
    char* s = nullptr;
    check(H5Aread(a.id(), mem.id(), &s), "cannot read attribute", name);
    std::string out = s ? s : "";
    Handle space(H5Aget_space(a.id()));
    H5Dvlen_reclaim(mem.id(), space.id(), H5P_DEFAULT, &s);
    return out;
  }
  const std::size_t n = H5Tget_size(type.id());
  if (n > (std::size_t{1} << 30)) fail("attribute '" + name + "' is implausibly large");
  std::string s(n, '\0');
  Handle mem(H5Tcopy(H5T_C_S1));
  H5Tset_size(mem.id(), n);
  H5Tset_cset(mem.id(), H5Tget_cset(type.id()));
  check(H5Aread(a.id(), mem.id(), s.data()), "cannot read attribute", name);
  const auto end = s.find('\0');
  return end == std::string::npos ? s : s.substr(0, end);
}

double attr_double(const Handle& obj, const std::string& name) {
  Handle a = open_attr(obj, name);
  Handle type(H5Aget_type(a.id()));
  const auto cls = H5Tget_class(type.id());
  if (cls != H5T_FLOAT && cls != H5T_INTEGER) fail("attribute '" + name + "' is not numeric");
  require_scalar(a, name);
  double v = 0.0;
  check(H5Aread(a.id(), H5T_NATIVE_DOUBLE, &v), "cannot read attribute", name);
  return v;
}

namespace {
std::size_t attr_points(const Handle& a, const std::string& name) {
  Handle space(H5Aget_space(a.id()));
  const hssize_t n = H5Sget_simple_extent_npoints(space.id());
  if (n < 0) fail("attribute '" + name + "' has no readable extent");
  if (n > (hssize_t{1} << 26)) fail("attribute '" + name + "' is implausibly large");
  return static_cast<std::size_t>(n);
}
}  // namespace

std::vector<double> attr_doubles(const Handle& obj, const std::string& name) {
  Handle a = open_attr(obj, name);
  Handle type(H5Aget_type(a.id()));
  const auto cls = H5Tget_class(type.id());
  if (cls != H5T_FLOAT && cls != H5T_INTEGER) fail("attribute '" + name + "' is not numeric");
  std::vector<double> v(attr_points(a, name));
  if (!v.empty()) check(H5Aread(a.id(), H5T_NATIVE_DOUBLE, v.data()), "cannot read attribute", name);
  return v;
}

std::vector<std::string> attr_strings(const Handle& obj, const std::string& name) {
  Handle a = open_attr(obj, name);
  Handle type(H5Aget_type(a.id()));
  if (H5Tget_class(type.id()) != H5T_STRING) fail("attribute '" + name + "' is not a string");
  const std::size_t n = attr_points(a, name);
  std::vector<std::string> out;
  if (n == 0) return out;
  if (H5Tis_variable_str(type.id()) > 0) {
    Handle mem = utf8_vlen_string();
    H5Tset_cset(mem.id(), H5Tget_cset(type.id()));
    std::vector<char*> p(n, nullptr);
    check(H5Aread(a.id(), mem.id(), p.data()), "cannot read attribute", name);
    for (char* s : p) out.emplace_back(s ? s : "");
    Handle space(H5Aget_space(a.id()));
    H5Dvlen_reclaim(mem.id(), space.id(), H5P_DEFAULT, p.data());
    return out;
  }
  const std::size_t len = H5Tget_size(type.id());
  if (len == 0 || len > (std::size_t{1} << 20)) fail("attribute '" + name + "' has implausible string size");
  std::string buf(n * len, '\0');
  Handle mem(H5Tcopy(H5T_C_S1));
  H5Tset_size(mem.id(), len);
  H5Tset_cset(mem.id(), H5Tget_cset(type.id()));
  check(H5Aread(a.id(), mem.id(), buf.data()), "cannot read attribute", name);
  for (std::size_t i = 0; i < n; ++i) {
    std::string s = buf.substr(i * len, len);
    out.push_back(s.substr(0, s.find('\0')));
  }
  return out;
}

std::int64_t attr_int(const Handle& obj, const std::string& name) {
  Handle a = open_attr(obj, name);
  Handle type(H5Aget_type(a.id()));
  if (H5Tget_class(type.id()) != H5T_INTEGER) fail("attribute '" + name + "' is not an integer");
  require_scalar(a, name);
  std::int64_t v = 0;
  check(H5Aread(a.id(), H5T_NATIVE_INT64, &v), "cannot read attribute", name);
  return v;
}

// ---- datasets -----------------------------------------------------------------------------------
namespace {
void write_whole(const Handle& loc, const std::string& name, const std::vector<hsize_t>& dims, hid_t file_type,
                 hid_t mem_type, const void* data) {
  Handle space(check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), "bad shape for '" + name + "'"));
  hsize_t total = 1;
  for (hsize_t d : dims) total *= d;
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
  if (total * H5Tget_size(file_type) > (1u << 16) && !dims.empty()) {
    // Large arrays: chunk by leading rows and compress.
    std::vector<hsize_t> chunk = dims;
    hsize_t row = total / std::max<hsize_t>(dims[0], 1);
    chunk[0] = std::max<hsize_t>(1, std::min<hsize_t>(dims[0], (1u << 17) / std::max<hsize_t>(row, 1)));
    for (hsize_t& c : chunk) c = std::max<hsize_t>(c, 1);
    dcpl = dcpl_chunked(chunk);
  }
  Handle ds(check(H5Dcreate2(loc.id(), name.c_str(), file_type, space.id(), H5P_DEFAULT, dcpl.id(), H5P_DEFAULT),
                  "cannot create dataset '" + name + "'"));
  if (total > 0) check(H5Dwrite(ds.id(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "cannot write dataset", name);
}
}  // namespace

void write(const Handle& loc, const std::string& name, const std::vector<hsize_t>& dims, const double* data) {
  write_whole(loc, name, dims, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, data);
}
void write(const Handle& loc, const std::string& name, const std::vector<hsize_t>& dims, const std::int64_t* data) {
  write_whole(loc, name, dims, H5T_STD_I64LE, H5T_NATIVE_INT64, data);
}

Handle create_chunked(const Handle& loc, const std::string& name, const std::vector<hsize_t>& dims,
                      const std::vector<hsize_t>& chunk, hid_t type, std::size_t cache_bytes) {
  Handle space(check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), "bad shape for '" + name + "'"));
  Handle dcpl = dcpl_chunked(chunk);
  const hid_t file_type = type == H5T_NATIVE_DOUBLE ? H5T_IEEE_F64LE : type;
  Handle dapl(H5Pcreate(H5P_DATASET_ACCESS));
  if (cache_bytes > 0) H5Pset_chunk_cache(dapl.id(), 12421, cache_bytes, 1.0);
  return Handle(check(H5Dcreate2(loc.id(), name.c_str(), file_type, space.id(), H5P_DEFAULT, dcpl.id(), dapl.id()),
                      "cannot create dataset '" + name + "'"));
}

void write_block(const Handle& ds, const std::vector<hsize_t>& offset, const std::vector<hsize_t>& count,
                 const double* data) {
  Handle fspace(H5Dget_space(ds.id()));
  check(H5Sselect_hyperslab(fspace.id(), H5S_SELECT_SET, offset.data(), nullptr, count.data(), nullptr),
        "bad selection in", "dataset");
  Handle mspace(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr));
  check(H5Dwrite(ds.id(), H5T_NATIVE_DOUBLE, mspace.id(), fspace.id(), H5P_DEFAULT, data), "cannot write", "dataset block");
}

Handle open_dataset(const Handle& loc, const std::string& name) {
  if (!exists(loc, name)) fail("missing dataset '" + name + "'");
  return Handle(check(H5Dopen2(loc.id(), name.c_str(), H5P_DEFAULT), "cannot open dataset '" + name + "'"));
}

std::vector<hsize_t> shape(const Handle& ds) {
  Handle space(H5Dget_space(ds.id()));
  const int rank = H5Sget_simple_extent_ndims(space.id());
  if (rank < 0) fail("bad dataspace");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr);
  return dims;
}

bool is_float(const Handle& ds) {
  Handle type(H5Dget_type(ds.id()));
  return H5Tget_class(type.id()) == H5T_FLOAT;
}
bool is_integer(const Handle& ds) {
  Handle type(H5Dget_type(ds.id()));
  return H5Tget_class(type.id()) == H5T_INTEGER;
}

namespace {
hsize_t checked_count(const Handle& ds) {
  hsize_t n = 1;
  for (hsize_t d : shape(ds)) {
    if (d != 0 && n > (hsize_t{1} << 34) / d) fail("dataset too large to read");
    n *= d;
  }
  return n;
}
}  // namespace

std::vector<double> read_doubles(const Handle& ds) {
  Handle type(H5Dget_type(ds.id()));
  const auto cls = H5Tget_class(type.id());
  if (cls != H5T_FLOAT && cls != H5T_INTEGER) fail("dataset is not numeric");
  std::vector<double> v(checked_count(ds));
  if (!v.empty()) check(H5Dread(ds.id(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), "cannot read", "dataset (damaged?)");
  return v;
}

std::vector<std::int64_t> read_ints(const Handle& ds) {
  if (!is_integer(ds)) fail("dataset is not integer");
  std::vector<std::int64_t> v(checked_count(ds));
  if (!v.empty()) check(H5Dread(ds.id(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), "cannot read", "dataset (damaged?)");
  return v;
}

void make_scale(const Handle& ds, const std::string& name) {
  check(H5DSset_scale(ds.id(), name.c_str()), "cannot make dimension scale", name);
}
void attach_scale(const Handle& ds, const Handle& scale, unsigned axis) {
  check(H5DSattach_scale(ds.id(), scale.id(), axis), "cannot attach dimension scale", "axis");
}
void label_axes(const Handle& ds, const std::vector<std::string>& labels) {
  for (unsigned i = 0; i < labels.size(); ++i)
    check(H5DSset_label(ds.id(), i, labels[i].c_str()), "cannot label axis", labels[i]);
}
std::vector<std::string> axis_labels(const Handle& ds) {
  std::vector<std::string> out(shape(ds).size());
  for (unsigned i = 0; i < out.size(); ++i) {
    char buf[256] = {0};
    if (H5DSget_label(ds.id(), i, buf, sizeof buf) > 0) out[i] = buf;
  }
  return out;
}
bool is_dataset(const Handle& loc, const std::string& path) {
  if (!exists(loc, path)) return false;
  Handle o(H5Oopen(loc.id(), path.c_str(), H5P_DEFAULT));
  return o.valid() && H5Iget_type(o.id()) == H5I_DATASET;
}
bool is_scale(const Handle& ds) { return H5DSis_scale(ds.id()) > 0; }
std::string scale_name(const Handle& ds) {
  char buf[256] = {0};
  return H5DSget_scale_name(ds.id(), buf, sizeof buf) > 0 ? std::string(buf) : std::string();
}

}  // namespace mnemo::io::h5

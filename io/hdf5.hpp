#pragma once
// A thin RAII layer over the HDF5 C API (and its dimension-scale API, H5DS): the only header of
// mnemo that includes hdf5.h. Every failure becomes an exception naming the file and object;
// HDF5's own error-stack printing is switched off.
#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mnemo::io::h5 {

// Owns one hid_t and closes it with the right H5?close.
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& o) noexcept : id_(o.id_) { o.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = o.id_;
      o.id_ = H5I_INVALID_HID;
    }
    return *this;
  }
  ~Handle() { reset(); }
  hid_t id() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void reset();

 private:
  hid_t id_ = H5I_INVALID_HID;
};

void silence_errors();  // H5Eset_auto off; call once before any other use

Handle create_file(const std::string& path);  // truncates
Handle open_file(const std::string& path, bool writable = false);
void flush(const Handle& file);

Handle create_group(const Handle& loc, const std::string& name);
Handle open_group(const Handle& loc, const std::string& name);
bool exists(const Handle& loc, const std::string& path);  // every link on the path

// Attributes (scalars and strings; overwritten if present).
void set_attr(const Handle& obj, const std::string& name, const std::string& value);
void set_attr(const Handle& obj, const std::string& name, double value);
void set_attr(const Handle& obj, const std::string& name, std::int64_t value);
// One-dimensional attributes (array parameters of a model); an empty list is a zero-length array.
void set_attr(const Handle& obj, const std::string& name, const std::vector<double>& values);
void set_attr(const Handle& obj, const std::string& name, const std::vector<std::string>& values);
bool has_attr(const Handle& obj, const std::string& name);
std::string attr_string(const Handle& obj, const std::string& name);
double attr_double(const Handle& obj, const std::string& name);
std::int64_t attr_int(const Handle& obj, const std::string& name);
std::vector<double> attr_doubles(const Handle& obj, const std::string& name);       // numeric, any rank
std::vector<std::string> attr_strings(const Handle& obj, const std::string& name);  // string, any rank

// Whole datasets, row-major data.
void write(const Handle& loc, const std::string& name, const std::vector<hsize_t>& dims, const double* data);
void write(const Handle& loc, const std::string& name, const std::vector<hsize_t>& dims, const std::int64_t* data);

// A chunked, compressed dataset written piece by piece.
Handle create_chunked(const Handle& loc, const std::string& name, const std::vector<hsize_t>& dims,
                      const std::vector<hsize_t>& chunk, hid_t type = H5T_NATIVE_DOUBLE, std::size_t cache_bytes = 0);
// Writes `data` (row-major, shape `count`) at `offset`.
void write_block(const Handle& dataset, const std::vector<hsize_t>& offset, const std::vector<hsize_t>& count,
                 const double* data);

Handle open_dataset(const Handle& loc, const std::string& name);
std::vector<hsize_t> shape(const Handle& dataset);
bool is_float(const Handle& dataset);
bool is_integer(const Handle& dataset);
std::vector<double> read_doubles(const Handle& dataset);
std::vector<std::int64_t> read_ints(const Handle& dataset);

// Dimension scales (H5DS): name the axes so h5py/xarray users see them.
void make_scale(const Handle& dataset, const std::string& name);
void attach_scale(const Handle& dataset, const Handle& scale, unsigned axis);
void label_axes(const Handle& dataset, const std::vector<std::string>& labels);
std::vector<std::string> axis_labels(const Handle& dataset);  // "" for unlabelled axes
bool is_dataset(const Handle& loc, const std::string& path);   // exists and is a dataset (not a group)
bool is_scale(const Handle& dataset);
std::string scale_name(const Handle& dataset);  // the name given to make_scale ("" if none)

}  // namespace mnemo::io::h5

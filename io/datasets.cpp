#include "mnemo/io/datasets.hpp"

#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <memory>
#include <numeric>
#include <sstream>
#include <vector>

#include "mnemo/io/hdf5.hpp"
#include "mnemo/io/hdf5_guard.hpp"
#include "mnemo/io/input_error.hpp"
#include "mnemo/io/memory_budget.hpp"

namespace mnemo::io {
namespace {

std::string gunzip(const std::string& path) {
  std::unique_ptr<gzFile_s, int (*)(gzFile)> f(gzopen(path.c_str(), "rb"), gzclose);
  if (!f) throw InputError(path + ": cannot open the data file");
  std::string out;
  char buf[1 << 16];
  int n = 0;
  while ((n = gzread(f.get(), buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  if (n < 0) throw InputError(path + ": damaged gzip data");
  return out;
}

std::uint32_t be32(const std::string& s, std::size_t at) {
  return (std::uint32_t(static_cast<unsigned char>(s[at])) << 24) | (std::uint32_t(static_cast<unsigned char>(s[at + 1])) << 16) |
         (std::uint32_t(static_cast<unsigned char>(s[at + 2])) << 8) | std::uint32_t(static_cast<unsigned char>(s[at + 3]));
}

// The first `rows` rows of a 2-D numeric dataset, as doubles: only what is used is read, so a file
// declaring a huge dataset costs no more than the rows asked for.
Eigen::MatrixXd read_rows(const h5::Handle& ds, hsize_t rows, hsize_t cols) {
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  RowMajor m(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
  if (rows == 0 || cols == 0) return m;
  h5::Handle file_space(H5Dget_space(ds.id()));
  const hsize_t start[2] = {0, 0}, count[2] = {rows, cols};
  if (!file_space.valid() || H5Sselect_hyperslab(file_space.id(), H5S_SELECT_SET, start, nullptr, count, nullptr) < 0)
    throw std::runtime_error("cannot select the first rows");
  h5::Handle mem_space(H5Screate_simple(2, count, nullptr));
  if (!mem_space.valid() || H5Dread(ds.id(), H5T_NATIVE_DOUBLE, mem_space.id(), file_space.id(), H5P_DEFAULT, m.data()) < 0)
    throw std::runtime_error("cannot read (damaged or not convertible to float64)");
  return m;
}

}  // namespace

Images read_idx_images(const std::string& images_gz, const std::string& labels_gz) {
  const std::string img = gunzip(images_gz);
  if (img.size() < 16 || be32(img, 0) != 0x00000803) throw InputError(images_gz + ": not an IDX image file");
  const std::uint32_t n = be32(img, 4), h = be32(img, 8), w = be32(img, 12);
  if (img.size() < 16 + std::size_t(n) * h * w) throw InputError(images_gz + ": truncated IDX image file");
  Images out;
  out.height = h;
  out.width = w;
  out.pixels.resize(n, h * w);
  for (std::uint32_t k = 0; k < n; ++k)
    for (std::uint32_t i = 0; i < h * w; ++i)
      out.pixels(k, i) = static_cast<unsigned char>(img[16 + std::size_t(k) * h * w + i]) / 255.0;
  out.labels = Eigen::VectorXi::Constant(n, -1);
  if (!labels_gz.empty()) {
    const std::string lab = gunzip(labels_gz);
    if (lab.size() < 8 + n || be32(lab, 0) != 0x00000801) throw InputError(labels_gz + ": not an IDX label file");
    for (std::uint32_t k = 0; k < n; ++k) out.labels[k] = static_cast<unsigned char>(lab[8 + k]);
  }
  return out;
}

Images read_digits_csv(const std::string& csv_gz) {
  std::istringstream in(gunzip(csv_gz));
  std::vector<std::vector<double>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<double> r;
    std::istringstream ls(line);
    std::string cell;
    while (std::getline(ls, cell, ',')) r.push_back(std::stod(cell));
    if (r.size() != 65) throw InputError(csv_gz + ": expected 64 pixels and a label per row");
    rows.push_back(std::move(r));
  }
  Images out;
  out.height = out.width = 8;
  out.pixels.resize(static_cast<Eigen::Index>(rows.size()), 64);
  out.labels.resize(static_cast<Eigen::Index>(rows.size()));
  for (std::size_t k = 0; k < rows.size(); ++k) {
    for (int i = 0; i < 64; ++i) out.pixels(static_cast<Eigen::Index>(k), i) = rows[k][i] / 16.0;
    out.labels[static_cast<Eigen::Index>(k)] = static_cast<int>(rows[k][64]);
  }
  return out;
}

Images load_images(const MemoriesConfig& c, const std::string& file) {
  auto bad = [&](const std::string& key, const std::string& why) { return InputError(file + ": key 'memories." + key + "': " + why); };
  if (c.source != "fashion_mnist" && c.source != "digits")
    throw bad("source", "must be an image source with labels (digits or fashion_mnist), got '" + c.source + "'");
  try {
    if (c.source == "digits") return read_digits_csv(c.path.empty() ? digits_csv : c.path);
    const std::string dir = c.path.empty() ? fashion_mnist_dir : c.path;
    const std::string prefix = c.split == "train" ? "/train" : "/t10k";
    return read_idx_images(dir + prefix + "-images-idx3-ubyte.gz", dir + prefix + "-labels-idx1-ubyte.gz");
  } catch (const InputError& e) {
    throw bad("source", std::string(e.what()) + " (install Debian's " +
                            (c.source == "fashion_mnist" ? "dataset-fashion-mnist" : "python3-sklearn") + ")");
  }
}

Memories load_memories(const MemoriesConfig& c, std::uint64_t seed, const std::string& file) {
  models::Rng rng(seed, models::stream::memories);
  auto bad = [&](const std::string& key, const std::string& why) { return InputError(file + ": key 'memories." + key + "': " + why); };
  Memories m;
  std::ostringstream d;
  if (c.source == "random_binary" || c.source == "random_gaussian") {
    require_memory(double(c.count) * double(c.dim) * 8.0, file + ": key 'memories.count'",
                   std::to_string(c.count) + " x " + std::to_string(c.dim) + " patterns (float64)");
    m.patterns = c.source == "random_binary" ? models::random_binary(c.count, c.dim, rng) : models::random_gaussian(c.count, c.dim, rng);
    d << c.source << ", " << c.count << " x " << c.dim << ", seeded";
  } else if (c.source == "fashion_mnist" || c.source == "digits") {
    Images im;
    std::string where;
    try {
      if (c.source == "fashion_mnist") {
        const std::string dir = c.path.empty() ? fashion_mnist_dir : c.path;
        const std::string prefix = c.split == "train" ? "/train" : "/t10k";
        where = dir;
        im = read_idx_images(dir + prefix + "-images-idx3-ubyte.gz", dir + prefix + "-labels-idx1-ubyte.gz");
      } else {
        where = c.path.empty() ? digits_csv : c.path;
        im = read_digits_csv(where);
      }
    } catch (const InputError& e) {
      throw bad("source", std::string(e.what()) + " (install Debian's " +
                              (c.source == "fashion_mnist" ? "dataset-fashion-mnist" : "python3-sklearn") + ")");
    }
    if (c.dim && c.dim != im.pixels.cols())
      throw bad("dim", "is " + std::to_string(c.dim) + " but " + c.source + " images have " + std::to_string(im.pixels.cols()) + " pixels");
    if (c.count > im.pixels.rows())
      throw bad("count", "is " + std::to_string(c.count) + " but " + where + " holds " + std::to_string(im.pixels.rows()) + " images");
    std::vector<Eigen::Index> idx(static_cast<std::size_t>(im.pixels.rows()));
    std::iota(idx.begin(), idx.end(), Eigen::Index{0});
    if (c.select == "random")
      for (Eigen::Index j = 0; j < c.count; ++j)
        std::swap(idx[j], idx[j + static_cast<Eigen::Index>(rng.below(static_cast<std::uint64_t>(idx.size() - j)))]);
    m.patterns.resize(c.count, im.pixels.cols());
    for (Eigen::Index k = 0; k < c.count; ++k) m.patterns.row(k) = im.pixels.row(idx[k]);
    d << c.source << " (" << where << "), " << c.count << " images, " << (c.select == "random" ? "chosen with the seed" : "the first ones");
  } else if (c.source == "hdf5") {
    const auto read = [&]() -> Eigen::MatrixXd {
      try {
        h5::Handle f = h5::open_file(c.path);
        h5::Handle ds = h5::open_dataset(f, c.dataset);
        const auto dims = h5::shape(ds);
        if (dims.size() != 2) throw bad("dataset", "'" + c.dataset + "' in " + c.path + " must be 2-D (K x N)");
        if (c.dim && hsize_t(c.dim) != dims[1])
          throw bad("dim", "is " + std::to_string(c.dim) + " but '" + c.dataset + "' in " + c.path + " has " + std::to_string(dims[1]) + " columns");
        if (hsize_t(c.count) > dims[0])
          throw bad("count", "is " + std::to_string(c.count) + " but '" + c.dataset + "' in " + c.path + " has " + std::to_string(dims[0]) + " rows");
        if (dims[1] == 0) throw bad("dataset", "'" + c.dataset + "' in " + c.path + " has 0 columns");
        if (!h5::is_float(ds) && !h5::is_integer(ds))
          throw bad("dataset", "'" + c.dataset + "' in " + c.path + " must hold numbers (float or integer), not another type");
        require_memory(double(c.count) * double(dims[1]) * 8.0, file + ": key 'memories.count'",
                       std::to_string(c.count) + " rows of " + std::to_string(dims[1]) + " columns of '" + c.dataset + "'");
        Eigen::MatrixXd patterns = read_rows(ds, hsize_t(c.count), dims[1]);
        // NaN/Inf are refused here, naming where they are, before anything is normalised.
        for (Eigen::Index i = 0; i < patterns.rows(); ++i)
          for (Eigen::Index j = 0; j < patterns.cols(); ++j)
            if (!std::isfinite(patterns(i, j)))
              throw InputError(c.path + ": dataset '" + c.dataset + "': row " + std::to_string(i) + ", column " +
                               std::to_string(j) + " is " + (std::isnan(patterns(i, j)) ? "NaN" : "infinite") +
                               " (key 'memories.dataset' of " + file + ")");
        return patterns;
      } catch (const InputError&) {
        throw;
      } catch (const std::exception& e) {
        throw InputError(c.path + ": dataset '" + c.dataset + "': " + e.what());
      }
    };
    // A damaged file may crash libhdf5 itself: read it in a child process first (hdf5_guard.hpp).
    screen_hdf5_read(c.path, [&] { (void)read(); });
    m.patterns = read();
    d << "hdf5 " << c.path << ":" << c.dataset << ", first " << c.count << " rows";
  } else {
    throw bad("source", "unknown source '" + c.source + "'");
  }
  if (!m.patterns.allFinite()) throw bad("source", "the patterns contain NaN or Inf");
  models::normalize_rows(m.patterns, c.normalize);
  d << (c.normalize == models::Normalize::unit ? ", unit-normalized" : c.normalize == models::Normalize::sign ? ", sign-thresholded" : "");
  m.description = d.str();
  return m;
}

}  // namespace mnemo::io

#pragma once
// Where stored patterns come from: random patterns (seeded), images that ship with Debian
// packages (Fashion-MNIST from dataset-fashion-mnist, the 8x8 digits CSV inside python3-sklearn)
// and a dataset of any HDF5 file. Nothing is downloaded.
#include <string>

#include "mnemo/io/config.hpp"

namespace mnemo::io {

inline constexpr const char* fashion_mnist_dir = "/usr/share/datasets/fashion-mnist";
inline constexpr const char* digits_csv = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";

// Images as rows of pixel values in [0, 1], with their labels.
struct Images {
  Eigen::MatrixXd pixels;
  Eigen::VectorXi labels;
  Eigen::Index height = 0, width = 0;
};
Images read_idx_images(const std::string& images_gz, const std::string& labels_gz);  // IDX (LeCun), gzipped
Images read_digits_csv(const std::string& csv_gz);

struct Memories {
  Eigen::MatrixXd patterns;  // K x N
  std::string description;   // e.g. "fashion_mnist train, 50 images chosen with the seed, unit-normalized"
};
// Throws InputError naming the config file and key (or the data file) on any problem.
Memories load_memories(const MemoriesConfig& config, std::uint64_t seed, const std::string& config_file);
// Every image of an image source (fashion_mnist: the configured split; digits) with its labels,
// for kinds that choose their stored and held-out images themselves (entropic). Throws InputError.
Images load_images(const MemoriesConfig& config, const std::string& config_file);

}  // namespace mnemo::io

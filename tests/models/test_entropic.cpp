// Entropic associative memory (models/entropic_memory.hpp; notes
// shared/papers/hernandez-2024-entropic-am.md section 6): the register's operations on a small
// table, the limits of retrieval, and the papers' signature at reduced size on sklearn's digits.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "mnemo/io/datasets.hpp"
#include "mnemo/models/entropic_memory.hpp"

using namespace mnemo::models;

namespace {
Vector vec(std::initializer_list<double> v) {
  Vector x(static_cast<Eigen::Index>(v.size()));
  Eigen::Index i = 0;
  for (double d : v) x[i++] = d;
  return x;
}
EamOptions options(int m, EamCells cells, int xi = 0) {
  EamOptions o;
  o.rows = m;
  o.cells = cells;
  o.tolerance = xi;
  return o;
}
}  // namespace

TEST(EntropicRegister, RegisterCountsAndEntropy) {
  AssociativeRegister r(4, options(3, EamCells::binary));
  r.register_object(vec({0, 1, 2, 0}));
  r.register_object(vec({0, 2, 2, 3}));  // 3 = m: undefined, counted in row m
  r.register_object(vec({1, 2, 2, 0}));
  const Eigen::MatrixXi& w = r.counts();
  EXPECT_EQ(w(0, 0), 2);
  EXPECT_EQ(w(1, 0), 1);
  EXPECT_EQ(w(1, 1), 1);
  EXPECT_EQ(w(2, 1), 2);
  EXPECT_EQ(w(2, 2), 3);
  EXPECT_EQ(w(3, 3), 1);
  EXPECT_EQ(w(0, 3), 2);
  EXPECT_EQ(w.sum(), 12);
  // Binary: mean_j log2(marked cells in rows 0..m-1) = (1 + 1 + 0 + 0) / 4.
  EXPECT_DOUBLE_EQ(r.entropy(), 0.5);
  AssociativeRegister q(4, options(3, EamCells::weighted));
  for (const Vector& v : {vec({0, 1, 2, 0}), vec({0, 2, 2, 3}), vec({1, 2, 2, 0})}) q.register_object(v);
  const double h = -(2.0 / 3 * std::log2(2.0 / 3) + 1.0 / 3 * std::log2(1.0 / 3));
  EXPECT_NEAR(q.entropy(), (h + h + 0.0 + 0.0) / 4.0, 1e-12);
}

TEST(EntropicRegister, UniformColumnHasEntropyLog2mAndEmptyColumnZero) {
  AssociativeRegister r(2, options(8, EamCells::weighted));
  for (int i = 0; i < 8; ++i) r.register_object(vec({double(i), 8.0}));  // column 1 always undefined
  EXPECT_NEAR(r.entropy(), (3.0 + 0.0) / 2.0, 1e-12);
}

TEST(EntropicRegister, RecognitionCountsEmptyCellsAndUndefinedFeatures) {
  AssociativeRegister strict(4, options(3, EamCells::binary, 0));
  AssociativeRegister lenient(4, options(3, EamCells::binary, 1));
  for (AssociativeRegister* r : {&strict, &lenient}) {
    r->register_object(vec({0, 1, 2, 0}));
    r->register_object(vec({1, 1, 2, 1}));
  }
  EXPECT_TRUE(strict.recognise(vec({1, 1, 2, 0})));  // every cell marked (mixing stored objects)
  EXPECT_EQ(strict.mismatches(vec({2, 1, 2, 0})), 1);
  EXPECT_FALSE(strict.recognise(vec({2, 1, 2, 0})));
  EXPECT_TRUE(lenient.recognise(vec({2, 1, 2, 0})));
  EXPECT_EQ(strict.mismatches(vec({0, 1, 3, 0})), 1);  // undefined feature = a mismatch (W-EAM)
  EXPECT_FALSE(strict.recognise(vec({0, 1, 3, 0})));
  EXPECT_EQ(strict.defined_mismatches(vec({0, 1, 3, 0})), 0);
}

TEST(EntropicRegister, NarrowWeightedRetrievalReturnsTheCue) {
  EamOptions o = options(16, EamCells::weighted);
  o.sigma = 1e-3;  // sigma * m << 1 row
  AssociativeRegister r(3, o);
  Rng fill(3, 0);
  for (int k = 0; k < 200; ++k) r.register_object(vec({double(fill.below(16)), double(fill.below(16)), double(fill.below(16))}));
  Rng rng(4, 0);
  for (int t = 0; t < 2000; ++t) {
    Vector cue = vec({double(rng.below(16)), double(rng.below(16)), double(rng.below(16))});
    Vector got = r.retrieve(cue, rng);
    for (int j = 0; j < 3; ++j)
      if (r.counts()(int(cue[j]), j) > 0) {
        ASSERT_EQ(got[j], cue[j]);
      }
  }
}

TEST(EntropicRegister, WideWeightedRetrievalFollowsTheCounts) {
  EamOptions o = options(4, EamCells::weighted);
  o.sigma = 1e6;
  AssociativeRegister r(1, o);
  const int counts[4] = {1, 2, 3, 4};
  for (int i = 0; i < 4; ++i)
    for (int c = 0; c < counts[i]; ++c) r.register_object(vec({double(i)}));
  Rng rng(5, 0);
  std::vector<double> hist(4, 0.0);
  const int draws = 20000;
  for (int t = 0; t < draws; ++t) hist[static_cast<std::size_t>(r.retrieve(vec({0}), rng)[0])] += 1.0;
  double chi2 = 0.0;  // 3 degrees of freedom: p > 0.001 below 16.3
  for (int i = 0; i < 4; ++i) {
    const double e = draws * counts[i] / 10.0;
    chi2 += (hist[i] - e) * (hist[i] - e) / e;
  }
  EXPECT_LT(chi2, 16.3);
}

TEST(EntropicRegister, BinaryRetrievalIsTriangularOnTheMarkedRun) {
  AssociativeRegister r(1, options(16, EamCells::binary));
  for (int i = 3; i <= 11; ++i) r.register_object(vec({double(i)}));  // run [3, 11]
  r.register_object(vec({14}));
  Rng rng(6, 0);
  double mean = 0.0;
  const int draws = 20000;
  for (int t = 0; t < draws; ++t) {
    const double x = r.retrieve(vec({5}), rng)[0];
    ASSERT_GE(x, 3);
    ASSERT_LE(x, 11);
    mean += x / draws;
  }
  EXPECT_NEAR(mean, (3.0 + 11.0 + 5.0) / 3.0, 0.05 * 8);
  // A cue on an empty cell draws uniformly among the column's marked rows.
  for (int t = 0; t < 200; ++t) {
    const double x = r.retrieve(vec({1}), rng)[0];
    ASSERT_TRUE((x >= 3 && x <= 11) || x == 14);
  }
}

TEST(EntropicRegister, QuantiserMarksOutOfRangeFeaturesUndefined) {
  Quantiser q{vec({0.0, -1.0}), vec({1.0, 1.0}), 5};
  const Vector v = q(vec({0.5, 1.5}));
  EXPECT_EQ(v[0], 2);
  EXPECT_EQ(v[1], 5);
  EXPECT_EQ(q(vec({-0.2, -1.0}))[0], 5);
  EXPECT_EQ(q(vec({1.0, -1.0}))[0], 4);
}

// The papers' signature (references row 12; Table A of the notes for MNIST): as the rows m grow,
// precision rises from chance, recall rises and then falls (more cues meet an empty cell and go
// unrecognised), and the registers' entropy grows about like log2 m. Reduced size: digits, 1200
// images stored, 400 held-out cues, 16 principal components, binary cells (2021 system).
TEST(EntropicSignature, PrecisionRecallEntropyVersusRowsOnDigits) {
  if (!std::ifstream(mnemo::io::digits_csv)) GTEST_SKIP() << "python3-sklearn's digits.csv.gz is not installed";
  const mnemo::io::Images im = mnemo::io::read_digits_csv(mnemo::io::digits_csv);
  const std::vector<int> ms = {1, 2, 4, 8, 16, 32, 64, 128};
  std::vector<double> precision, recall, entropy;
  for (int m : ms) {
    EamOptions o = options(m, EamCells::binary);
    EntropicMemory mem(im.pixels, im.labels, 1200, 16, o, Normalize::none, Corruption::gaussian, 0.0, 1);
    Rng rng(1, stream::queries);
    const Cues cues = mem.make_cues(400, rng);
    const auto metrics = mem.recall_metrics(cues.cues, cues.cues, cues.targets);
    precision.push_back(metrics[0].value);
    recall.push_back(metrics[1].value);
    entropy.push_back(metrics[3].value);
    std::printf("m = %3d: precision %.3f recall %.3f entropy %.3f\n", m, precision.back(), recall.back(), entropy.back());
  }
  // m = 1: every register recognises everything with entropy 0; the first class answers: chance.
  EXPECT_LT(precision[0], 0.2);
  EXPECT_DOUBLE_EQ(entropy[0], 0.0);
  for (std::size_t i = 1; i < ms.size(); ++i) {
    EXPECT_GT(entropy[i], entropy[i - 1]);
    EXPECT_LE(entropy[i], std::log2(ms[i]) + 1e-12);
  }
  EXPECT_GT(precision[4], precision[1] + 0.3);  // m = 16 vs m = 2
  EXPECT_GT(precision.back(), 0.9);             // m = 128: whatever is recognised is right
  const auto peak = std::max_element(recall.begin(), recall.end()) - recall.begin();
  EXPECT_GT(peak, 2);                                  // recall first rises ...
  EXPECT_LT(peak, static_cast<long>(ms.size()) - 1);   // ... then falls
  EXPECT_LT(recall.back(), 0.5 * recall[static_cast<std::size_t>(peak)]);
}

TEST(EntropicMemory, RecallNeverRaisesTheObjectiveAndTablesHaveTheirShapes) {
  if (!std::ifstream(mnemo::io::digits_csv)) GTEST_SKIP() << "python3-sklearn's digits.csv.gz is not installed";
  const mnemo::io::Images im = mnemo::io::read_digits_csv(mnemo::io::digits_csv);
  EntropicMemory mem(im.pixels, im.labels, 1000, 12, options(8, EamCells::weighted), Normalize::unit,
                     Corruption::gaussian, 0.1, 2);
  Rng rng(2, stream::queries);
  const Cues cues = mem.make_cues(50, rng);
  for (Eigen::Index b = 0; b < 50; ++b) {
    auto r = mem.recall(cues.cues.row(b).transpose(), recall_rng(2, b));
    const double before = r->objective();
    r->step();
    EXPECT_TRUE(r->converged());
    EXPECT_LE(r->objective(), before);
    EXPECT_EQ(r->objective(), 0.0);
    EXPECT_EQ(mem.memory_labels()[cues.targets[b]] >= 0, true);
  }
  const auto tables = mem.matrices();
  EXPECT_EQ(tables.at("registers").rows(), 10 * 9);
  EXPECT_EQ(tables.at("registers").cols(), 12);
  EXPECT_EQ(tables.at("registers").sum(), 1000.0 * 12);
  EXPECT_EQ(tables.at("pca_components").rows(), 64);
}

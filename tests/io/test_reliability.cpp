// Issue 9: the guard that keeps libhdf5's crashes on damaged files from becoming mnemo's signals,
// and the memory estimates that refuse runs which would exhaust the machine.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <string>

#include "mnemo/io/hdf5_guard.hpp"
#include "mnemo/io/input_error.hpp"
#include "mnemo/io/memory_budget.hpp"
#include "mnemo/io/run_file.hpp"

namespace mnemo::io {
namespace {

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Hdf5Guard, ACrashingReadIsRefusedNotPropagated) {
  // The child dies from SIGSEGV; this process survives and reports the file as damaged.
  const std::string m = message_of([] { screen_hdf5_read("bad.h5", [] { std::raise(SIGSEGV); }); });
  EXPECT_NE(m.find("bad.h5: damaged HDF5 file: the HDF5 library crashed reading it"), std::string::npos) << m;
}

TEST(Hdf5Guard, AHangingReadIsRefusedAfterTheTimeLimit) {
  const std::string m = message_of([] { screen_hdf5_read("slow.h5", [] { pause(); }, 1); });
  EXPECT_NE(m.find("slow.h5: damaged HDF5 file: reading it did not finish within 1 s"), std::string::npos) << m;
}

TEST(Hdf5Guard, ErrorsAndSuccessInTheChildAreLeftToTheParent) {
  EXPECT_NO_THROW(screen_hdf5_read("x.h5", [] {}));
  EXPECT_NO_THROW(screen_hdf5_read("x.h5", [] { throw InputError("reported by the parent's own pass"); }));
  EXPECT_NO_THROW(screen_hdf5_read("x.h5", [] { throw std::runtime_error("also"); }));
}

TEST(Hdf5Guard, InspectFileRefusesGarbageWithExit2Semantics) {
  const std::string path = testing::TempDir() + "/mnemo-guard-garbage.h5";
  {
    std::ofstream f(path, std::ios::binary);
    f << "\x89HDF\r\n\x1a\n" << std::string(600, '\xff');
  }
  EXPECT_THROW(inspect_file(path), InputError);
  std::remove(path.c_str());
}

TEST(MemoryBudget, RefusesWithAnEstimateAndTheMachinesMemory) {
  ASSERT_GT(physical_memory_bytes(), 1e8);  // any machine that builds mnemo has > 100 MB
  EXPECT_NO_THROW(require_memory(1e6, "run.toml: key 'queries.count'", "10 trajectories"));
  const std::string m = message_of([] { require_memory(8e15, "run.toml: key 'queries.count'", "1e9 trajectories"); });
  EXPECT_NE(m.find("run.toml: key 'queries.count': 1e9 trajectories need about 8 PB"), std::string::npos) << m;
  EXPECT_NE(m.find("this machine has"), std::string::npos) << m;
  EXPECT_EQ(format_bytes(2.5e9), "2.5 GB");
  EXPECT_EQ(format_bytes(3e12), "3 TB");
  EXPECT_EQ(format_bytes(512e6), "512 MB");
}

}  // namespace
}  // namespace mnemo::io

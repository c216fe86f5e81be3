#include "mpi_sweep.hpp"

#include <chrono>
#include <exception>
#include <iostream>
#include <thread>
#include <vector>

#include "mnemo/io/input_error.hpp"

namespace mnemo::cli::mpi {
namespace {

constexpr int work_tag = 1;    // rank 0 -> worker: a point index, or -1: no more points
constexpr int result_tag = 2;  // worker -> rank 0: point index and its row
const std::string resume_hint = "the file is marked incomplete; `mnemo sweep --resume` finishes it";

std::vector<char> pack_point(long long p) {
  Packer k;
  k.put(p);
  return k.bytes();
}

// Waiting ranks sleep between polls instead of spinning in a blocking receive (Open MPI's spins a
// core, which the ranks computing on the same node need).
void idle() { std::this_thread::sleep_for(std::chrono::microseconds(500)); }

[[noreturn]] void fail(const Session& s, const std::string& line, int code,
                       const std::function<void()>& save = {}) {
  if (save) {
    try {
      save();  // rows already received stay in the file for --resume
    } catch (const std::exception&) {
    }
  }
  std::string text = line;
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  std::cerr << "mnemo: error: " << text << std::endl;
  s.abort(code);
}

// Runs one point on this rank; any failure ends the whole job with one line.
io::SweepRow run_point(const Session& s, const ComputePoint& compute, Eigen::Index p,
                       const std::function<void()>& service, const std::string& out,
                       const std::function<void()>& save = {}) {
  std::optional<io::SweepRow> row;
  try {
    row = compute(p, service);
  } catch (const io::InputError& e) {
    fail(s, std::string(e.what()) + " (rank " + std::to_string(s.rank()) + ", point " + std::to_string(p + 1) + ")", 2,
         save);
  } catch (const std::exception& e) {
    fail(s, std::string(e.what()) + " (rank " + std::to_string(s.rank()) + ", point " + std::to_string(p + 1) + ")", 1,
         save);
  }
  if (!row)
    fail(s, out + ": sweep stopped by a signal on rank " + std::to_string(s.rank()) + " at point " +
                std::to_string(p + 1) + " (another rank died, or the job was cancelled); " + resume_hint,
         1, save);
  return std::move(*row);
}

}  // namespace

std::vector<char> pack_row(long long point, const io::SweepRow& row) {
  Packer k;
  k.put(point);
  io::for_each_number(row, [&](double x) { k.put(x); });
  io::for_each_vector(row, [&](const std::vector<double>& v) { k.put(v); });
  k.put(static_cast<long long>(row.metrics.size()));
  for (const io::SweepMetric& m : row.metrics) {
    k.put(m.name);
    k.put(m.value);
    k.put(m.description);
  }
  return k.bytes();
}

io::SweepRow unpack_row(const std::vector<char>& bytes, long long& point) {
  Unpacker u(bytes);
  io::SweepRow row;
  point = u.integer();
  io::for_each_number(row, [&](double& x) { x = u.number(); });
  io::for_each_vector(row, [&](std::vector<double>& v) { v = u.numbers(); });
  const long long metrics = u.integer();
  for (long long i = 0; i < metrics; ++i) {
    io::SweepMetric m;
    m.name = u.text();
    m.value = u.number();
    m.description = u.text();
    row.metrics.push_back(std::move(m));
  }
  return row;
}

void lead_sweep(const Session& s, const std::vector<Eigen::Index>& points, const ComputePoint& compute,
                const KeepRow& keep, const std::function<void()>& save, const std::atomic<bool>& stop,
                const std::string& out) {
  std::size_t next = 0;
  long outstanding = 0;  // points handed to workers whose rows have not arrived
  const auto hand_out = [&](int worker) {
    if (next < points.size()) {
      send(worker, work_tag, pack_point(points[next++]));
      ++outstanding;
    } else {
      send(worker, work_tag, pack_point(-1));
    }
  };
  // Dynamic load balancing: a worker gets its next point as soon as its row arrives.
  const std::function<void()> service = [&]() {
    while (std::optional<Message> m = poll(result_tag)) {
      long long p = 0;
      io::SweepRow row = unpack_row(m->bytes, p);
      --outstanding;
      hand_out(m->source);
      keep(static_cast<Eigen::Index>(p), std::move(row), m->source);
    }
  };
  for (int w = 1; w < s.size(); ++w) hand_out(w);
  while (next < points.size()) {
    const Eigen::Index p = points[next++];
    io::SweepRow row = run_point(s, compute, p, service, out, save);
    keep(p, std::move(row), 0);
    service();
  }
  while (outstanding > 0) {
    if (stop.load())
      fail(s, out + ": sweep stopped by a signal on rank 0 while " + std::to_string(outstanding) +
                  " points ran on other ranks (another rank died, or the job was cancelled); " + resume_hint,
           1, save);
    service();
    if (outstanding > 0) idle();
  }
}

void serve_sweep(const Session& s, const ComputePoint& compute, const std::atomic<bool>& stop, const std::string& out) {
  for (;;) {
    std::optional<Message> m;
    while (!(m = poll(work_tag))) {
      if (stop.load())
        fail(s, out + ": sweep stopped by a signal on rank " + std::to_string(s.rank()) +
                    " while waiting for work (another rank died, or the job was cancelled); " + resume_hint,
             1);
      idle();
    }
    Unpacker u(m->bytes);
    const long long p = u.integer();
    if (p < 0) return;
    const io::SweepRow row = run_point(s, compute, static_cast<Eigen::Index>(p), [] {}, out);
    send(0, result_tag, pack_row(p, row));
  }
}

}  // namespace mnemo::cli::mpi

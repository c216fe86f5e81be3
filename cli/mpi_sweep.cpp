#include "mpi_sweep.hpp"

#include <algorithm>
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
  std::vector<int> queued(static_cast<std::size_t>(s.size()), 0);  // the same, per worker
  // Dynamic load balancing with one point of slack: a worker holds the point it computes and the
  // next one, so it never waits for rank 0 (which answers only between the saved slices of its own
  // point). Near the end (no more points left than ranks) a worker gets a point only once it has
  // none, so that no point waits behind another while a rank is idle.
  std::vector<bool> stopped(static_cast<std::size_t>(s.size()), false);
  const auto top_up = [&](int w, int most) {
    auto& q = queued[static_cast<std::size_t>(w)];
    const int depth = std::min(most, points.size() - next > static_cast<std::size_t>(s.size()) ? 2 : 1);
    while (q < depth && next < points.size()) {
      send(w, work_tag, pack_point(points[next++]));
      ++q;
      ++outstanding;
    }
    if (q == 0 && next == points.size() && !stopped[static_cast<std::size_t>(w)]) {
      send(w, work_tag, pack_point(-1));  // nothing left: stop
      stopped[static_cast<std::size_t>(w)] = true;
    }
  };
  // A row's envelope is the worker's request for more: it is answered at once, while the row's
  // bytes may still be on their way.
  const std::function<void()> service = [&]() {
    for (int w : announced(result_tag)) {
      --queued[static_cast<std::size_t>(w)];
      top_up(w, 2);
    }
    for (Message& m : received()) {
      long long p = 0;
      io::SweepRow row = unpack_row(m.bytes, p);
      --outstanding;
      keep(static_cast<Eigen::Index>(p), std::move(row), m.source);
    }
  };
  // One point each first; the slack follows each worker's first row (handing it out now would
  // queue the two most expensive points on rank 1 when the grid comes most expensive first).
  for (int w = 1; w < s.size(); ++w) top_up(w, 1);
  // Computing on rank 0 gains one rank in `size` but delays its answers to a slice of its own
  // point; beyond 8 ranks the gain is small and rank 0 only serves (answers within 0.5 ms).
  constexpr int lead_computes_up_to = 8;
  while (next < points.size() && s.size() <= lead_computes_up_to) {
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
      progress();
      if (stop.load())
        fail(s, out + ": sweep stopped by a signal on rank " + std::to_string(s.rank()) +
                    " while waiting for work (another rank died, or the job was cancelled); " + resume_hint,
             1);
      idle();
    }
    Unpacker u(m->bytes);
    const long long p = u.integer();
    if (p < 0) break;
    // The previous row's bytes advance between the saved slices of this point.
    const io::SweepRow row = run_point(s, compute, static_cast<Eigen::Index>(p), [] { progress(); }, out);
    post(0, result_tag, pack_row(p, row));
  }
  complete_posted();
}

}  // namespace mnemo::cli::mpi

#include "mpi_session.hpp"

#include <cstdlib>
#include <cstring>
#include <iterator>
#include <list>
#include <stdexcept>

#ifdef MNEMO_HAVE_MPI
// The C API only: without these, mpi.h pulls in the deprecated C++ bindings, which need libmpi_cxx.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace mnemo::cli::mpi {

bool built_with_mpi() {
#ifdef MNEMO_HAVE_MPI
  return true;
#else
  return false;
#endif
}

int launched_size() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE"})
    if (const char* v = std::getenv(name)) return std::atoi(v);
  // Open MPI under srun (PMIx) names the rank but not always the size.
  if (std::getenv("PMIX_RANK")) return 1;
  return 0;
}

int launched_rank() {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"})
    if (const char* v = std::getenv(name)) return std::atoi(v);
  return 0;
}

#ifdef MNEMO_HAVE_MPI

namespace {
void check(int code, const char* what) {
  if (code != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int n = 0;
    MPI_Error_string(code, text, &n);
    throw std::runtime_error(std::string(what) + ": " + std::string(text, static_cast<std::size_t>(n)));
  }
}
}  // namespace

Session::Session() {
  if (launched_size() == 0) return;
  int provided = 0;
  check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  initialized_ = true;
  // Errors come back as codes (and become exceptions) instead of ending the job silently.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  MPI_Comm node;
  if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node) == MPI_SUCCESS) {
    MPI_Comm_size(node, &node_size_);
    MPI_Comm_free(&node);
  }
}

Session::~Session() {
  if (initialized_) MPI_Finalize();
}

void Session::abort(int code) const {
  if (initialized_ && size_ > 1) MPI_Abort(MPI_COMM_WORLD, code);
  std::exit(code);
}

void send(int to, int tag, const std::vector<char>& bytes) {
  check(MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, to, tag, MPI_COMM_WORLD), "MPI_Send");
}

std::optional<Message> poll(int tag) {
  int flag = 0;
  MPI_Status status;
  check(MPI_Iprobe(MPI_ANY_SOURCE, tag < 0 ? MPI_ANY_TAG : tag, MPI_COMM_WORLD, &flag, &status), "MPI_Iprobe");
  if (!flag) return std::nullopt;
  int count = 0;
  MPI_Get_count(&status, MPI_BYTE, &count);
  Message m;
  m.source = status.MPI_SOURCE;
  m.tag = status.MPI_TAG;
  m.bytes.resize(static_cast<std::size_t>(count));
  check(MPI_Recv(m.bytes.data(), count, MPI_BYTE, m.source, m.tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "MPI_Recv");
  return m;
}

namespace {
struct Posted {
  std::vector<char> bytes;
  MPI_Request request = MPI_REQUEST_NULL;
};
struct Receiving {
  Message message;
  MPI_Request request = MPI_REQUEST_NULL;
};
// std::list: elements never move, so the buffers MPI writes into stay put.
std::list<Posted> posted;
std::list<Receiving> receiving;
}  // namespace

void post(int to, int tag, std::vector<char> bytes) {
  Posted& p = posted.emplace_back();
  p.bytes = std::move(bytes);
  check(MPI_Isend(p.bytes.data(), static_cast<int>(p.bytes.size()), MPI_BYTE, to, tag, MPI_COMM_WORLD, &p.request),
        "MPI_Isend");
}

void progress() {
  for (auto it = posted.begin(); it != posted.end();) {
    int done = 0;
    check(MPI_Test(&it->request, &done, MPI_STATUS_IGNORE), "MPI_Test");
    it = done ? posted.erase(it) : std::next(it);
  }
}

void complete_posted() {
  for (Posted& p : posted) check(MPI_Wait(&p.request, MPI_STATUS_IGNORE), "MPI_Wait");
  posted.clear();
}

std::vector<int> announced(int tag) {
  std::vector<int> sources;
  for (;;) {
    int flag = 0;
    MPI_Message handle;
    MPI_Status status;
    check(MPI_Improbe(MPI_ANY_SOURCE, tag, MPI_COMM_WORLD, &flag, &handle, &status), "MPI_Improbe");
    if (!flag) return sources;
    int count = 0;
    MPI_Get_count(&status, MPI_BYTE, &count);
    Receiving& r = receiving.emplace_back();
    r.message.source = status.MPI_SOURCE;
    r.message.tag = status.MPI_TAG;
    r.message.bytes.resize(static_cast<std::size_t>(count));
    check(MPI_Imrecv(r.message.bytes.data(), count, MPI_BYTE, &handle, &r.request), "MPI_Imrecv");
    sources.push_back(status.MPI_SOURCE);
  }
}

std::vector<Message> received() {
  std::vector<Message> done;
  for (auto it = receiving.begin(); it != receiving.end();) {
    int complete = 0;
    check(MPI_Test(&it->request, &complete, MPI_STATUS_IGNORE), "MPI_Test");
    if (complete) {
      done.push_back(std::move(it->message));
      it = receiving.erase(it);
    } else {
      ++it;
    }
  }
  return done;
}

#else

Session::Session() {}
Session::~Session() {}
void Session::abort(int code) const { std::exit(code); }
void send(int, int, const std::vector<char>&) { throw std::logic_error("mnemo was built without MPI"); }
std::optional<Message> poll(int) { return std::nullopt; }
void post(int, int, std::vector<char>) { throw std::logic_error("mnemo was built without MPI"); }
void progress() {}
void complete_posted() {}
std::vector<int> announced(int) { return {}; }
std::vector<Message> received() { return {}; }

#endif

void Packer::put(double x) {
  const char* p = reinterpret_cast<const char*>(&x);
  bytes_.insert(bytes_.end(), p, p + sizeof x);
}
void Packer::put(long long x) {
  const char* p = reinterpret_cast<const char*>(&x);
  bytes_.insert(bytes_.end(), p, p + sizeof x);
}
void Packer::put(const std::vector<double>& v) {
  put(static_cast<long long>(v.size()));
  const char* p = reinterpret_cast<const char*>(v.data());
  bytes_.insert(bytes_.end(), p, p + v.size() * sizeof(double));
}
void Packer::put(const std::string& s) {
  put(static_cast<long long>(s.size()));
  bytes_.insert(bytes_.end(), s.begin(), s.end());
}

void Unpacker::take(void* out, std::size_t n) {
  if (at_ + n > bytes_.size()) throw std::runtime_error("MPI message shorter than expected");
  if (n) std::memcpy(out, bytes_.data() + at_, n);
  at_ += n;
}
double Unpacker::number() {
  double x;
  take(&x, sizeof x);
  return x;
}
long long Unpacker::integer() {
  long long x;
  take(&x, sizeof x);
  return x;
}
std::vector<double> Unpacker::numbers() {
  std::vector<double> v(static_cast<std::size_t>(integer()));
  take(v.data(), v.size() * sizeof(double));
  return v;
}
std::string Unpacker::text() {
  std::string s(static_cast<std::size_t>(integer()), '\0');
  take(s.data(), s.size());
  return s;
}

}  // namespace mnemo::cli::mpi

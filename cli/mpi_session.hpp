#pragma once
// The only interface of mnemo to MPI (cli/mpi_session.cpp is the only file that includes mpi.h).
// No MPI types cross it, so the rest of the command compiles the same with MNEMO_MPI off; then, or
// when no MPI launcher (mpirun, srun) started the process, a Session is one process of rank 0.
#include <optional>
#include <string>
#include <vector>

namespace mnemo::cli::mpi {

bool built_with_mpi();
// The environment of an MPI launcher: Open MPI's mpirun, PMIx or PMI (srun). Returns the number of
// processes it started (0 when none).
int launched_size();
int launched_rank();  // this process's rank by the same environment (0 when none)

// MPI_Init_thread (funneled: only the main thread calls MPI) when built with MPI and launched;
// MPI_Finalize on destruction.
class Session {
 public:
  Session();
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  int rank() const { return rank_; }
  int size() const { return size_; }
  int node_size() const { return node_size_; }  // ranks on this rank's node (shared memory)
  // Ends every rank of the job with `code` (MPI_Abort); one process: std::exit.
  [[noreturn]] void abort(int code) const;

 private:
  int rank_ = 0, size_ = 1, node_size_ = 1;
  bool initialized_ = false;
};

struct Message {
  int source = -1;
  int tag = 0;
  std::vector<char> bytes;
};

void send(int to, int tag, const std::vector<char>& bytes);  // blocking (MPI_Send of MPI_BYTE)
// A waiting message from any rank with `tag` (any tag when tag < 0), received; none: nullopt.
std::optional<Message> poll(int tag = -1);

// Non-blocking traffic for messages that may exceed the eager limit (rows): a blocking send would
// wait until the receiver, busy computing, posts its receive.
void post(int to, int tag, std::vector<char> bytes);  // MPI_Isend; the bytes are kept until sent
void progress();                                     // lets posted sends advance (MPI_Test)
void complete_posted();                              // waits for every posted send
// Sources of the messages with `tag` whose envelopes have arrived; a receive is started for each
// (MPI_Improbe + MPI_Imrecv) and its bytes come out of received() once complete.
std::vector<int> announced(int tag);
std::vector<Message> received();

// Bytes <-> numbers and strings, in the order written (same machine type on every rank).
class Packer {
 public:
  void put(double x);
  void put(long long x);
  void put(const std::vector<double>& v);
  void put(const std::string& s);
  const std::vector<char>& bytes() const { return bytes_; }

 private:
  std::vector<char> bytes_;
};
class Unpacker {
 public:
  explicit Unpacker(const std::vector<char>& bytes) : bytes_(bytes) {}
  double number();
  long long integer();
  std::vector<double> numbers();
  std::string text();

 private:
  void take(void* out, std::size_t n);
  const std::vector<char>& bytes_;
  std::size_t at_ = 0;
};

}  // namespace mnemo::cli::mpi

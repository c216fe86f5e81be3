#include "mnemo/io/hdf5_guard.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include "mnemo/io/input_error.hpp"

namespace mnemo::io {

void screen_hdf5_read(const std::string& path, const std::function<void()>& read, unsigned seconds) {
  if (const char* g = std::getenv("MNEMO_HDF5_GUARD"); g && std::strcmp(g, "off") == 0) return;
  // MNEMO_HDF5_GUARD_SECONDS (a whole number > 0) replaces the time limit: the fuzz smoke test
  // sets a few seconds, so inputs on which libhdf5 loops are refused inside libFuzzer's timeout.
  if (const char* t = std::getenv("MNEMO_HDF5_GUARD_SECONDS")) {
    char* end = nullptr;
    const unsigned long v = std::strtoul(t, &end, 10);
    if (end != t && *end == '\0' && v > 0 && v < 100000) seconds = static_cast<unsigned>(v);
  }
  const pid_t child = fork();
  if (child < 0) return;  // no process to spare: read directly, as without the guard
  if (child == 0) {
    // The child only reads; _exit skips atexit handlers, so nothing of the parent's (open HDF5
    // files, buffered output) is flushed twice.
    // Die at once on a fault, without handlers inherited from the parent (a sanitizer's or a
    // fuzzer's would print a report and write artifacts for every crash inside libhdf5). Errors
    // a sanitizer detects in mnemo's own code are still reported before the abort.
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGALRM}) std::signal(sig, SIG_DFL);
    alarm(seconds);
    try {
      read();
    } catch (...) {
    }
    _exit(0);
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) return;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0)  // e.g. a sanitizer's report with exitcode != 0
    throw InputError(path + ": damaged HDF5 file: reading it failed abnormally (status " +
                     std::to_string(WEXITSTATUS(status)) + "); refusing");
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    throw InputError(path + ": damaged HDF5 file: " +
                     (sig == SIGALRM ? "reading it did not finish within " + std::to_string(seconds) + " s"
                                     : "the HDF5 library crashed reading it (" + std::string(strsignal(sig)) + ")") +
                     "; refusing");
  }
}

}  // namespace mnemo::io

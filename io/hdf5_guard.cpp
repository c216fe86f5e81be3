#include "mnemo/io/hdf5_guard.hpp"

#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "mnemo/io/input_error.hpp"

// Sanitizer runtimes export this; a weak declaration leaves it null in ordinary builds.
extern "C" void __sanitizer_set_death_callback(void (*callback)()) __attribute__((weak));

namespace mnemo::io {

namespace {
std::string seconds_text(double s) {
  std::ostringstream out;
  out << s;  // 300, 0.25
  return out.str();
}
}  // namespace

void screen_hdf5_read(const std::string& path, const std::function<void()>& read, unsigned seconds) {
  if (const char* g = std::getenv("MNEMO_HDF5_GUARD"); g && std::strcmp(g, "off") == 0) return;
  // MNEMO_HDF5_GUARD_SECONDS (a number of seconds > 0, fractions allowed) replaces the time limit:
  // the fuzz smoke test sets a fraction of a second, so inputs on which libhdf5 loops are refused
  // quickly (a refusal is a correct outcome there, so a short limit cannot make the test flaky).
  double limit = seconds;
  if (const char* t = std::getenv("MNEMO_HDF5_GUARD_SECONDS")) {
    char* end = nullptr;
    const double v = std::strtod(t, &end);
    if (end != t && *end == '\0' && v >= 0.001 && v < 100000) limit = v;
  }
  const pid_t child = fork();
  if (child < 0) return;  // no process to spare: read directly, as without the guard
  if (child == 0) {
    // The child only reads; _exit skips atexit handlers, so nothing of the parent's (open HDF5
    // files, buffered output) is flushed twice.
    // Die at once on a fault, without handlers inherited from the parent (a sanitizer's or a
    // fuzzer's would print a report and write artifacts for every crash inside libhdf5). Errors
    // a sanitizer detects in mnemo's own code are still reported before the abort.
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGALRM}) std::signal(sig, SIG_DFL);
    // A sanitizer report here (ASan sees libhdf5's overlapping memcpy before it overwrites the
    // heap) still prints, then the child dies; a fuzzer's death callback would also write a crash
    // artifact for it as if the parent had crashed.
    if (__sanitizer_set_death_callback) __sanitizer_set_death_callback(nullptr);
    itimerval timer{};
    timer.it_value.tv_sec = static_cast<time_t>(limit);
    timer.it_value.tv_usec = static_cast<suseconds_t>((limit - static_cast<double>(timer.it_value.tv_sec)) * 1e6);
    setitimer(ITIMER_REAL, &timer, nullptr);  // SIGALRM at the limit, default action: die
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
                     (sig == SIGALRM ? "reading it did not finish within " + seconds_text(limit) + " s"
                                     : "the HDF5 library crashed reading it (" + std::string(strsignal(sig)) + ")") +
                     "; refusing");
  }
}

}  // namespace mnemo::io

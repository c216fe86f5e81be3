#pragma once
// Reading an untrusted HDF5 file in a disposable child process first (issue 9).
//
// Debian's libhdf5 (1.10.8) can crash on damaged files: the fuzzer found a SEGV inside
// H5DSis_scale -> H5Aiterate2 -> H5A__close on a run file with a few flipped bytes. That is not
// mnemo's code and cannot be fixed here, but the contract (section 2) promises "never a signal":
// bad input ends in `mnemo: error:` and exit 2. So a read of a user's file runs once in a fork()ed
// child; if the child dies from a signal (or hangs past a time limit) the file is refused as
// damaged, and only a file the child could read is read again in this process. The read is
// deterministic, so the second pass does what the first did.
#include <functional>
#include <string>

namespace mnemo::io {

// Runs `read` in a child process; throws InputError "<path>: damaged HDF5 file: ..." if the child
// is killed by a signal or runs longer than `seconds`. Exceptions thrown by `read` in the child
// are ignored (the parent's own pass reports them). Does nothing when the environment variable
// MNEMO_HDF5_GUARD is "off" (the fuzz harnesses use that to see libhdf5's crashes directly).
void screen_hdf5_read(const std::string& path, const std::function<void()>& read, unsigned seconds = 300);

}  // namespace mnemo::io

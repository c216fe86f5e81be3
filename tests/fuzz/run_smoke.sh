#!/usr/bin/env bash
# Fuzz smoke test (issue 9): every libFuzzer harness of tests/fuzz runs a bounded number of
# executions (default 10 000) from the committed seed corpus; any crash, hang (> 10 s on one
# input), out-of-memory (> 2 GB), leak or sanitizer report makes it fail.
#   tests/fuzz/run_smoke.sh                 configure + build build-fuzz (clang, ASan+UBSan), run all
#   tests/fuzz/run_smoke.sh --only config   one harness
#   --runs N      executions per harness      --bin-dir DIR   use harnesses already built in DIR
# New inputs found go to a temporary directory, never into the committed corpus; a crashing
# input is kept in $MNEMO_FUZZ_ARTIFACTS (default /tmp/mnemo-fuzz-artifacts) for triage.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
runs=10000
only=""
bin_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --bin-dir) bin_dir="$2"; shift 2 ;;
    *) echo "run_smoke.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
harnesses=(config run_file memories_hdf5)
[ -n "$only" ] && harnesses=("$only")

if [ -z "$bin_dir" ]; then
  build="${MNEMO_FUZZ_BUILD_DIR:-$root/build-fuzz}"
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMNEMO_FUZZ=ON \
    -DMNEMO_SANITIZE=address,undefined -DMNEMO_BUILD_TESTS=OFF -DMNEMO_BUILD_BENCH=OFF >/dev/null
  targets=()
  for h in "${harnesses[@]}"; do targets+=(--target "fuzz_$h"); done
  cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" "${targets[@]}"
  bin_dir="$build/tests/fuzz"
fi

artifacts="${MNEMO_FUZZ_ARTIFACTS:-/tmp/mnemo-fuzz-artifacts}"
mkdir -p "$artifacts"
# max_allocation_size_mb: a damaged file can make libhdf5 ask for 4 GB at once (H5T__conv_vlen,
# regressions/run_file); ASan then returns NULL (libhdf5 reports an error, the file is refused)
# instead of libFuzzer's malloc limit ending the run.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1:max_allocation_size_mb=1536}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$here/lsan.supp:print_suppressions=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export HDF5_USE_FILE_LOCKING=FALSE
export OMP_NUM_THREADS=1
# Inputs on which libhdf5 loops are refused by the guard after this many seconds (default 300);
# a refusal is a correct outcome here, so a short limit costs nothing but keeps the loops from
# dominating the run (intact corpus files read in < 0.05 s under ASan).
export MNEMO_HDF5_GUARD_SECONDS="${MNEMO_HDF5_GUARD_SECONDS:-0.25}"
# ASan's quarantine makes every fork of the guard copy more page tables; keep it small.
export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=16"

# Sanitizer reports in a log whose first frame outside the sanitizer runtime is not in libhdf5
# (one line each). A report inside libhdf5 — a SEGV there, ASan's memcpy interceptor called by
# H5HG_read with overlapping ranges, or its strdup interceptor reading past a damaged attribute
# name for H5MM_xstrdup — comes from the guard's child, which then dies: the input is
# refused, which is the behaviour under test. Everything else is a finding.
foreign_reports() {
  awk '
    /^==[0-9]+==ERROR: [A-Za-z]+Sanitizer/ || /runtime error:/ { open = 1; what = $0; next }
    open && /^ *#[0-9]+ / {
      # Frames of the sanitizer runtime: its interceptors (strdup, memcpy, ... linked into the
      # harness, so they show as the harness binary with an offset and no source line) and allocator.
      if ($0 ~ /__interceptor_|__asan_|__sanitizer|__ubsan|libclang_rt| in (malloc|calloc|realloc|free|operator new|operator delete)/) next
      if ($0 ~ /\(\/[^)]*\/fuzz_[a-z_0-9]+\+0x[0-9a-f]+\)/) next
      if ($0 !~ /libhdf5/) print what
      open = 0
    }' "$1"
}

# One harness: its summary line, or FAILED with the log's tail; the exit status says which.
run_one() {
  local h="$1" work start log contained execs ms
  work="$(mktemp -d /tmp/mnemo-fuzz-$h.XXXXXX)"
  start=$(date +%s%N)
  log="$work/log"
  # Reads of HDF5 files run first in a child process (io/hdf5_guard.hpp): a libhdf5 crash there
  # kills only the child (the input is refused; the harness counts them). A sanitizer report is a
  # bug in mnemo and fails the test, unless it names libhdf5.
  # First every regression input once (files that once crashed or hung libhdf5 — kept out of the
  # mutation corpus, since mutating an input on which libhdf5 loops mostly yields more loops).
  local regressions=()
  [ -d "$here/regressions/$h" ] && regressions=("$here/regressions/$h"/*)
  if [ ${#regressions[@]} -gt 0 ] &&
     { ! TMPDIR="$work" "$bin_dir/fuzz_$h" -timeout=10 -rss_limit_mb=2048 "${regressions[@]}" >"$work/regressions.log" 2>&1 ||
       [ -n "$(foreign_reports "$work/regressions.log")" ]; }; then
    { echo "fuzz $h FAILED on a regression input:"; tail -n 40 "$work/regressions.log"; } >&2
    rm -rf "$work"
    return 1
  fi
  if TMPDIR="$work" "$bin_dir/fuzz_$h" -runs="$runs" -seed=1 -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$artifacts/$h-" -print_final_stats=1 "$work" "$here/corpus/$h" >"$log" 2>&1 &&
     [ -z "$(foreign_reports "$log")" ]; then
    contained=$(sed -n 's/^mnemo-fuzz: libhdf5_crashes: //p' "$log" | tail -n 1)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    printf 'fuzz %-14s ok: %s executions in %d.%03d s (%s inputs crashed libhdf5 in the guard child; %d regression inputs)\n' \
      "$h" "${execs:-?}" $((ms / 1000)) $((ms % 1000)) "${contained:-0}" ${#regressions[@]}
    rm -rf "$work"
    return 0
  fi
  {
    echo "fuzz $h FAILED (artifacts in $artifacts):"
    foreign_reports "$log" | head -5
    tail -n 60 "$log"
    cp "$log" "$artifacts/$h.log" && echo "whole log: $artifacts/$h.log"
  } >&2
  rm -rf "$work"
  return 1
}

# The harnesses are single-threaded: run them side by side, one report each, in order.
status=0
pids=()
outs=()
for h in "${harnesses[@]}"; do
  out="$(mktemp /tmp/mnemo-fuzz-out.XXXXXX)"
  outs+=("$out")
  run_one "$h" >"$out" 2>&1 &
  pids+=($!)
done
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || status=1
  cat "${outs[$i]}"
  rm -f "${outs[$i]}"
done
exit $status

#!/bin/bash
# Strong and weak scaling of `mpirun -n P mnemo sweep` at P = 1, 2 (docs/scaling.md): the same
# sweeps in one process, under mpirun -n 1 and -n 2, one thread per rank. Prints seconds.
# Usage: bench/mpi_scaling.sh [path/to/mnemo]     (as root: exports OMPI_ALLOW_RUN_AS_ROOT*)
set -euo pipefail
MNEMO=${1:-build/cli/mnemo}
MNEMO=$(realpath "$MNEMO")
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
MPIRUN="mpirun --oversubscribe --mca btl_vader_single_copy_mechanism none"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
config() {  # name dim queries values
  cat > "$work/$1.toml" <<TOML
seed = 3
[model]
kind = "classical_hopfield"
gain = 100.0
[memories]
source = "random_binary"
count = 10
dim = $2
[queries]
count = $3
corruption = "flip"
level = 0.1
[integrate]
method = "dopri5"
rtol = 1e-4
atol = 1e-6
t_end = 80.0
dt_save = 10.0
converge_tol = 1e-4
[output]
path = "$work/$1.h5"
[sweep]
key = "memories.count"
values = [$4]
TOML
}
config het 400 200 "10, 20, 30, 40, 50, 60, 70, 80"        # 0.9 .. 5.8 s per point
config eq4 400 200 "40, 40, 40, 40"                         # 1.2 s per point
config eq8 400 200 "40, 40, 40, 40, 40, 40, 40, 40"
config one 100 8 "5"                                        # mpirun start-up
seconds() { local s; s=$(date +%s.%N); "$@" > /dev/null; echo "$(date +%s.%N) - $s" | bc; }
printf "%-6s %12s %12s %12s\n" sweep "1 process" "mpirun -n 1" "mpirun -n 2"
for c in one eq4 eq8 het; do
  a=$(seconds "$MNEMO" sweep "$work/$c.toml" --threads 1 --quiet)
  b=$(seconds $MPIRUN -n 1 "$MNEMO" sweep "$work/$c.toml" --threads 1 --quiet)
  d=$(seconds $MPIRUN -n 2 "$MNEMO" sweep "$work/$c.toml" --threads 1 --quiet)
  printf "%-6s %12.2f %12.2f %12.2f\n" "$c" "$a" "$b" "$d"
done

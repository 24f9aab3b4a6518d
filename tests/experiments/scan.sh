# Sourced by the step-size scans (defaults.sh, spectral_defaults.sh) after they set OUT: the
# repository root as the working folder, the data (`make data`), the release CLI as $BIN, $OUT
# created, $JOBS (default 2) jobs at a time; `run_scan [SUFFIX]` runs every command line the
# script's `jobs` function prints, output discarded (SUFFIX, e.g. `|| true`, appended to each
# one), and says how long the scan took.
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
make -s data >/dev/null
cargo build --release -q
BIN=target/release/sifrian
mkdir -p "$OUT"
JOBS=${JOBS:-2}

run_scan() {
  local start
  start=$(date +%s)
  jobs | xargs -P "$JOBS" -I{} sh -c "{} > /dev/null 2>&1${1:+ $1}"
  echo "scan done in $(( $(date +%s) - start )) s (wall, $JOBS jobs)"
}

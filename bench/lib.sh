# shellcheck shell=bash disable=SC2034   # the globals set here are read by the sourcing script
# Shell helpers shared by the benchmark scripts (bench/run, bench/pg); sourced, not run.
# The sourcing script sets `set -euo pipefail` and ROOT first; BENCH_LOG_TAG names it in the
# log lines (default "bench").

log() { printf '[%s %s] %s\n' "${BENCH_LOG_TAG:-bench}" "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# --- processes we start --------------------------------------------------------------------
PIDS=()
stop_pid() {  # stop_pid PID: SIGTERM, wait up to 10 s, then SIGKILL
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; forget_pid "$pid"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid did not stop after SIGTERM within 10 s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  forget_pid "$pid"
}
forget_pid() {  # a stopped pid may be reused by someone else's process: never signal it again
  local keep=() p
  for p in "${PIDS[@]}"; do [[ "$p" == "$1" ]] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}

# --- the binary and the scratch directory ----------------------------------------------------
# build_consentd: BENCH_CONSENTD, or a RelWithDebInfo build in BUILD_DIR; sets SRC_BIN and
# BUILD_NOTE.
build_consentd() {
  if [[ -n "${BENCH_CONSENTD:-}" ]]; then
    SRC_BIN=$BENCH_CONSENTD
    BUILD_NOTE="given binary $SRC_BIN"
  else
    if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
      log "configuring $BUILD_DIR (RelWithDebInfo)"
      # A -O2 build can raise maybe-uninitialized false positives (GCC 12, std::optional) that
      # -O0 builds do not; they must not stop a measurement. Other warnings still fail.
      cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_CXX_FLAGS=-Wno-error=maybe-uninitialized >/dev/null
    fi
    log "building consentd in $BUILD_DIR"
    ninja -C "$BUILD_DIR" consentd >&2 || die "build failed (if someone is mid-edit: retry later)"
    SRC_BIN=$BUILD_DIR/consentd
    BUILD_NOTE="$(grep -m1 '^CMAKE_BUILD_TYPE' "$BUILD_DIR/CMakeCache.txt" | cut -d= -f2) build in ${BUILD_DIR#"$ROOT"/}"
  fi
  [[ -x "$SRC_BIN" ]] || die "no consentd binary at $SRC_BIN"
}

# make_scratch NAME: a new scratch directory $BENCH_TMPDIR/NAME.XXXXXX (default /var/tmp)
# holding a frozen copy of SRC_BIN; sets TMP, FSTYPE, BIN, GIT_REV, LOAD_START, START_EPOCH.
make_scratch() {
  local base=${BENCH_TMPDIR:-/var/tmp}
  TMP=$(mktemp -d "$base/$1.XXXXXX")
  FSTYPE=$(df --output=fstype "$TMP" | tail -1 | tr -d " ")
  if [[ "$FSTYPE" == tmpfs || "$FSTYPE" == ramfs ]]; then
    log "WARNING: $TMP is on $FSTYPE: fsync costs nothing there, the write figures mean little"
  fi
  BIN=$TMP/consentd
  cp "$SRC_BIN" "$BIN"   # a frozen copy: others may rebuild the tree while we measure
  GIT_REV=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  git -C "$ROOT" diff --quiet HEAD -- src web CMakeLists.txt 2>/dev/null || GIT_REV="$GIT_REV + uncommitted changes"
  LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
  START_EPOCH=$(date +%s)
}

# --- figures ---------------------------------------------------------------------------------
median() {  # median of the arguments
  printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {
    if (NR == 0) { print "nan"; exit }
    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
fmt0() { awk -v x="$1" 'BEGIN { printf "%.0f", x }'; }
fmt1() { awk -v x="$1" 'BEGIN { printf "%.1f", x }'; }
fmt2() { awk -v x="$1" 'BEGIN { printf "%.2f", x }'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "nan"; else printf "%.4f", a / b }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
joinby() { local IFS=$1; shift; echo "$*"; }
runs_of() { local out=() v; for v in "$@"; do out+=("$(fmt0 "$v")"); done; joinby / "${out[@]}"; }
runs_of1() { local out=() v; for v in "$@"; do out+=("$(fmt1 "$v")"); done; joinby / "${out[@]}"; }
runs_of2() { local out=() v; for v in "$@"; do out+=("$(fmt2 "$v")"); done; joinby / "${out[@]}"; }
pct() { awk -v x="$1" 'BEGIN { printf "%.0f %%", x * 100 }'; }
verdict() { if ge "$1" "$2"; then echo "**met**"; else echo "**missed**"; fi; }
words() { local -a a; read -ra a <<<"$1"; echo "${a[@]}"; }   # "1 2 " -> "1 2"

# wrk output -> "rps p50_ms p90_ms p99_ms non2xx socket_errors"
parse_wrk() {
  awk '
    function ms(v) {
      if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
      if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
      if (v ~ /s$/)  return substr(v, 1, length(v) - 1) * 1000
      return v + 0
    }
    /^Requests\/sec:/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }  $1 == "90%" { p90 = ms($2) }  $1 == "99%" { p99 = ms($2) }
    /Non-2xx or 3xx responses:/ { non2xx = $NF }
    /Socket errors:/ { gsub(",", ""); sockerr = $4 + $6 + $8 + $10 }
    END { printf "%s %s %s %s %d %d\n", rps, p50, p90, p99, non2xx, sockerr }' "$1"
}

CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() {  # cpu_ticks PID...: user+system CPU ticks of these processes (all threads)
  local pid total=0 stat
  for pid in "$@"; do
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    stat=${stat##*) }   # fields after "(comm) "; utime and stime are fields 14 and 15
    read -ra f <<<"$stat"
    total=$((total + f[11] + f[12]))
  done
  echo "$total"
}
# us_per_req TICKS_BEFORE TICKS_AFTER REQUESTS -> CPU microseconds per request
us_per_req() { awk -v a="$1" -v b="$2" -v n="$3" -v hz="$CLK_TCK" 'BEGIN { if (n == 0) print "nan"; else printf "%.0f", (b - a) / hz * 1e6 / n }'; }
wrk_requests() { awk '/requests in/ {print $1}' "$1"; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() {
  local p i
  for ((i = 0; i < 50; i++)); do
    p=$((20000 + RANDOM % 40000))
    port_free "$p" && { echo "$p"; return 0; }
  done
  die "no free port found"
}

#!/usr/bin/env bash
# HPRP benchmark: wrk against three local mock backends, straight (`direct`) and through HPRP, HAProxy and
# nginx, in interleaved rounds on one port. Loopback only, no Docker. Writes benchmark/results/<UTC>-<host>.md
# and .tsv. Read benchmark/README.md for what the figures mean; `benchmark/run.sh --help` for the options.
set -euo pipefail
# The whole script is one { ... } block, so bash parses it before running it: editing this file while a run is
# going (it takes half an hour) cannot break that run.
{

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
LIB="$HERE/lib"
CONF="$HERE/conf"

ALL_TARGETS="direct,hprp-tcp,hprp-tcp-base,hprp-tcp-pool,hprp-http,hprp-http-base,haproxy-tcp,haproxy-http,nginx-stream,nginx-http,go-http,netty-http,netty-vertx-http,netty-vpool-http"
TCP_POOL_SIZE=32   # hprp-tcp-pool: idle connections opened in advance per backend (split over the event loops)
ALL_PROFILES="c50,c256,close,bulk,idle"
BULK_BYTES=$((10 * 1024 * 1024))
COLD_S=5           # the cold close run: wrk for this long right after the target started, before any warm-up

usage() {
  cat <<EOF
Usage: benchmark/run.sh [options]

Benchmarks HPRP against HAProxy and nginx with wrk on loopback. Each round starts every target on the same
port in turn (A B C ... A B C ...), warms it up on every selected profile, measures each profile, stops it.

Options:
  --rounds N          measured rounds per target (default 3)
  --duration D        wrk duration per measured profile, e.g. 5s, 30s, 1m (default 5s, as in the seed)
  --warmup D          wrk duration per profile before measuring, after each start (default 10s); a JVM target is
                      then warmed on in 5 s slices until its JIT threads use under 2 % of its CPU in a slice (at
                      most 60 s more per profile: accept/connect/close compiles slowly), so it is measured warm
                      (HPRP needs about 30 s of load on 2 busy cores before it stops compiling); then once more
                      over the profiles, a slice each, until it settles on every one
  --targets LIST      comma-separated subset of: $ALL_TARGETS
                      (default: all but the baseline's and the calibrations; a peer whose program is missing is
                      skipped with a message). The calibrations netty-http, netty-vertx-http and netty-vpool-http
                      are not peers: lib/NettyHttpProxy.java on the jar's Netty, the bare Netty-codec shape of an
                      HTTP proxy (DESIGN §4's second shape), with a pool of its own, Vert.x's HttpClient, or Netty's
                      client codec on Vert.x's ConnectionPool on the backend side
  --profiles LIST     comma-separated subset of: $ALL_PROFILES (default: all)
                        c50    wrk -t4 -c50, keep-alive, small body (the seed's benchmark)
                        c256   wrk -t4 -c256, keep-alive, small body
                        close  wrk -t4 -c50 -H 'Connection: close': a new connection per request; also
                               run for 5 s right after each start, before the warm-up (the cold path)
                        bulk   wrk -t2 -c8 on a 10 MiB body: MiB/s
                        idle   N idle keep-alive connections held through the proxy: accepted, RSS/conn
  --idle-conns N      connections for the idle profile (default: 9000, or less to fit the fd limit)
  --cores N           HAProxy nbthread = nginx worker_processes = HPRP --event-loops (default: nproc)
  --jar PATH          HPRP launcher jar (default: proxy-launcher/target/hprp.jar, built when missing or stale)
  --baseline-jar PATH another HPRP launcher jar (an earlier build) for the targets hprp-tcp-base and
                      hprp-http-base, run like hprp-tcp and hprp-http
                      and interleaved with it in every round: a before/after of a change in one run
  --no-build          never run Maven; use the jar as it is
  --mock KIND         mock backends: nginx, or jvm (lib/MockBackend.java on the jar's Vert.x; slower);
                      default: nginx when installed, else jvm
  --out DIR           where the .md and .tsv go (default: benchmark/results; with --quick: benchmark/work/results)
  --quick             smoke run: 1 round, 2s per profile, 1s warm-up, 1000 idle connections
  --install           apt-get install what is missing (wrk, haproxy, nginx + stream module, python3, golang-go),
                      then run
  -h, --help          this text

Examples:
  benchmark/run.sh                                   # everything, 3 rounds (about 30 minutes on 2 cores)
  benchmark/run.sh --quick                           # smoke run of every target and profile
  benchmark/run.sh --targets hprp-tcp,haproxy-tcp --profiles c50,close --rounds 3   # before/after a fix
EOF
}

die() { echo "run.sh: $*" >&2; exit 2; }
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# ---------------------------------------------------------------------------------------------- options
CMDLINE="benchmark/run.sh $*"
ROUNDS="" DURATION="" WARMUP="" TARGETS="" PROFILES="" IDLE_N="" CORES="" JAR="" OUT_DIR="" BASE_JAR=""
BUILD=auto QUICK=0 INSTALL=0 MOCK=auto
while (($#)); do
  case "$1" in
    --rounds) ROUNDS=${2:?--rounds needs a value}; shift 2 ;;
    --duration) DURATION=${2:?--duration needs a value}; shift 2 ;;
    --warmup) WARMUP=${2:?--warmup needs a value}; shift 2 ;;
    --targets) TARGETS=${2:?--targets needs a value}; shift 2 ;;
    --profiles) PROFILES=${2:?--profiles needs a value}; shift 2 ;;
    --idle-conns) IDLE_N=${2:?--idle-conns needs a value}; shift 2 ;;
    --cores) CORES=${2:?--cores needs a value}; shift 2 ;;
    --jar) JAR=${2:?--jar needs a value}; shift 2 ;;
    --baseline-jar) BASE_JAR=${2:?--baseline-jar needs a value}; shift 2 ;;
    --out) OUT_DIR=${2:?--out needs a value}; shift 2 ;;
    --mock) MOCK=${2:?--mock needs a value}; shift 2 ;;
    --no-build) BUILD=never; shift ;;
    --quick) QUICK=1; shift ;;
    --install) INSTALL=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option: $1 (see --help)" ;;
  esac
done

# "5s", "1m", "7" -> seconds
to_seconds() {
  local v=$1 what=$2
  case "$v" in
    *m) v=${v%m}; [[ $v =~ ^[0-9]+$ ]] || die "$what: '$1' (expected e.g. 5s, 30s, 1m)"; echo $((v * 60)) ;;
    *s) v=${v%s}; [[ $v =~ ^[0-9]+$ ]] || die "$what: '$1' (expected e.g. 5s, 30s, 1m)"; echo "$v" ;;
    *) [[ $v =~ ^[0-9]+$ ]] || die "$what: '$1' (expected e.g. 5s, 30s, 1m)"; echo "$v" ;;
  esac
}

if ((QUICK)); then
  : "${ROUNDS:=1}" "${DURATION:=2s}" "${WARMUP:=1s}" "${IDLE_N:=1000}" "${OUT_DIR:=$HERE/work/results}"
fi
# By default every target, the baseline build's only when one is given.
DEFAULT_TARGETS=${ALL_TARGETS/,hprp-tcp-base/}
DEFAULT_TARGETS=${DEFAULT_TARGETS/,hprp-http-base/}
DEFAULT_TARGETS=${DEFAULT_TARGETS/,netty-http,netty-vertx-http,netty-vpool-http/}
[[ -n $BASE_JAR ]] && DEFAULT_TARGETS=${ALL_TARGETS/,netty-http,netty-vertx-http,netty-vpool-http/}
: "${ROUNDS:=3}" "${DURATION:=5s}" "${WARMUP:=10s}" "${TARGETS:=$DEFAULT_TARGETS}" "${PROFILES:=$ALL_PROFILES}"
: "${CORES:=$(nproc)}" "${JAR:=$ROOT/proxy-launcher/target/hprp.jar}" "${OUT_DIR:=$HERE/results}"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "--rounds: '$ROUNDS' (expected a whole number >= 1)"
[[ $MOCK == auto || $MOCK == nginx || $MOCK == jvm ]] || die "--mock: '$MOCK' (expected nginx or jvm)"
[[ $CORES =~ ^[1-9][0-9]*$ ]] || die "--cores: '$CORES' (expected a whole number >= 1)"
DUR_S=$(to_seconds "$DURATION" --duration); ((DUR_S >= 1)) || die "--duration: must be at least 1s"
WARM_S=$(to_seconds "$WARMUP" --warmup)
for t in ${TARGETS//,/ }; do [[ ,$ALL_TARGETS, == *,$t,* ]] || die "--targets: unknown target '$t' (expected some of: $ALL_TARGETS)"; done
for p in ${PROFILES//,/ }; do [[ ,$ALL_PROFILES, == *,$p,* ]] || die "--profiles: unknown profile '$p' (expected some of: $ALL_PROFILES)"; done

# ------------------------------------------------------------------------------------------- install
have() { command -v "$1" >/dev/null 2>&1; }
STREAM_MODULE=""   # load_module line for nginx's stream module, when it is a dynamic module
nginx_stream_ok() {
  have nginx || return 1
  local v; v=$(nginx -V 2>&1)
  if [[ $v == *--with-stream=dynamic* ]]; then
    local dir; dir=$(sed -n 's/.*--modules-path=\([^ ]*\).*/\1/p' <<<"$v")
    [[ -f ${dir:-/usr/lib/nginx/modules}/ngx_stream_module.so ]] || return 1
    STREAM_MODULE="load_module ${dir:-/usr/lib/nginx/modules}/ngx_stream_module.so;"
  elif ! [[ $v =~ --with-stream([[:space:]]|$) ]]; then   # built in (not --with-stream_ssl_module & co.)
    return 1
  fi
}
if ((INSTALL)); then
  have apt-get || die "--install needs apt-get (Debian/Ubuntu); install wrk, haproxy, nginx with its stream module and python3 yourself"
  pkgs=()
  have wrk || pkgs+=(wrk)
  have haproxy || pkgs+=(haproxy)
  have python3 || pkgs+=(python3)
  have nginx || pkgs+=(nginx)
  nginx_stream_ok || pkgs+=(libnginx-mod-stream)
  have go || pkgs+=(golang-go)
  if ((${#pkgs[@]})); then
    log "installing: ${pkgs[*]}"
    SUDO=""; ((EUID == 0)) || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${pkgs[@]}" >/dev/null
  fi
fi
have wrk || die "wrk is required (apt-get install wrk, or run with --install)"
have python3 || die "python3 is required for the idle profile and the report (or run with --install)"
have java || die "java (17+) is required"
have ss || die "ss (iproute2) is required to pick free ports"
if [[ $MOCK == auto ]]; then if have nginx; then MOCK=nginx; else MOCK=jvm; fi; fi

# --------------------------------------------------------------------------------------- environment
# The idle profile needs 2 fds per connection in the proxy (client side + backend side): raise the soft
# limit to the hard one (all processes started below inherit it) and size N to fit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE=$(ulimit -n)
[[ $NOFILE == unlimited ]] && NOFILE=1048576
IDLE_MAX=$(((NOFILE - 2000) / 2)); ((IDLE_MAX > 10000)) && IDLE_MAX=10000
if [[ -z $IDLE_N ]]; then
  IDLE_N=9000; ((IDLE_N > IDLE_MAX)) && IDLE_N=$IDLE_MAX
fi
[[ $IDLE_N =~ ^[1-9][0-9]*$ ]] || die "--idle-conns: '$IDLE_N' (expected a whole number >= 1)"
((IDLE_N <= IDLE_MAX)) || die "--idle-conns: $IDLE_N does not fit the open-file limit $NOFILE (at most $IDLE_MAX: the proxy holds 2 fds per connection)"
((IDLE_N >= 100)) || log "warning: only $IDLE_N idle connections fit the open-file limit ($NOFILE)"
MAXCONN=$((IDLE_N + 500))                                   # HAProxy: global and frontend
WORKER_CONNECTIONS=$((2 * IDLE_N + 1000))                   # nginx, per worker: client + upstream
((WORKER_CONNECTIONS > NOFILE - 100)) && WORKER_CONNECTIONS=$((NOFILE - 100))
CLK_TCK=$(getconf CLK_TCK)

RUN_ID="$(date -u +%Y-%m-%dT%H%MZ)-$(hostname -s 2>/dev/null || hostname)"
WORK="$HERE/work/$RUN_ID"
mkdir -p "$WORK/data" "$OUT_DIR"
chmod 755 "$WORK" "$WORK/data"   # nginx workers may run as an unprivileged user and read the bulk file
TSV="$OUT_DIR/$RUN_ID.tsv"
MD="$OUT_DIR/$RUN_ID.md"
META="$WORK/meta.txt"
SKIPS="$WORK/skipped.txt"
: >"$SKIPS"

# ------------------------------------------------------------------------------------ process control
STARTED=()   # every PID this script started and has not yet stopped
start_time() {   # a process's start time (stat field 22): tells a PID apart from a later process reusing it
  local f; f=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  f=${f##*) }; read -r -a f <<<"$f"; echo "${f[19]}"
}
stop_pid() {   # TERM, up to 10 s to exit, then KILL; its children too (nginx workers outlive a killed master)
  local pid=$1 i tree=()
  kill -0 "$pid" 2>/dev/null || return 0
  for i in $(pid_tree "$pid"); do tree+=("$i:$(start_time "$i")"); done
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  for i in "${tree[@]}"; do
    [[ -n ${i#*:} && $(start_time "${i%%:*}") == "${i#*:}" ]] && kill -KILL "${i%%:*}" 2>/dev/null
  done
  wait "$pid" 2>/dev/null || true
}
forget_pid() {
  local keep=() p
  for p in "${STARTED[@]+"${STARTED[@]}"}"; do [[ $p == "$1" ]] || keep+=("$p"); done
  STARTED=("${keep[@]+"${keep[@]}"}")
}
cleanup() {
  local p
  for p in "${STARTED[@]+"${STARTED[@]}"}"; do stop_pid "$p"; done
  STARTED=()
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

# A process and its children (nginx master + workers); HAProxy threads and JVM threads are one process.
pid_tree() {
  local pid=$1 c
  [[ -d /proc/$pid ]] || return 0
  echo "$pid"
  for c in $(ps -o pid= --ppid "$pid" 2>/dev/null); do pid_tree "$c"; done
}
# "utime stime" in clock ticks, each summed over the PIDs (a process's figures include its threads)
cpu_ticks() {
  local u=0 s=0 pid f a
  for pid in "$@"; do
    f=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    f=${f##*) }                      # fields after "(comm) ", so a comm with spaces cannot shift them
    read -r -a a <<<"$f"
    u=$((u + a[11])) s=$((s + a[12]))  # fields 14 and 15 of stat, counted from "state" = field 3
  done
  echo "$u $s"
}
# thread_ticks PID REGEX: utime+stime ticks of a process's threads whose name matches (JVM JIT and GC threads)
thread_ticks() {
  local sum=0 t f a
  for t in /proc/"$1"/task/*; do
    [[ $(cat "$t/comm" 2>/dev/null) =~ $2 ]] || continue
    f=$(cat "$t/stat" 2>/dev/null) || continue
    f=${f##*) }
    read -r -a a <<<"$f"
    sum=$((sum + a[11] + a[12]))
  done
  echo "$sum"
}
JIT_THREADS='^C[12] CompilerThre'
GC_THREADS='^(GC Thread|G1 |VM Thread)'
status_kib() {   # status_kib VmHWM|VmRSS PID... -> summed kB
  local key=$1 sum=0 pid v; shift
  for pid in "$@"; do
    v=$(awk -v k="$key:" '$1 == k { print $2 }' "/proc/$pid/status" 2>/dev/null) || true
    sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}
fd_count() {
  local sum=0 pid n
  for pid in "$@"; do n=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l); sum=$((sum + n)); done
  echo "$sum"
}
reset_peak_rss() {   # writing 5 to clear_refs resets VmHWM (Linux >= 4.0); reports whether it worked
  local ok=yes pid
  for pid in "$@"; do echo 5 2>/dev/null >"/proc/$pid/clear_refs" || ok=no; done
  echo "$ok"
}
host_ticks() {   # all CPUs: "busy total" ticks; busy = user+nice+system+irq+softirq, total adds idle, iowait, steal
  local _cpu u n s idle io irq sirq steal rest
  read -r _cpu u n s idle io irq sirq steal rest </proc/stat
  echo "$((u + n + s + irq + sirq)) $((u + n + s + idle + io + irq + sirq + steal))"
}
proc_snapshot() {   # proc_snapshot FILE: "pid ppid utime+stime" of every process
  cat /proc/[0-9]*/stat 2>/dev/null | awk '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); print $1, f[2], f[12] + f[13] }' >"$1" || true
}
# outside_ticks BEFORE AFTER PID...: "other kernel" ticks spent between two snapshots by processes not listed
# (other users of the machine, e.g. builds) and by kernel threads (ksoftirqd: loopback network work)
outside_ticks() {
  local before=$1 after=$2; shift 2
  awk -v ours=" $* " 'NR == FNR { t[$1] = $3; next }
    index(ours, " " $1 " ") { next }
    { d = $3 - (($1 in t) ? t[$1] : 0); if (d < 0) d = 0; if ($2 == 2 || $1 == 2) k += d; else o += d }
    END { printf "%d %d\n", o, k }' "$before" "$after"
}
children_cpu_s() {   # children_cpu_s VAR: CPU seconds of this shell's reaped children (wrk, once waited for)
  times >"$WORK/times.txt"   # `times` must run in this shell: a $(...) subshell would report its own zeros
  printf -v "$1" '%s' "$(tail -1 "$WORK/times.txt" | tr -d s \
    | awk '{ split($1, u, "m"); split($2, s, "m"); printf "%.3f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }')"
}

live_heap_kib() {   # a JVM's live heap: used heap right after a full GC (jcmd), in KiB; empty without jcmd
  have jcmd || return 0
  timeout 60 jcmd "$1" GC.run >/dev/null 2>&1 || return 0
  # G1 prints one heap line; the serial and parallel collectors one line per generation, summed.
  timeout 60 jcmd "$1" GC.heap_info 2>/dev/null \
    | awk '/[Gg]en|heap/ { for (i = 1; i < NF; i++) if ($i == "used") { v = $(i + 1); sub(/K.*/, "", v); s += v } }
           END { if (s) print s }'
}
port_free() { [[ -z $(ss -Htln "sport = :$1" 2>/dev/null) ]]; }
PICKED=" "
pick_port() {
  local p=$1
  while ! port_free "$p" || [[ $PICKED == *" $p "* ]]; do p=$((p + 1)); done
  PICKED+="$p "
  echo "$p"
}
# One HTTP/1.1 GET on a fresh connection, pure bash: prints "STATUS BODY-FIRST-LINE" or fails.
http_get() {
  local port=$1 path=${2:-/}
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$0" || exit 1
    printf "GET %s HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n" "$1" >&3
    status=""; body=""; inbody=0
    while IFS= read -r line <&3; do
      line=${line%$'"'"'\r'"'"'}
      if [[ -z $status ]]; then status=${line#* }; status=${status%% *}
      elif ((inbody)); then body=$line; break
      elif [[ -z $line ]]; then inbody=1; fi
    done
    [[ -n $status ]] && echo "$status $body"' "$port" "$path"
}
wait_http() {   # wait_http PORT PID SECONDS: until GET / answers 200, or the process died, or time is up
  local port=$1 pid=$2 deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    kill -0 "$pid" 2>/dev/null || return 1
    [[ $(http_get "$port" / 2>/dev/null) == 200* ]] && return 0
    sleep 0.2
  done
  return 1
}

# --------------------------------------------------------------------------------------------- HPRP
jar_stale() {
  [[ ! -f $JAR ]] && return 0
  [[ -n $(find "$ROOT/pom.xml" "$ROOT/proxy-core/pom.xml" "$ROOT/proxy-core/src/main" "$ROOT/proxy-launcher/pom.xml" \
    "$ROOT/proxy-launcher/src/main" -newer "$JAR" -type f 2>/dev/null | head -1) ]]
}
HPRP_HELP=""
if [[ ,$TARGETS, == *,hprp-* || $MOCK == jvm ]]; then
  if [[ $BUILD == auto ]] && [[ $JAR == "$ROOT/proxy-launcher/target/hprp.jar" ]] && jar_stale; then
    have mvn || die "HPRP jar missing or stale and mvn not found: build it, or pass --jar PATH --no-build"
    log "building HPRP (mvn -q -B package -DskipTests)"
    (cd "$ROOT" && mvn -q -B package -DskipTests) >"$WORK/build.log" 2>&1 || die "build failed: see $WORK/build.log"
  fi
  [[ -f $JAR ]] && HPRP_HELP=$(timeout 30 java -jar "$JAR" --help 2>&1 || true)
fi
HPRP_FLAGS=()   # flags beyond --port/--host/--backends, added when this jar's launcher has them
[[ $HPRP_HELP == *--event-loops* ]] && HPRP_FLAGS+=(--event-loops "$CORES")
[[ $HPRP_HELP == *--health-check* ]] && HPRP_FLAGS+=(--health-check none)

# ------------------------------------------------------------------------------------ target support
SELECTED=()
skip() { echo "$1	$2" >>"$SKIPS"; log "skipping $1: $2"; }
for t in ${TARGETS//,/ }; do
  case "$t" in
    direct) SELECTED+=("$t") ;;
    hprp-tcp)
      if [[ ! -f $JAR ]]; then skip "$t" "no jar at $JAR"
      elif [[ $HPRP_HELP != *--backends* ]]; then skip "$t" "the launcher in $JAR has no --backends option (stub launcher?)"
      else SELECTED+=("$t"); fi ;;
    hprp-tcp-base|hprp-http-base)
      if [[ -z $BASE_JAR ]]; then skip "$t" "no --baseline-jar given"
      elif [[ ! -f $BASE_JAR ]]; then skip "$t" "no jar at $BASE_JAR"
      else SELECTED+=("$t"); fi ;;
    hprp-http)
      if [[ $HPRP_HELP == *--mode* && $HPRP_HELP == *http* ]]; then SELECTED+=("$t")
      else skip "$t" "pending: HPRP HTTP mode is not in this build"; fi ;;
    hprp-tcp-pool)
      if [[ $HPRP_HELP == *--pool-size* ]]; then SELECTED+=("$t")
      else skip "$t" "the launcher in $JAR has no --pool-size option"; fi ;;
    go-http)
      if ! have go; then skip "$t" "go not installed (--install: golang-go)"
      elif ! (cd "$HERE/go" && GOCACHE="$WORK/go-cache" GO111MODULE=off go build -o "$WORK/goproxy" goproxy.go) \
          >"$WORK/go-build.log" 2>&1; then skip "$t" "go build failed: see $WORK/go-build.log"
      else SELECTED+=("$t"); fi ;;
    netty-http|netty-vertx-http|netty-vpool-http)
      if [[ -f $JAR ]]; then SELECTED+=("$t"); else skip "$t" "no jar at $JAR (its Netty runs lib/NettyHttpProxy.java)"; fi ;;
    haproxy-*) if have haproxy; then SELECTED+=("$t"); else skip "$t" "haproxy not installed (--install)"; fi ;;
    nginx-http) if have nginx; then SELECTED+=("$t"); else skip "$t" "nginx not installed (--install)"; fi ;;
    nginx-stream)
      if nginx_stream_ok; then SELECTED+=("$t")
      else skip "$t" "nginx or its stream module not installed (--install: libnginx-mod-stream)"; fi ;;
  esac
done
((${#SELECTED[@]})) || die "no target left to run"
nginx_stream_ok || true   # sets STREAM_MODULE for the template when available

# -------------------------------------------------------------------------------------- ports, data
B1=$(pick_port 18101); B2=$(pick_port $((B1 + 1))); B3=$(pick_port $((B2 + 1)))
PORT=$(pick_port 18080)
BACKENDS="127.0.0.1:$B1,127.0.0.1:$B2,127.0.0.1:$B3"
if [[ ,$PROFILES, == *,bulk,* ]]; then
  head -c "$BULK_BYTES" /dev/urandom >"$WORK/data/bulk.bin"
  chmod 644 "$WORK/data/bulk.bin"
fi

render() {   # render TEMPLATE OUT DIR: fill @NAME@ placeholders
  local dir=$3
  mkdir -p "$dir/tmp"
  sed -e "s|@DIR@|$dir|g" -e "s|@DATA@|$WORK/data|g" -e "s|@PORT@|$PORT|g" \
      -e "s|@B1@|$B1|g" -e "s|@B2@|$B2|g" -e "s|@B3@|$B3|g" \
      -e "s|@WORKERS@|$CORES|g" -e "s|@THREADS@|$CORES|g" -e "s|@NOFILE@|$NOFILE|g" \
      -e "s|@WORKER_CONNECTIONS@|$WORKER_CONNECTIONS|g" -e "s|@MAXCONN@|$MAXCONN|g" \
      -e "s|@LOAD_MODULES@|$STREAM_MODULE|g" "$1" >"$2"
}

# ----------------------------------------------------------------------------------- mock backends
MOCK_PID="" MOCK_KIND=""
start_mocks() {
  local dir="$WORK/mock"
  mkdir -p "$dir"
  if [[ $MOCK == nginx ]]; then
    have nginx || die "--mock nginx: nginx is not installed (--install)"
    MOCK_KIND="nginx (worker_processes $CORES)"
    render "$CONF/mock-nginx.conf.in" "$dir/nginx.conf" "$dir"
    nginx -t -q -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" 2>"$dir/check.log" \
      || die "mock nginx config rejected: $(cat "$dir/check.log")"
    nginx -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/out.log" 2>&1 &
  else
    [[ -f $JAR ]] || die "no nginx and no HPRP jar for the JVM mock backends"
    MOCK_KIND="JVM (lib/MockBackend.java on the jar's Vert.x, $CORES event loops)"
    [[ -f $WORK/data/bulk.bin ]] || head -c "$BULK_BYTES" /dev/urandom >"$WORK/data/bulk.bin"
    java -cp "$JAR" "$LIB/MockBackend.java" "$CORES" "$WORK/data" "$B1" "$B2" "$B3" >"$dir/out.log" 2>&1 &
  fi
  MOCK_PID=$!
  STARTED+=("$MOCK_PID")
  local p
  for p in "$B1" "$B2" "$B3"; do
    wait_http "$p" "$MOCK_PID" 60 || die "mock backend on $p did not come up: $(tail -5 "$dir/out.log" "$dir/error.log" 2>/dev/null)"
  done
  if [[ $MOCK == jvm ]]; then   # a cold JVM mock would make the first target of round 1 look slow
    log "warming up the JVM mock backends"
    for p in "$B1" "$B2" "$B3"; do
      timeout 30 wrk -t2 -c50 -d3s "http://127.0.0.1:$p/" >/dev/null 2>&1 || true
      timeout 30 wrk -t2 -c50 -d1s -H "Connection: close" "http://127.0.0.1:$p/" >/dev/null 2>&1 || true
    done
  fi
  log "mock backends up on $B1 $B2 $B3: $MOCK_KIND"
}

# ----------------------------------------------------------------------------------------- targets
TARGET_PID="" TARGET_PORT=""
declare -A TARGET_CMD=() TARGET_STARTED=()
start_target() {   # start_target NAME LABEL -> sets TARGET_PID/TARGET_PORT, returns 1 when it fails to start
  local t=$1 dir="$WORK/$1/$2"
  mkdir -p "$dir"
  TARGET_PORT=$PORT
  local cmd=()
  case "$t" in
    direct) TARGET_PID="" TARGET_PORT=$B1; TARGET_CMD[$t]="(none: wrk to backend 1 on $B1)"; return 0 ;;
    hprp-tcp) cmd=(env HPRP_JAR="$JAR" "$ROOT/bin/hprp" --port "$PORT" --host 127.0.0.1 --backends "$BACKENDS" "${HPRP_FLAGS[@]}") ;;
    hprp-tcp-base) cmd=(env HPRP_JAR="$BASE_JAR" "$ROOT/bin/hprp" --port "$PORT" --host 127.0.0.1 --backends "$BACKENDS" "${HPRP_FLAGS[@]}") ;;
    hprp-tcp-pool) cmd=(env HPRP_JAR="$JAR" "$ROOT/bin/hprp" --pool-size "$TCP_POOL_SIZE" --port "$PORT" --host 127.0.0.1 --backends "$BACKENDS" "${HPRP_FLAGS[@]}") ;;
    hprp-http) cmd=(env HPRP_JAR="$JAR" "$ROOT/bin/hprp" --mode http --port "$PORT" --host 127.0.0.1 --backends "$BACKENDS" "${HPRP_FLAGS[@]}") ;;
    hprp-http-base) cmd=(env HPRP_JAR="$BASE_JAR" "$ROOT/bin/hprp" --mode http --port "$PORT" --host 127.0.0.1 --backends "$BACKENDS" "${HPRP_FLAGS[@]}") ;;
    go-http)
      cmd=(env GOMAXPROCS="$CORES" "$WORK/goproxy" -listen "127.0.0.1:$PORT" -backends "$BACKENDS")
      TARGET_CMD[$t]="goproxy -listen 127.0.0.1:PORT -backends ... (go/goproxy.go, GOMAXPROCS=$CORES)" ;;
    netty-http|netty-vertx-http|netty-vpool-http)
      # The JVM options bin/hprp gives HTTP mode, and its io_uring queue size for no connection limit, so that these
      # and HPRP differ in their code only.
      local side=netty
      case $t in netty-vertx-http) side=vertx ;; netty-vpool-http) side=vertx-pool ;; esac
      cmd=(java -XX:+UseSerialGC -Xms48m -Xmn32m -XX:MaxRAMPercentage=40 -Dio.netty.iouring.cqSize=65536
        -cp "$JAR" "$LIB/NettyHttpProxy.java" "$PORT" "$CORES" "$BACKENDS" "$side")
      TARGET_CMD[$t]="java (bin/hprp's HTTP-mode options) -cp hprp.jar lib/NettyHttpProxy.java PORT $CORES BACKENDS $side" ;;
    haproxy-tcp|haproxy-http)
      render "$CONF/$t.cfg.in" "$dir/haproxy.cfg" "$dir"
      haproxy -c -q -f "$dir/haproxy.cfg" >"$dir/check.log" 2>&1 || { log "$t: config rejected: $(cat "$dir/check.log")"; return 1; }
      cmd=(haproxy -db -f "$dir/haproxy.cfg")
      TARGET_CMD[$t]="haproxy -db -f haproxy.cfg (conf/$t.cfg.in filled in)" ;;
    nginx-stream|nginx-http)
      render "$CONF/$t.conf.in" "$dir/nginx.conf" "$dir"
      nginx -t -q -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/check.log" 2>&1 \
        || { log "$t: config rejected: $(cat "$dir/check.log")"; return 1; }
      cmd=(nginx -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log")
      TARGET_CMD[$t]="nginx -c nginx.conf (conf/$t.conf.in filled in)" ;;
  esac
  [[ -n ${TARGET_CMD[$t]:-} ]] || TARGET_CMD[$t]="${cmd[*]}"
  "${cmd[@]}" >"$dir/out.log" 2>&1 &
  TARGET_PID=$!
  STARTED+=("$TARGET_PID")
  if ! wait_http "$PORT" "$TARGET_PID" 60; then
    log "$t did not answer on $PORT within 60s: $(tail -3 "$dir/out.log" 2>/dev/null)"
    stop_target; return 1
  fi
  # HPRP's start-up line names the transport it picked (io_uring, or epoll and why not io_uring).
  [[ $t == hprp-* ]] && TARGET_STARTED[$t]=$(grep -m1 ' listening on ' "$dir/out.log" || true)
  # A few fresh connections must all answer 200 from the mock backends, spread over more than one.
  local i r seen=""
  for ((i = 0; i < 6; i++)); do
    r=$(http_get "$PORT" /) || r="failed"
    [[ $r == "200 backend "* ]] || { log "$t: bad answer '$r'"; stop_target; return 1; }
    [[ $seen == *"${r:12:1}"* ]] || seen+=${r:12:1}
  done
  ((${#seen} > 1)) || log "warning: $t sent 6 connections to one backend only ($seen)"
}
stop_target() {
  [[ -n $TARGET_PID ]] || return 0
  stop_pid "$TARGET_PID"; forget_pid "$TARGET_PID"; TARGET_PID=""
}

# --------------------------------------------------------------------------------------- measuring
COLUMNS_TSV="run_id	round	phase	target	profile	threads	connections	duration_s	requests	bytes	rps	mib_s	p50_ms	p99_ms	mean_ms	max_ms	err_connect	err_read	err_write	err_timeout	err_status	proxy_cpu_s	proxy_user_s	proxy_sys_s	jit_cpu_s	gc_cpu_s	backend_cpu_s	wrk_cpu_s	other_cpu_s	kernel_cpu_s	host_busy_pct	peak_rss_kib	rss_reset	idle_n	idle_answered	idle_still_open	idle_rss_before_kib	idle_rss_held_kib	idle_heap_before_kib	idle_heap_held_kib	idle_fds_held	idle_errors	loadavg1"
echo "$COLUMNS_TSV" >"$TSV"

row() {   # row KEY=VALUE... -> one TSV line in column order, blanks for missing keys
  declare -A v=()
  local kv c out=""
  for kv in "$@"; do v[${kv%%=*}]=${kv#*=}; done
  for c in $COLUMNS_TSV; do out+="${v[$c]:-}	"; done
  echo "${out%	}" >>"$TSV"
}

wrk_args() {   # profile -> threads connections path extra-args
  case "$1" in
    c50) echo "4 50 /" ;;
    c256) echo "4 256 /" ;;
    close) echo "4 50 / close" ;;
    bulk) echo "2 8 /bulk.bin" ;;
  esac
}

run_wrk() {   # run_wrk PHASE ROUND TARGET PROFILE SECONDS
  local phase=$1 round=$2 t=$3 prof=$4 secs=$5 threads conns path extra
  read -r threads conns path extra <<<"$(wrk_args "$prof")"
  local args=(-t"$threads" -c"$conns" -d"${secs}s" --latency --timeout 10s -s "$LIB/wrk-report.lua")
  [[ $extra == close ]] && args+=(-H "Connection: close")
  local out="$WORK/$t/r$round/$phase-$prof.wrk.txt"
  mkdir -p "$(dirname "$out")"
  local pids=() bpids=()
  [[ -n $TARGET_PID ]] && mapfile -t pids < <(pid_tree "$TARGET_PID")
  mapfile -t bpids < <(pid_tree "$MOCK_PID")
  local reset=""; ((${#pids[@]})) && reset=$(reset_peak_rss "${pids[@]}")
  local c0 b0 h0 w0 c1 b1 h1 w1 wpid
  proc_snapshot "$WORK/procs.before"
  local java_pid="" jit0="" gc0=""
  [[ -n $TARGET_PID && $(cat "/proc/$TARGET_PID/comm" 2>/dev/null) == java ]] && java_pid=$TARGET_PID
  [[ -n $java_pid ]] && { jit0=$(thread_ticks "$java_pid" "$JIT_THREADS"); gc0=$(thread_ticks "$java_pid" "$GC_THREADS"); }
  c0=$(cpu_ticks "${pids[@]+"${pids[@]}"}"); b0=$(cpu_ticks "${bpids[@]}"); h0=$(host_ticks); children_cpu_s w0
  timeout $((secs + 60)) wrk "${args[@]}" "http://127.0.0.1:$TARGET_PORT$path" >"$out" 2>&1 &
  wpid=$!; STARTED+=("$wpid")
  wait "$wpid" || log "$t $prof: wrk exited with $? (see $out)"
  forget_pid "$wpid"
  c1=$(cpu_ticks "${pids[@]+"${pids[@]}"}"); b1=$(cpu_ticks "${bpids[@]}"); h1=$(host_ticks); children_cpu_s w1
  local jit_cpu="" gc_cpu=""
  LAST_JIT_CPU="" LAST_PROXY_CPU=""
  if [[ -n $java_pid ]]; then
    jit_cpu=$(awk -v a="$jit0" -v b="$(thread_ticks "$java_pid" "$JIT_THREADS")" -v t="$CLK_TCK" 'BEGIN { printf "%.3f", (b - a) / t }')
    gc_cpu=$(awk -v a="$gc0" -v b="$(thread_ticks "$java_pid" "$GC_THREADS")" -v t="$CLK_TCK" 'BEGIN { printf "%.3f", (b - a) / t }')
  fi
  proc_snapshot "$WORK/procs.after"
  local other_t kernel_t
  read -r other_t kernel_t < <(outside_ticks "$WORK/procs.before" "$WORK/procs.after" $$ "${pids[@]+"${pids[@]}"}" "${bpids[@]}")
  local peak=""; ((${#pids[@]})) && peak=$(status_kib VmHWM "${pids[@]}")
  local line; line=$(grep -m1 '^HPRP_WRK ' "$out" || true)
  if [[ -z $line ]]; then
    log "$t $prof: no result from wrk (see $out)"
    row run_id="$RUN_ID" round="$round" phase="$phase" target="$t" profile="$prof" err_connect=-1 loadavg1="$(cut -d' ' -f1 /proc/loadavg)"
    return 0
  fi
  declare -A w=()
  local kv
  for kv in ${line#HPRP_WRK }; do w[${kv%%=*}]=${kv#*=}; done
  local proxy_cpu="" proxy_user="" proxy_sys="" backend_cpu wrk_cpu busy
  if ((${#pids[@]})); then
    read -r proxy_cpu proxy_user proxy_sys < <(awk -v a="$c0" -v b="$c1" -v t="$CLK_TCK" 'BEGIN {
      split(a, x, " "); split(b, y, " "); u = (y[1] - x[1]) / t; s = (y[2] - x[2]) / t
      printf "%.3f %.3f %.3f\n", u + s, u, s }')
  fi
  backend_cpu=$(awk -v a="$b0" -v b="$b1" -v t="$CLK_TCK" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.3f", (y[1] + y[2] - x[1] - x[2]) / t }')
  wrk_cpu=$(awk -v a="$w0" -v b="$w1" 'BEGIN { printf "%.3f", b - a }')
  # a share of the ticks the kernel accounted, not of wall time: under a loaded VM the two drift apart
  busy=$(awk -v a="$h0" -v b="$h1" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.1f", 100 * (y[1] - x[1]) / (y[2] - x[2]) }')
  row run_id="$RUN_ID" round="$round" phase="$phase" target="$t" profile="$prof" threads="$threads" connections="$conns" \
    duration_s="$(awk -v d="${w[duration_us]}" 'BEGIN { printf "%.3f", d / 1e6 }')" \
    requests="${w[requests]}" bytes="${w[bytes]}" \
    rps="$(awk -v r="${w[requests]}" -v d="${w[duration_us]}" 'BEGIN { printf "%.1f", r / (d / 1e6) }')" \
    mib_s="$(awk -v b="${w[bytes]}" -v d="${w[duration_us]}" 'BEGIN { printf "%.1f", b / 1048576 / (d / 1e6) }')" \
    p50_ms="$(awk -v x="${w[p50_us]}" 'BEGIN { printf "%.3f", x / 1000 }')" \
    p99_ms="$(awk -v x="${w[p99_us]}" 'BEGIN { printf "%.3f", x / 1000 }')" \
    mean_ms="$(awk -v x="${w[mean_us]}" 'BEGIN { printf "%.3f", x / 1000 }')" \
    max_ms="$(awk -v x="${w[max_us]}" 'BEGIN { printf "%.3f", x / 1000 }')" \
    err_connect="${w[err_connect]}" err_read="${w[err_read]}" err_write="${w[err_write]}" \
    err_timeout="${w[err_timeout]}" err_status="${w[err_status]}" \
    proxy_cpu_s="$proxy_cpu" proxy_user_s="$proxy_user" proxy_sys_s="$proxy_sys" jit_cpu_s="$jit_cpu" gc_cpu_s="$gc_cpu" backend_cpu_s="$backend_cpu" wrk_cpu_s="$wrk_cpu" other_cpu_s="$(awk -v x="$other_t" -v t="$CLK_TCK" 'BEGIN { printf "%.3f", x / t }')" \
    kernel_cpu_s="$(awk -v x="$kernel_t" -v t="$CLK_TCK" 'BEGIN { printf "%.3f", x / t }')" \
    host_busy_pct="$busy" peak_rss_kib="$peak" rss_reset="$reset" loadavg1="$(cut -d' ' -f1 /proc/loadavg)"
  LAST_JIT_CPU=$jit_cpu LAST_PROXY_CPU=$proxy_cpu
  if [[ $phase == measure || $phase == cold ]]; then
    local label=$prof; [[ $phase == cold ]] && label="$prof (cold, first ${secs}s after start)"
    log "  $t $label: $(awk -v r="${w[requests]}" -v d="${w[duration_us]}" 'BEGIN { printf "%.0f req/s", r / (d / 1e6) }'), p99 $(awk -v x="${w[p99_us]}" 'BEGIN { printf "%.2f ms", x / 1000 }'), errors c/r/w/t/s ${w[err_connect]}/${w[err_read]}/${w[err_write]}/${w[err_timeout]}/${w[err_status]}, proxy CPU ${proxy_cpu:-n/a}s (user ${proxy_user:-n/a}, sys ${proxy_sys:-n/a}${java_pid:+; JIT $jit_cpu, GC $gc_cpu})"
  fi
}

# A JVM is measured warm: after the fixed warm-up, slices of load follow while its JIT threads still take a visible
# share of its CPU (the connection set-up path of the close profile compiles for 30 s and more on 2 busy cores).
WARM_SLICE_S=5 WARM_EXTRA_MAX_S=60 WARM_JIT_SHARE=0.02
warm_up() {   # warm_up ROUND TARGET PROFILE SECONDS
  local r=$1 t=$2 p=$3 extra=0
  run_wrk warmup "$r" "$t" "$p" "$4"
  while [[ -n $LAST_JIT_CPU && -n $LAST_PROXY_CPU ]] && ((extra < WARM_EXTRA_MAX_S)) \
      && awk -v j="$LAST_JIT_CPU" -v c="$LAST_PROXY_CPU" -v s="$WARM_JIT_SHARE" 'BEGIN { exit !(j > s * c) }'; do
    run_wrk warmup "$r" "$t" "$p" "$WARM_SLICE_S"
    extra=$((extra + WARM_SLICE_S))
  done
  ((extra == 0)) || log "  $t $p: warmed ${extra}s more until the JIT settled (last slice: JIT ${LAST_JIT_CPU}s of ${LAST_PROXY_CPU}s CPU)"
}

run_idle() {   # run_idle PHASE ROUND TARGET N HOLD_SECONDS
  local phase=$1 round=$2 t=$3 n=$4 hold=$5
  local out="$WORK/$t/r$round-idle/$phase-idle.txt"
  mkdir -p "$(dirname "$out")"
  local pids=() java_pid=""
  [[ -n $TARGET_PID ]] && mapfile -t pids < <(pid_tree "$TARGET_PID")
  [[ -n $TARGET_PID && $(cat "/proc/$TARGET_PID/comm" 2>/dev/null) == java ]] && java_pid=$TARGET_PID
  local before="" held="" fds="" reset="" heap_before="" heap_held=""
  [[ -n $java_pid && $phase == measure ]] && heap_before=$(live_heap_kib "$java_pid")
  if ((${#pids[@]})); then before=$(status_kib VmRSS "${pids[@]}"); reset=$(reset_peak_rss "${pids[@]}"); fi
  local deadline=90 ipid
  timeout $((deadline + hold + 30)) python3 "$LIB/idle_conns.py" --port "$TARGET_PORT" -n "$n" --hold "$hold" \
    --deadline "$deadline" >"$out" 2>&1 &
  ipid=$!; STARTED+=("$ipid")
  local until=$((SECONDS + deadline + 10))
  while ((SECONDS < until)) && kill -0 "$ipid" 2>/dev/null && ! grep -qs '^HPRP_IDLE READY' "$out"; do sleep 0.1; done
  if ((${#pids[@]})) && grep -qs '^HPRP_IDLE READY' "$out"; then
    held=$(status_kib VmRSS "${pids[@]}"); fds=$(fd_count "${pids[@]}")
    [[ -n $java_pid && $phase == measure ]] && heap_held=$(live_heap_kib "$java_pid")
  fi
  wait "$ipid" || log "$t idle: idle_conns.py exited with $? (see $out)"
  forget_pid "$ipid"
  local ready done_line answered still errors
  ready=$(grep -m1 '^HPRP_IDLE READY' "$out" || true)
  done_line=$(grep -m1 '^HPRP_IDLE DONE' "$out" || true)
  answered=$(sed -n 's/.* answered=\([0-9]*\).*/\1/p' <<<"$ready")
  errors=$(sed -n 's/.* errors=\([^ ]*\).*/\1/p' <<<"$ready")
  still=$(sed -n 's/.* still_open=\([0-9]*\).*/\1/p' <<<"$done_line")
  local peak=""; ((${#pids[@]})) && peak=$(status_kib VmHWM "${pids[@]}")
  row run_id="$RUN_ID" round="$round" phase="$phase" target="$t" profile=idle connections="$n" \
    idle_n="$n" idle_answered="${answered:-0}" idle_still_open="${still:-0}" idle_rss_before_kib="$before" \
    idle_rss_held_kib="$held" idle_heap_before_kib="$heap_before" idle_heap_held_kib="$heap_held" idle_fds_held="$fds" idle_errors="${errors:-no result}" peak_rss_kib="$peak" \
    rss_reset="$reset" loadavg1="$(cut -d' ' -f1 /proc/loadavg)"
  if [[ $phase == measure ]]; then
    log "  $t idle: $n opened, ${answered:-0} answered, ${still:-0} still open after the hold, RSS ${before:-n/a} -> ${held:-n/a} KiB${java_pid:+, live heap $heap_before -> $heap_held KiB}, fds ${fds:-n/a}, errors ${errors:-?}"
  fi
}

# ------------------------------------------------------------------------------------------- meta
version_of() { "$@" 2>&1 | head -1 || true; }
{
  echo "run_id=$RUN_ID"
  echo "cmdline=$CMDLINE"
  echo "date_utc=$(date -u '+%Y-%m-%d %H:%M:%S')"
  echo "host=$(hostname)"
  echo "cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "cores=$(nproc)"
  echo "mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "kernel=$(uname -srm)"
  echo "java=$(version_of java -version)"
  echo "wrk=$(version_of wrk -v)"
  echo "haproxy=$(have haproxy && version_of haproxy -v || echo 'not installed')"
  echo "nginx=$(have nginx && version_of nginx -v || echo 'not installed')"
  echo "go=$(have go && version_of go version || echo 'not installed')"
  echo "python=$(version_of python3 --version)"
  echo "hprp_jar=$JAR"
  echo "hprp_baseline_jar=${BASE_JAR:-(none)}"
  echo "hprp_commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (+ uncommitted changes)')"
  echo "hprp_java_opts=${HPRP_JAVA_OPTS:-(none)}"
  echo "rounds=$ROUNDS"
  echo "duration_s=$DUR_S"
  echo "warmup_s=$WARM_S"
  echo "targets=$TARGETS"
  echo "profiles=$PROFILES"
  echo "cores_setting=$CORES"
  echo "nofile=$NOFILE"
  echo "idle_n=$IDLE_N"
  echo "maxconn=$MAXCONN"
  echo "worker_connections=$WORKER_CONNECTIONS"
  echo "ports=proxy $PORT, backends $B1 $B2 $B3"
  echo "sysctl=$(for k in net.ipv4.tcp_tw_reuse net.ipv4.ip_local_port_range net.core.somaxconn; do printf '%s=%s; ' "$k" "$(sysctl -n $k 2>/dev/null | tr '\t' ' ')"; done)"
  echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  proc_snapshot "$WORK/procs.before"; sleep 2; proc_snapshot "$WORK/procs.after"
  echo "busy_at_start=$(outside_ticks "$WORK/procs.before" "$WORK/procs.after" $$ | awk -v t="$CLK_TCK" '{ printf "%.0f %% of one core", $1 / t / 2 * 100 }')"
  echo "quick=$QUICK"
} >"$META"

# -------------------------------------------------------------------------------------------- run
start_mocks
IFS=, read -r -a PROFS <<<"$PROFILES"
LOAD_PROFS=() IDLE=0
for p in "${PROFS[@]}"; do if [[ $p == idle ]]; then IDLE=1; else LOAD_PROFS+=("$p"); fi; done
log "run $RUN_ID: targets ${SELECTED[*]}; profiles ${PROFS[*]}; $ROUNDS round(s) of ${DUR_S}s, ${WARM_S}s warm-up; cores $CORES; idle N=$IDLE_N"
for ((r = 1; r <= ROUNDS; r++)); do
  for t in "${SELECTED[@]}"; do
    log "round $r/$ROUNDS: $t"
    if ((${#LOAD_PROFS[@]})); then
      if start_target "$t" "r$r"; then
        # The cold path first, as users feel it: the first seconds of new connections after start-up.
        [[ " ${LOAD_PROFS[*]} " == *" close "* ]] && run_wrk cold "$r" "$t" close "$COLD_S"
        if ((WARM_S > 0)); then
          for p in "${LOAD_PROFS[@]}"; do warm_up "$r" "$t" "$p" "$WARM_S"; done
          # Each profile's warm-up can send a JVM's compiler back to work on the paths of the profiles warmed before
          # it (measured: about twice the CPU per request in such a window): once more over them, a slice each, until
          # it settles on every one.
          if [[ -n $LAST_JIT_CPU ]] && ((${#LOAD_PROFS[@]} > 1)); then
            for p in "${LOAD_PROFS[@]}"; do warm_up "$r" "$t" "$p" "$WARM_SLICE_S"; done
          fi
        fi
        for p in "${LOAD_PROFS[@]}"; do run_wrk measure "$r" "$t" "$p" "$DUR_S"; done
        stop_target
      else
        echo "$t	failed to start in round $r (see $WORK/$t/r$r/)" >>"$SKIPS"
      fi
    fi
    # idle on a fresh process, so the RSS delta is not hidden by pools and heap the load profiles grew. A small
    # warm-up first: enough to load that path, too small to pre-grow what the measured delta shows.
    if ((IDLE)); then
      if start_target "$t" "r$r-idle"; then
        run_idle warmup "$r" "$t" $((IDLE_N < 100 ? IDLE_N : 100)) 1
        run_idle measure "$r" "$t" "$IDLE_N" 3
        stop_target
      else
        echo "$t	failed to start for idle in round $r (see $WORK/$t/r$r-idle/)" >>"$SKIPS"
      fi
    fi
  done
done
stop_pid "$MOCK_PID"; forget_pid "$MOCK_PID"

{
  echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "mock=$MOCK_KIND"
  for t in "${!TARGET_CMD[@]}"; do echo "cmd.$t=${TARGET_CMD[$t]}"; done
  for t in "${!TARGET_STARTED[@]}"; do echo "started.$t=${TARGET_STARTED[$t]}"; done
} >>"$META"
python3 "$LIB/report.py" --tsv "$TSV" --meta "$META" --skipped "$SKIPS" --conf "$CONF" --out "$MD"
log "wrote $MD and $TSV (logs and configs of this run: $WORK)"
sed -n '/^## Summary/,/^## Machine/p' "$MD" | sed '$d'
exit
}

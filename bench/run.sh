#!/usr/bin/env bash
# DNS serving benchmark: our server (bench/serve.mjs, dist/) against Knot DNS on the same zone and
# query mix as ../shared/bench/anchors.sh (bench.test., 11,073 records; 100,000 queries, fixed seed).
# Pinned: each server under `taskset -c 0` (knotd with one UDP worker), dnsperf under `taskset -c 1`.
# Per server: a maximum-throughput run and a fixed-rate run (-Q RATE, with dnsperf -v for the p50/p99
# latency of every answer). Prints one table. Servers: knot (authoritative), dnsplane (local answers),
# dnsplane_cached (our node with no local records, forwarding to a knotd upstream on core 1 and
# answering from its cache after one warm-up pass over the queries).
# Knobs: DURATION (15), RATE (20000), RUNS (1), SERVERS ("knot dnsplane dnsplane_cached"), BUILD (1), KEEP (0).
# Not a test: needs root (apt) or dnsperf+knotd+dig (+dnssec-keygen) already installed. Usage: npm run bench
# In-process cost of a fast-path hit without sockets: node bench/responder-hit.mjs [ROOT] (see its header).
# Stages: BENCH=dns (default: the DNS serving benchmark above), replication (bench/replication.mjs),
# snapshot (bench/snapshot.mjs), daemon (the DNS stage with SERVERS "knot daemon echo dnsplane": the real
# `dnsplane server` with its defaults, knotd, a node:dgram echo server and bench/serve.mjs; full build), lww (bench/lww.mjs: record_lww bytes per change and convergence after
# a partition), scale (bench/scale.mjs: issue #12's goals at 10k/100k/1M records: start-up, RSS, write
# latency and throughput, DNS latency under writes), journal (bench/journal.mjs: one node, one write acknowledged
# journal vs write-through), rrl (bench/rrl.mjs: one flood against knotd mod-rrl and our rrl mode, side by side),
# block-lists (bench/block-lists.mjs: load time and memory of 1,000,000 blocked names), ddns (bench/ddns.mjs: nsupdate
# batches against a node and against knotd, and the time until every peer answers), dnssec (bench/dnssec.mjs: the
# daemon's qps and CPU per query with and without DO on a signed zone, signature cache cold and warm, and as a
# validating forwarder; needs dnssec-keygen), or all; several may be
# given, e.g. BENCH="replication snapshot".
# The node stages build all of dist/ (npx tsc -p tsconfig.json) when BUILD=1 and take their own
# knobs from the environment (see the header of each .mjs).
set -euo pipefail

DURATION=${DURATION:-15}
SERVERS_SET=${SERVERS:-}; RATE_SET=${RATE-unset}   # what the caller gave (the daemon stage has other defaults)
RATE=${RATE:-20000}
RUNS=${RUNS:-1}
SERVERS=${SERVERS:-"knot dnsplane dnsplane_cached"}
BUILD=${BUILD:-1}
KEEP=${KEEP:-0}
ADDR=127.0.0.1
HZ=$(getconf CLK_TCK)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export PATH=$PATH:/usr/sbin:/sbin
log() { printf '[bench] %s\n' "$*" >&2; }

# ------------------------------------------------------------ apt tools ---
# The bench tools (dnssec-keygen: bind9-utils, for the dnssec stage) from one apt-get install (root only)
# when any of the commands given is missing.
TOOL_PACKAGES="dnsperf knot bind9-dnsutils bind9-utils"
ensure_tools() {
  local c missing=0 made_policy=0
  for c in $1; do command -v "$c" >/dev/null 2>&1 || missing=1; done
  [ "$missing" = 1 ] || return 0
  [ "$(id -u)" = 0 ] || { log "need $1: apt-get install $TOOL_PACKAGES (as root)"; exit 1; }
  if [ ! -e /usr/sbin/policy-rc.d ]; then   # keep knot's system service from starting on port 53
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; made_policy=1
  fi
  log "installing $TOOL_PACKAGES"
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y $TOOL_PACKAGES >/dev/null 2>&1 ||
    { apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y $TOOL_PACKAGES >/dev/null; }
  [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  return 0
}

# ---------------------------------------------------------------- stages ---
BENCH=${BENCH:-dns}
[ "$BENCH" = all ] && BENCH="replication snapshot lww journal scale rrl block-lists ddns dnssec dns"
for stage in $BENCH; do
  case $stage in dns|daemon|replication|snapshot|lww|journal|scale|rrl|block-lists|ddns|dnssec) ;; *) log "BENCH: unknown stage '$stage' (dns, daemon, replication, snapshot, lww, journal, scale, rrl, block-lists, ddns, dnssec, all)"; exit 2 ;; esac
done
has_stage() { case " $BENCH " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
# the daemon stage: the DNS stage with the real daemon beside knotd, the echo floor and serve.mjs (max runs only)
if has_stage daemon; then
  SERVERS=${SERVERS_SET:-"knot daemon echo dnsplane"}
  [ "$RATE_SET" = unset ] && RATE=""
  WARM_ALL=1   # steady state: one pass over the queries first, so the fast path holds what repeats
fi
if has_stage replication || has_stage snapshot || has_stage lww || has_stage journal || has_stage scale || has_stage rrl || has_stage block-lists || has_stage ddns || has_stage dnssec || has_stage daemon; then
  if [ "$BUILD" = 1 ]; then
    # type-check first: tsc emits even on errors, and a half-edited tree would leave dist/ broken
    log "building dist/ (npx tsc -p tsconfig.json --noEmit, then npx tsc -p tsconfig.json && node scripts/copy-assets.mjs)"
    (cd "$ROOT" && npx tsc -p tsconfig.json --noEmit && npx tsc -p tsconfig.json && node scripts/copy-assets.mjs) ||
      { log "build failed: fix src/ or run with BUILD=0 to use the existing dist/"; exit 1; }
  fi
  has_stage dnssec && ensure_tools dnssec-keygen   # the dnssec stage runs before the DNS stage's tools below
  # each script kills its nodes and removes its temp dirs itself, also on error or SIGINT
  for stage in replication snapshot lww journal scale rrl block-lists ddns dnssec; do
    if has_stage "$stage"; then
      log "stage $stage: node bench/$stage.mjs"
      # the script's own watchdog (BENCH_TIMEOUT_S; lww.mjs defaults to 3000 s, the others to 900 s) fires first
      default_s=900; [ "$stage" = lww ] && default_s=3000; [ "$stage" = scale ] && default_s=3600
      (cd "$ROOT" && timeout --foreground -k 30 $(( ${BENCH_TIMEOUT_S:-$default_s} + 60 )) node "bench/$stage.mjs")
    fi
  done
  has_stage dns || has_stage daemon || exit 0
fi

# ---------------------------------------------------------------- tools ---
ensure_tools "dnsperf knotd dig taskset"

if [ "$BUILD" = 1 ] && ! has_stage daemon; then   # the daemon stage built all of dist/ above
  log "compiling src/dns, src/store, src/stats into dist/ (bench/tsconfig.json)"
  (cd "$ROOT" && npx tsc -p bench/tsconfig.json)
fi

# ---------------------------------------------------------------- work dir ---
WORK=$(mktemp -d /tmp/dnsplane-bench.XXXXXX)
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && stop_pid "$p"; done
  if [ "$KEEP" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
stop_pid() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Same zone and query mix as ../shared/bench/anchors.sh.
ZONE=$WORK/zone/bench.test.zone
mkdir -p "$WORK/zone"
awk 'BEGIN {
  o = "bench.test."
  print "$ORIGIN bench.test."
  print "$TTL 3600"
  print o " 3600 IN SOA ns1.bench.test. hostmaster.bench.test. 2024010101 3600 900 604800 300"
  print o " 3600 IN NS ns1.bench.test."
  print o " 3600 IN NS ns2.bench.test."
  print o " 3600 IN A 198.18.255.1"
  print o " 3600 IN AAAA 2001:db8:ffff::1"
  print o " 3600 IN MX 10 mail.bench.test."
  print o " 3600 IN MX 20 mail2.bench.test."
  print o " 3600 IN TXT \"v=spf1 mx -all\""
  print "ns1.bench.test. 3600 IN A 198.18.255.53"
  print "ns2.bench.test. 3600 IN A 198.18.255.54"
  print "mail.bench.test. 3600 IN A 198.18.255.25"
  print "mail2.bench.test. 3600 IN A 198.18.255.26"
  for (i = 0; i < 10000; i++) {
    printf "host%d.bench.test. 3600 IN A 198.18.%d.%d\n", i, int(i / 256), i % 256
    if (i < 1000) printf "host%d.bench.test. 3600 IN AAAA 2001:db8::%x\n", i, i + 1
  }
  for (i = 0; i < 10; i++) printf "txt%d.bench.test. 3600 IN TXT \"benchmark text record number %d\"\n", i, i
  print "www.bench.test. 3600 IN CNAME host1.bench.test."
  for (i = 0; i < 50; i++) printf "alias%d.bench.test. 3600 IN CNAME host%d.bench.test.\n", i, i * 197
}' > "$ZONE"
QUERIES=$WORK/queries.txt
awk 'BEGIN {
  srand(42)
  for (n = 0; n < 100000; n++) {
    r = rand() * 1000
    if      (r < 800) printf "host%d.bench.test A\n", int(rand() * 10000)
    else if (r < 880) printf "host%d.bench.test AAAA\n", int(rand() * 1000)
    else if (r < 900) printf "host%d.bench.test AAAA\n", 1000 + int(rand() * 9000)
    else if (r < 950) printf "nx%d.bench.test A\n", int(rand() * 1000000)
    else if (r < 970) print "bench.test MX"
    else if (r < 985) { if (rand() < 0.3) print "bench.test TXT"; else printf "txt%d.bench.test TXT\n", int(rand() * 10) }
    else              { if (rand() < 0.2) print "www.bench.test A"; else printf "alias%d.bench.test A\n", int(rand() * 50) }
  }
}' > "$QUERIES"
RECORDS=$WORK/dnsrecords.json
node "$ROOT/bench/zone-to-records.mjs" "$ZONE" "$RECORDS" >&2

# ---------------------------------------------------------------- servers ---
start_knot() {   # start_knot PORT [DIR_NAME [CPU]]
  local d=$WORK/${2:-knot}
  mkdir -p "$d/db"
  cat > "$d/knot.conf" <<KNOT
server:
    rundir: "$d"
    listen: $ADDR@$1
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "$d/db"
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: "$WORK/zone"
    journal-content: none
    zonefile-sync: -1
zone:
  - domain: bench.test.
    file: "bench.test.zone"
KNOT
  taskset -c "${3:-0}" knotd -c "$d/knot.conf" > "$d/log" 2>&1 &
  SPID=$!
}
start_dnsplane() {   # start_dnsplane PORT
  taskset -c 0 node "$ROOT/bench/serve.mjs" "$1" "$RECORDS" > "$WORK/dnsplane.log" 2>&1 &
  SPID=$!
}
start_dnsplane_cached() {   # start_dnsplane_cached PORT: our node forwarding to a knotd upstream, answers from its cache
  start_knot $(( $1 + 100 )) knot-upstream 1; PIDS+=("$SPID")
  wait_ready $(( $1 + 100 )) "$SPID" || { log "upstream knotd did not start"; return 1; }
  BENCH_UPSTREAM=$ADDR:$(( $1 + 100 )) taskset -c 0 node "$ROOT/bench/serve.mjs" "$1" > "$WORK/dnsplane_cached.log" 2>&1 &
  SPID=$!
  WARM=1   # run the query file through once first, so every answer is in the cache
}
start_daemon() {   # start_daemon PORT [CHECKOUT [DIR_NAME]]: `dnsplane server` as users run it (config defaults; the zone as its records file)
  local d=$WORK/${3:-daemon}
  mkdir -p "$d"
  printf '{ "port": "%s", "dns_bind": "%s", "server_socket": "%s" }\n' "$1" "$ADDR" "$d/ctl.sock" > "$d/dnsplane.json"
  (cd "$d" && exec taskset -c 0 node "${2:-$ROOT}/bin/dnsplane.js" server --config "$d/dnsplane.json" --dnsrecords "$RECORDS" > "$d/log.txt" 2>&1) &
  SPID=$!
}
start_daemon_base() {   # start_daemon_base PORT: the daemon of another built checkout (BASE=/path), e.g. before a change
  [ -n "${BASE:-}" ] || { log "daemon_base needs BASE=/path/to/a/built/checkout"; return 1; }
  start_daemon "$1" "$BASE" daemon_base
}
start_echo() {   # start_echo PORT: node:dgram sending every datagram back, no DNS work (the runtime's floor)
  taskset -c 0 node "$ROOT/bench/echo.mjs" "$1" > "$WORK/echo.log" 2>&1 &
  SPID=$!
  ECHO=1
}
wait_ready() {   # wait_ready PORT PID
  local i
  for i in $(seq 1 120); do
    kill -0 "$2" 2>/dev/null || return 1
    if [ "${ECHO:-0}" = 1 ]; then
      dig +time=1 +tries=1 -p "$1" @$ADDR host1.bench.test A 2>/dev/null | grep -q 'status:' && return 0
    else
      [ "$(dig +short +time=1 +tries=1 -p "$1" @$ADDR host1.bench.test A 2>/dev/null)" = 198.18.0.1 ] && return 0
    fi
    sleep 0.5
  done
  return 1
}
sanity() {   # flags/rcode/answer count of a few answers, so that differences show
  local p=$1 q out=""
  for q in "host42.bench.test A" "host42.bench.test AAAA" "host4242.bench.test AAAA" "nx1.bench.test A" \
           "bench.test MX" "txt3.bench.test TXT" "alias3.bench.test A"; do
    # shellcheck disable=SC2086
    out+="$(dig +time=1 +tries=1 -p "$p" @$ADDR $q 2>/dev/null | awk -v q="${q%% *}/${q##* }" '
      /status:/ { st = $6; sub(/,/, "", st) } /^;; flags:/ { aa = ($0 ~ / aa[ ;]/) ? "aa" : "-" }
      /ANSWER: / { for (i = 1; i <= NF; i++) if ($i == "ANSWER:") an = $(i+1) + 0 }
      END { printf "%s=%s/%s/an%d ", q, st, aa, an }')"
  done
  echo "$out"
}
ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
child_of() { local c; c=$(ps -o pid= --ppid "$1" 2>/dev/null | head -1 | tr -d ' '); echo "${c:-$1}"; }

RESULTS=$WORK/results.tsv
: > "$RESULTS"
run_dnsperf() {   # run_dnsperf NAME SETTING PORT SPID [extra args]
  local name=$1 setting=$2 port=$3 spid=$4; shift 4
  local out=$WORK/dnsperf.$name.$setting.$RANDOM.txt dp dpc s0 s1 c0 c1 t0 t1 verbose=""
  # fixed-rate runs print every answer's latency (-v) for the percentiles; max runs stay quiet
  case $setting in Q*) verbose=-v ;; esac
  taskset -c 1 timeout $((DURATION + 30)) dnsperf -s $ADDR -p "$port" -d "$QUERIES" \
    -c 10 -T 1 -q 500 -l "$DURATION" -t 2 -O suppress=timeout $verbose "$@" > "$out" 2>&1 &
  dp=$!
  sleep 1; dpc=$(child_of "$dp"); s0=$(ticks "$spid"); c0=$(ticks "$dpc"); t0=$(date +%s.%N)
  sleep $((DURATION > 5 ? DURATION - 4 : 1))   # ends well before dnsperf does, even when forks are slow
  s1=$(ticks "$spid"); c1=$(ticks "$dpc"); t1=$(date +%s.%N)
  wait "$dp" || true
  local pct="-\t-"
  if [ -n "$verbose" ]; then
    pct=$(awk '/^> / { print $NF * 1000 }' "$out" | sort -n | awk '{ v[NR] = $1 } END {
      if (NR == 0) { printf "-\t-"; exit }
      a = int(NR * 0.5); if (a < 1) a = 1; b = int(NR * 0.99); if (b < 1) b = 1
      printf "%.3f\t%.3f", v[a], v[b] }')
  fi
  awk -v name="$name" -v setting="$setting" -v st=$((s1 - s0)) -v ct=$((c1 - c0)) -v hz="$HZ" -v t0="$t0" -v t1="$t1" -v pct="$pct" '
    /Queries lost:/ { lost = $3 } /Queries per second:/ { qps = $4 } /Average packet size/ { rs = $7 }
    /Average Latency/ { avg = $4; mx = $8; sub(/\)/, "", mx) }
    END { if (qps == "") { qps = 0; avg = 0; mx = 0; lost = "?" }
          printf "%s\t%s\t%.0f\t%.3f\t%s\t%.2f\t%s\t%s\t%.0f\t%.0f\n", name, setting, qps, avg * 1000, pct, mx * 1000, lost, rs, 100 * st / hz / (t1 - t0), 100 * ct / hz / (t1 - t0) }' "$out" >> "$RESULTS"
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
# runs interleave the servers, so that background load affects them alike
for run in $(seq 1 "$RUNS"); do
  port=5311
  for name in $SERVERS; do
    port=$((port + 1))
    WARM=${WARM_ALL:-0}; ECHO=0
    "start_$name" "$port"; spid=$SPID; PIDS+=("$spid")
    if ! wait_ready "$port" "$spid"; then log "$name did not answer on port $port (KEEP=1 keeps $WORK)"; stop_pid "$spid"; continue; fi
    cpid=$(child_of "$spid")   # taskset execs, so this is normally the server itself
    if [ "$WARM" = 1 ]; then
      log "$name: warming up with one pass over the queries"
      taskset -c 1 dnsperf -s $ADDR -p "$port" -d "$QUERIES" -n 1 -Q 20000 -t 2 -O suppress=timeout > /dev/null 2>&1 || true
    fi
    log "$name (pid $spid, port $port, run $run): $([ "$ECHO" = 1 ] && echo 'echo server, no DNS answers' || sanity "$port")"
    run_dnsperf "$name" max "$port" "$cpid"
    [ -n "$RATE" ] && run_dnsperf "$name" "Q$RATE" "$port" "$cpid" -Q "$RATE"
    stop_pid "$spid"
    [ "$name" = dnsplane_cached ] && stop_pid "${PIDS[-2]}"   # its upstream knotd
  done
done

echo
echo "command: taskset -c 1 dnsperf -s $ADDR -p PORT -d queries.txt -c 10 -T 1 -q 500 -l $DURATION -t 2 -O suppress=timeout [-Q $RATE]"
echo "qps/srv_core = qps / server CPU share: one-core capacity where the server is not saturated (or is starved by other load)"
echo "limit: server (its CPU >= 90 %), client (dnsperf's CPU >= 90 % and the server's below), or - (neither: other load or latency)"
echo "load before and after: $LOAD0 / $(cut -d' ' -f1-3 /proc/loadavg)"
echo "servers pinned with taskset -c 0 (knotd udp-workers: 1); $(knotd --version | head -1); node $(node -v)"
{
  printf 'server\tsetting\tqps\tvs_knot\tavg_ms\tp50_ms\tp99_ms\tmax_ms\tlost\tresp_B\tsrv_cpu%%\tqps/srv_core\tvs_echo/core\tcli_cpu%%\tlimit\n'
  awk -F'\t' '{ row[NR] = $0; if ($1 == "knot") { k[$2] += $3; kn[$2]++ }
      if ($1 == "echo" && $10 > 0) { e[$2] += $3 / ($10 / 100); en[$2]++ } }
    END { for (i = 1; i <= NR; i++) { split(row[i], f, "\t"); kq = kn[f[2]] ? k[f[2]] / kn[f[2]] : 0
          eq = en[f[2]] ? e[f[2]] / en[f[2]] : 0; pc = f[10] > 0 ? f[3] / (f[10] / 100) : 0
          lim = f[10] >= 90 ? "server" : (f[11] >= 90 ? "client" : "-"); if (f[11] < 0) f[11] = "?"
          printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.0f\t%s\t%s\t%s\n", f[1], f[2], f[3], kq ? sprintf("%.2f", f[3] / kq) : "-", f[4], f[5], f[6], f[7], f[8], f[9], f[10], pc, eq ? sprintf("%.2f", pc / eq) : "-", f[11], lim } }' "$RESULTS"
} | column -t -s $'\t'

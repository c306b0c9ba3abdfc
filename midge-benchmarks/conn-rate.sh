#!/usr/bin/env bash
# Connection rate (issue #13): mqbench's `conn` scenario, round after round, against one or more builds of the
# broker at the same time (one warm broker per jar, rounds alternating between them, so that a before/after pair
# shares the minutes and their noise). Per round it prints mqbench's figures for the connect phase (CONNACKs per
# second, broker CPU per connect) and the broker CPU of the whole cycle: connect, hold, one PINGREQ each, close,
# until the broker has closed every socket, less the broker's idle CPU over the same wall time (measured just
# before the round).
#
#   ./midge-benchmarks/conn-rate.sh                                   # midge-cli/target/midge.jar, rebuilt by ./midge
#   ./midge-benchmarks/conn-rate.sh /tmp/before.jar midge-cli/target/midge.jar
#   PERSISTENT=1 ./midge-benchmarks/conn-rate.sh                      # Clean Session 0: stored (sync: always)
#   IO_THREADS=2 ./midge-benchmarks/conn-rate.sh
#   ./midge-benchmarks/conn-rate.sh midge-cli/target/midge.jar peer:mosquitto peer:hivemq   # ../shared/peers beside it
#
# Environment: CONNS (10000), WARM (3 unmeasured rounds per broker: the JIT compiles the connect path), REPEAT (5
# measured rounds per broker), HOLD (1 s), CONCURRENCY (mqbench's connects in progress, 200), PERSISTENT (0),
# MQTT (3 or 5), IO_THREADS (unset: the broker's default), SYNC (unset: the default `always`; or interval, none),
# IN_MEMORY (0; 1 runs the brokers without a store), MIDGE_JAVA_OPTS ("-Xms1g -Xmx1g"), MIDGE_CONFIG (a YAML file
# the settings above are added to), PORT (18870, then one up per jar), JFR (a directory: a JFR profile of each
# broker's measured rounds is written there), TMPDIR (where the data directories go).
# Prints one ROUND line per round and jar, and one SUMMARY line per jar with medians [min..max].
set -euo pipefail

module=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
root=$(dirname "$module")
# shellcheck source=../.ci/java-home.sh
source "$root/.ci/java-home.sh"
use_jdk_17_or_newer
mqbench_dir=${MQBENCH_DIR:-$root/../shared/mqbench}
mqbench=$mqbench_dir/mqbench
[[ -x $mqbench ]] || make -C "$mqbench_dir" >&2
jars=("$@")
if (( ${#jars[@]} == 0 )); then
  "$root/midge" --version > /dev/null # builds the jar when the sources changed
  jars=("$root/midge-cli/target/midge.jar")
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

conns=${CONNS:-10000}
work=$(mktemp -d "${TMPDIR:-/tmp}/midge-conn-rate.XXXXXX")
pids=()
peers=()
cleanup() {
  for p in "${peers[@]}"; do "$root/../shared/peers/stop.sh" "$p" > /dev/null 2>&1 || true; done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
set_broker_jvm_flags
tck=$(getconf CLK_TCK)
echo "# $(java -version 2>&1 | head -1); ${jvm_flags[*]} ${MIDGE_JAVA_OPTS:--Xms1g -Xmx1g}; conns=$conns" \
    "persistent=${PERSISTENT:-0} mqtt=${MQTT:-3} io_threads=${IO_THREADS:-default} sync=${SYNC:-default}" \
    "in_memory=${IN_MEMORY:-0}"

# Broker CPU in clock ticks (user + system, all threads).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Busy and total jiffies of the whole machine.
machine() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
# The store's group commits so far and their summed seconds, from the broker's /metrics (HTTP on port + 100).
commits() {
  curl -s "http://127.0.0.1:$(( $1 + 100 ))/metrics" \
      | awk '/^midge_store_commit_seconds_count/ {n = $2} /^midge_store_commit_seconds_sum/ {s = $2} END {printf "%d %.6f\n", n, s}'
}
# Sockets of the broker's port not closed by the broker yet (established, or closed by the client only).
open_sockets() { ss -Htn state established state close-wait "( sport = :$1 )" | wc -l; }
now_ns() { date +%s%N; }

flags=(-c "$conns" --hold "${HOLD:-1}" --concurrency "${CONCURRENCY:-200}" -V "${MQTT:-3}")
(( ${PERSISTENT:-0} )) && flags+=(--persistent)

ports=()
port=${PORT:-18870}
for i in "${!jars[@]}"; do
  config=$work/broker-$i.yaml
  { [[ -n ${MIDGE_CONFIG:-} ]] && cat "$MIDGE_CONFIG"
    [[ -n ${IO_THREADS:-} ]] && echo "io-threads: $IO_THREADS"
    [[ -n ${SYNC:-} ]] && echo "sync: $SYNC"
    true; } > "$config"
  config_flag=()
  [[ -s $config ]] && config_flag=(--config "$config")
  store=(--data-dir "$work/data-$i")
  (( ${IN_MEMORY:-0} )) && store=(--in-memory)
  if [[ ${jars[$i]} == peer:* ]]; then
    # Another broker for comparison (../shared/peers): mosquitto with bench-configs/mosquitto-bench.conf, ...
    peer=${jars[$i]#peer:}
    peer_config=$root/../shared/peers/bench-configs/$peer-bench.conf
    [[ -f $peer_config ]] || peer_config=$(ls "$root/../shared/peers/bench-configs/$peer"-bench.* 2>/dev/null | head -1)
    pids+=("$("$root/../shared/peers/start.sh" "$peer" "$port" ${peer_config:+"$peer_config"} | tail -1)")
    peers+=("${pids[-1]}")
  else
    # shellcheck disable=SC2086
    java "${jvm_flags[@]}" ${MIDGE_JAVA_OPTS:--Xms1g -Xmx1g} -jar "${jars[$i]}" broker --port "$port" \
        --http-port "$((port + 100))" "${store[@]}" --log-level warn "${config_flag[@]}" > "$work/broker-$i.log" 2>&1 &
    pids+=($!)
  fi
  ports+=("$port")
  port=$((port + 1))
done
for i in "${!jars[@]}"; do
  for _ in $(seq 1 240); do (echo > "/dev/tcp/127.0.0.1/${ports[$i]}") 2>/dev/null && break; sleep 0.5; done
  echo "# broker $i: ${jars[$i]} (pid ${pids[$i]}, port ${ports[$i]})"
done

# One round against broker $1; prints its ROUND line (measured) or nothing (warm-up).
round() {
  local i=$1 label=$2 pid=${pids[$1]} port=${ports[$1]} idle0 idle1 t0 t1 c0 c1 m0 m1 out
  idle0=$(cpu_ticks "$pid"); t0=$(now_ns); sleep "${IDLE:-2}"; idle1=$(cpu_ticks "$pid"); t1=$(now_ns)
  local idle_rate
  idle_rate=$(awk -v c=$((idle1 - idle0)) -v t=$((t1 - t0)) -v k="$tck" 'BEGIN { print c / k / (t / 1e9) }')
  read -r -a m0 <<< "$(machine)"
  local k0 k1
  read -r -a k0 <<< "$(commits "$port")"
  c0=$(cpu_ticks "$pid"); t0=$(now_ns)
  out=$("$mqbench" conn -p "$port" -b "$pid" "${flags[@]}" --quiet 2>&1 | grep '^RESULT' || true)
  for _ in $(seq 1 600); do (( $(open_sockets "$port") == 0 )) && break; sleep 0.05; done
  sleep 0.3 # the sessions' ends, queued on the loops as the sockets closed
  c1=$(cpu_ticks "$pid"); t1=$(now_ns)
  read -r -a m1 <<< "$(machine)"
  read -r -a k1 <<< "$(commits "$port")"
  [[ $label == warm ]] && return 0
  local ok rate connect cycle busy
  ok=$(grep -oE '\bok=[0-9]+' <<< "$out" | cut -d= -f2)
  rate=$(grep -oE 'conn_rate=[0-9.]+' <<< "$out" | cut -d= -f2)
  connect=$(grep -oE 'broker_cpu_us_per_conn=[0-9.]+' <<< "$out" | cut -d= -f2)
  cycle=$(awk -v c=$((c1 - c0)) -v k="$tck" -v t=$((t1 - t0)) -v idle="$idle_rate" -v n="${ok:-0}" \
      'BEGIN { if (n == 0) { print "?"; exit } printf "%.1f", (c / k - idle * t / 1e9) * 1e6 / n }')
  busy=$(awk -v b=$((m1[0] - m0[0])) -v a=$((m1[1] - m0[1])) 'BEGIN { printf "%.0f", a ? 200 * b / a : 0 }')
  echo "ROUND broker=$i round=$label ok=${ok:-0} failed=$(grep -oE 'failed=[0-9]+' <<< "$out" | cut -d= -f2)" \
      "conn_rate=${rate:-?} us_per_connect=${connect:-?} us_per_cycle=$cycle" \
      "commits=$(awk -v a="${k1[0]}" -v b="${k0[0]}" 'BEGIN { printf "%.0f", a - b }')" \
      "commit_ms=$(awk -v n="$(awk -v a="${k1[0]}" -v b="${k0[0]}" 'BEGIN { print a - b }')" -v s1="${k1[1]}" -v s0="${k0[1]}" \
          'BEGIN { printf "%.2f", (n > 0 ? (s1 - s0) * 1000 / n : 0) }')" \
      "idle_cpu_pct=$(awk -v r="$idle_rate" 'BEGIN { printf "%.1f", r * 100 }') machine_busy_pct=$busy" \
      "p99_ms=$(grep -oE 'conn_p99_us=[0-9.]+' <<< "$out" | cut -d= -f2 | awk '{printf "%.1f", $1 / 1000}')" \
      "load=$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$work/rounds"
}

for w in $(seq 1 "${WARM:-3}"); do
  for i in "${!jars[@]}"; do round "$i" warm; done
done
if [[ -n ${JFR:-} ]]; then
  mkdir -p "$JFR"
  for i in "${!jars[@]}"; do
    jcmd "${pids[$i]}" JFR.start name=conn settings=profile filename="$(readlink -f "$JFR")/broker-$i.jfr" > /dev/null
  done
fi
for r in $(seq 1 "${REPEAT:-5}"); do
  for i in "${!jars[@]}"; do round "$i" "$r"; done
done
if [[ -n ${JFR:-} ]]; then
  for i in "${!jars[@]}"; do jcmd "${pids[$i]}" JFR.stop name=conn > /dev/null; done
fi

# Medians [min..max] per jar.
stat() { sort -n | awk '{a[NR] = $1} END { if (NR) printf "%s [%s..%s]", a[int((NR + 1) / 2)], a[1], a[NR] }'; }
for i in "${!jars[@]}"; do
  line="SUMMARY broker=$i jar=${jars[$i]}"
  for f in conn_rate us_per_connect us_per_cycle machine_busy_pct; do
    line="$line $f=$(grep "broker=$i " "$work/rounds" | grep -oE "\b$f=[0-9.]+" | cut -d= -f2 | stat)"
  done
  echo "$line"
done

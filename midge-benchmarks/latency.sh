#!/usr/bin/env bash
# p50 and p99 latency at 5,000 msg/s (mqbench's `latency` scenario: 10 pairs, event driven) for one or more Midge
# jars and Mosquitto, in alternating rounds within the same minutes (issue #13: Midge's p99 at most Mosquitto's, with
# TCP_NODELAY, in the same run, at QoS 0, 1 and 2). On a shared machine the tail is set by who else runs: as root
# the brokers and mqbench run under real-time scheduling (chrt -f 50), so that other work does not take their cores;
# each line carries the load average, and a figure is only compared with one from the same round.
#
#   ./midge-benchmarks/latency.sh                                   # the built jar and Mosquitto, QoS 0 1 2, 3 rounds
#   JARS="/tmp/before.jar /tmp/after.jar" ./midge-benchmarks/latency.sh
#   REPEAT=5 QOS_LIST=1 MIDGE_CONFIG=my.yaml ./midge-benchmarks/latency.sh
#
# Environment: JARS (midge-cli/target/midge.jar, rebuilt by ./midge when the sources changed); MOSQUITTO (1: also
# Mosquitto, with ../shared/peers/bench-configs/mosquitto-bench.conf); QOS_LIST ("0 1 2"); REPEAT (3 rounds);
# DURATION (10 measured seconds); WARMUP (5 s: the JIT compiles the publish path meanwhile; a JVM measured cold
# waits for its compiler); RT (1 as root: chrt -f 50; 0 for normal scheduling); MIDGE_JAVA_OPTS ("-Xms1g -Xmx1g");
# MIDGE_CONFIG (a YAML file; default: the defaults, durable); PORT (18900; each broker run takes the next one).
# Prints one LATENCY line per run (broker, round, QoS, p50/p99/p99.9/max in µs, broker CPU per message, the share of
# the machine others used, load average), then per broker and QoS the medians over the rounds with the p99 range.
set -euo pipefail

module=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
root=$(dirname "$module")
shared=${SHARED_DIR:-$root/../shared}
# shellcheck source=../.ci/java-home.sh
source "$root/.ci/java-home.sh"
use_jdk_17_or_newer
set_broker_jvm_flags
mqbench=/tmp/mqbench-latency-$$
gcc -O2 -Wall -o "$mqbench" "$shared/mqbench/mqbench.c" -lm
if [[ -z ${JARS:-} ]]; then
  "$root/midge" --version > /dev/null
  JARS=$root/midge-cli/target/midge.jar
fi
QOS_LIST=${QOS_LIST:-"0 1 2"} REPEAT=${REPEAT:-3} DURATION=${DURATION:-10} WARMUP=${WARMUP:-5}
port=${PORT:-18900}
rt=()
if [[ ${RT:-1} == 1 && $(id -u) == 0 ]]; then rt=(chrt -f 50); fi
work=$(mktemp -d /tmp/midge-latency.XXXXXX)
trap 'rm -rf "$work" "$mqbench"' EXIT
brokers=()
for jar in $JARS; do brokers+=("$jar"); done
[[ ${MOSQUITTO:-1} == 1 ]] && brokers+=(mosquitto)

wait_for_port() {
  for _ in $(seq 1 240); do (echo > /dev/tcp/127.0.0.1/"$1") 2> /dev/null && return 0; sleep 0.25; done
  echo "latency: nothing listens on port $1" >&2; return 1
}

run_broker() { # BROKER ROUND: one broker, fresh, every QoS in turn
  local broker=$1 round=$2 pid name q result
  if [[ $broker == mosquitto ]]; then
    name=mosquitto
    { echo "listener $port 127.0.0.1"; echo "allow_anonymous true"
      cat "$shared/peers/bench-configs/mosquitto-bench.conf"; } > "$work/mosquitto.conf"
    "${rt[@]}" "$(command -v mosquitto || echo /usr/sbin/mosquitto)" -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 &
  else
    name=$(basename "$broker" .jar)
    local config=()
    [[ -n ${MIDGE_CONFIG:-} ]] && config=(--config "$MIDGE_CONFIG")
    rm -rf "$work/data"
    # shellcheck disable=SC2086
    "${rt[@]}" java "${jvm_flags[@]}" ${MIDGE_JAVA_OPTS:--Xms1g -Xmx1g} -jar "$broker" broker --port "$port" \
        --http-port 0 --data-dir "$work/data" --log-level warn "${config[@]}" > "$work/midge.log" 2>&1 &
  fi
  pid=$!
  wait_for_port "$port"
  for q in $QOS_LIST; do
    local load
    load=$(cut -d' ' -f1 /proc/loadavg)
    result=$("${rt[@]}" "$mqbench" latency -p "$port" -b "$pid" -q "$q" -d "$DURATION" -W "$WARMUP" --quiet 2> /dev/null \
        | grep '^RESULT' || true)
    echo "LATENCY broker=$name round=$round qos=$q load=$load $(grep -o -E \
        '(lost|dup|p50_us|p99_us|p999_us|max_us|broker_cpu_us_per_msg|others_cpu_pct)=[^ ]*' <<< "$result" | tr '\n' ' ')"
    sleep 1
  done
  kill "$pid"; wait "$pid" 2> /dev/null || true
  port=$((port + 1))
}

for round in $(seq 1 "$REPEAT"); do
  for broker in "${brokers[@]}"; do run_broker "$broker" "$round"; done
done | tee "$work/lines"

# Medians over the rounds, per broker and QoS: p50 / p99 [p99 min-max].
awk '
  { b = ""; q = ""; p50 = ""; p99 = ""
    for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "broker") b = kv[2]; else if (kv[1] == "qos") q = kv[2];
      else if (kv[1] == "p50_us") p50 = kv[2]; else if (kv[1] == "p99_us") p99 = kv[2] }
    if (p99 == "") next
    k = b " " q; n[k]++; a50[k, n[k]] = p50; a99[k, n[k]] = p99 }
  function median(arr, k, m,   i, j, t, v) {
    for (i = 1; i <= m; i++) v[i] = arr[k, i]
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
    lo = v[1]; hi = v[m]; return v[int((m + 1) / 2)] }
  END { for (k in n) { m50 = median(a50, k, n[k]); m99 = median(a99, k, n[k])
    split(k, bq, " "); printf "MEDIAN broker=%s qos=%s runs=%d p50_us=%s p99_us=%s p99_range=%s-%s\n", bq[1], bq[2], n[k], m50, m99, lo, hi } }
' "$work/lines" | sort

#!/usr/bin/env bash
# What watching the broker costs: the mqbench suite (fan-in and pairs at QoS 0 and 1 by default) against one build
# with the HTTP listener off, and with it on while a scraper reads /metrics every second and a dashboard's event
# stream (/api/v1/events) stays open. Rounds alternate off/on, one broker at a time, on a fresh data directory.
#
#   ./midge --version     # builds midge-cli/target/midge.jar
#   REPEAT=3 ./midge-benchmarks/metrics-cost.sh
#
# Environment: SCENARIOS ("fanin pairs"), QOS_LIST ("0 1"), DURATION (10), WARMUP (2), REPEAT (3 rounds),
# MIDGE_JAR (midge-cli/target/midge.jar), MIDGE_JAVA_OPTS ("-Xms1g -Xmx1g"), SCRAPES (500), EVENT_STREAMS (1).
# Prints the suite's RESULT lines, then one SUMMARY line per scenario and QoS: median deliveries/s off and on, and
# the median broker CPU per delivered message off and on, and the direct share: the CPU of one scrape and one event
# stream a second (measured apart, DIRECT lines) over the broker's CPU per second for the scenario's deliveries.
set -euo pipefail

module=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
root=$(dirname "$module")
mqbench=${MQBENCH_DIR:-$root/../shared/mqbench}
jar=${MIDGE_JAR:-$root/midge-cli/target/midge.jar}
# shellcheck source=../.ci/java-home.sh
source "$root/.ci/java-home.sh"
use_jdk_17_or_newer
[[ -x $mqbench/mqbench ]] || make -C "$mqbench" >&2
[[ -f $jar ]] || { echo "no $jar: run ./midge --version first" >&2; exit 2; }

work=$(mktemp -d /tmp/midge-metrics-cost.XXXXXX)
watchers=()
cleanup() {
  for p in "${watchers[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
export SCENARIOS=${SCENARIOS:-"fanin pairs"} QOS_LIST=${QOS_LIST:-"0 1"}
rounds=${REPEAT:-3}
export REPEAT=1
port=18870
http=18890
set_broker_jvm_flags

run() { # name, http port (0 = off)
  local name=$1 http_port=$2
  rm -rf "$work/data"
  # shellcheck disable=SC2086
  java "${jvm_flags[@]}" ${MIDGE_JAVA_OPTS:--Xms1g -Xmx1g} -jar "$jar" broker --port $port --data-dir "$work/data" \
      --http-port "$http_port" --log-level warn > "$work/$name.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 120); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.5; done
  watchers=()
  if (( http_port > 0 )); then
    # A Prometheus server's scrape every second, and a dashboard's open event stream.
    (while true; do curl -s -o /dev/null "http://127.0.0.1:$http_port/metrics"; sleep 1; done) &
    watchers+=($!)
    curl -s -N -o /dev/null "http://127.0.0.1:$http_port/api/v1/events" &
    watchers+=($!)
  fi
  echo "# $name (pid $pid, http ${http_port})" >&2
  "$mqbench/suite.sh" 127.0.0.1 $port "$pid" 2> /dev/null | grep '^RESULT' | sed "s/^RESULT/RESULT http=$name/" \
      | tee -a "$work/$name.results"
  for p in "${watchers[@]}"; do kill "$p" 2>/dev/null || true; done
  kill "$pid"; wait "$pid" 2>/dev/null || true
  port=$((port + 1))
}

# The direct measure, which the noise of a shared machine hardly moves: the broker's CPU (utime + stime, in clock
# ticks) for SCRAPES scrapes of /metrics in a row, and for EVENT_STREAMS event streams held open for 30 s less the
# same broker's CPU when idle for as long (streams share one reading of the figures, so more streams cost less each). It gives the CPU one scrape a second and one open dashboard cost.
direct_cost() {
  local dport=$((port + 50)) dhttp=$((http + 50)) hz ticks_idle ticks t0 t1 scrapes=${SCRAPES:-500} pids=()
  hz=$(getconf CLK_TCK)
  rm -rf "$work/data"
  # shellcheck disable=SC2086
  java "${jvm_flags[@]}" ${MIDGE_JAVA_OPTS:--Xms1g -Xmx1g} -jar "$jar" broker --port $dport --data-dir "$work/data" \
      --http-port $dhttp --log-level warn > "$work/direct.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 120); do (echo > /dev/tcp/127.0.0.1/$dhttp) 2>/dev/null && break; sleep 0.5; done
  cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
  for _ in $(seq 1 200); do curl -s -o /dev/null "http://127.0.0.1:$dhttp/metrics"; done   # JIT warm-up
  t0=$(cpu); sleep 30; ticks_idle=$(( $(cpu) - t0 ))
  t0=$(cpu)
  for _ in $(seq 1 "$scrapes"); do curl -s -o /dev/null "http://127.0.0.1:$dhttp/metrics"; done
  t1=$(cpu)
  awk -v t=$((t1 - t0)) -v n="$scrapes" -v hz="$hz" \
      'BEGIN { printf "DIRECT scrape_cpu_ms=%.2f (%d scrapes of /metrics)\n", t * 1000 / hz / n, n }' | tee "$work/direct"
  for _ in $(seq 1 "${EVENT_STREAMS:-1}"); do
    curl -s -N -o /dev/null "http://127.0.0.1:$dhttp/api/v1/events" &
    pids+=($!)
  done
  sleep 30 # the stream's code compiled first: the JIT's work is the start's, not the stream's
  t0=$(cpu); sleep 30; t1=$(cpu)
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  awk -v t=$((t1 - t0)) -v idle="$ticks_idle" -v n="${EVENT_STREAMS:-1}" -v hz="$hz" 'BEGIN {
      printf "DIRECT event_stream_cpu_ms_per_s=%.3f (%d open for 30 s, less idle)\n", (t - idle) * 1000 / hz / n / 30, n
    }' | tee -a "$work/direct"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
direct_cost

for _ in $(seq 1 "$rounds"); do
  run off 0
  run on $http
  http=$((http + 1))
done

median_of() { # results file, scenario, qos, field
  grep -E "scenario=$2\b" "$1" | grep -E "\bqos=$3\b" | grep -oE "\b$4=[0-9.]+" | cut -d= -f2 | sort -n \
      | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]}'
}

# Rates on a shared 2-core machine move by up to 2x between rounds; the broker's CPU per delivered message moves far
# less, so the cost of metrics is judged on it: on/off CPU per message is the fraction the watching adds.
for scenario in $SCENARIOS; do
  for qos in $QOS_LIST; do
    rate_off=$(median_of "$work/off.results" "$scenario" "$qos" recv_rate)
    rate_on=$(median_of "$work/on.results" "$scenario" "$qos" recv_rate)
    cpu_off=$(median_of "$work/off.results" "$scenario" "$qos" broker_cpu_us_per_msg)
    cpu_on=$(median_of "$work/on.results" "$scenario" "$qos" broker_cpu_us_per_msg)
    # The direct cost (one scrape and one event stream a second) as a share of the CPU the broker spends on this
    # scenario's deliveries each second with the listener off: the deliveries it would lose when CPU-bound.
    awk -v s="$scenario" -v q="$qos" -v ro="${rate_off:-0}" -v rn="${rate_on:-0}" -v co="${cpu_off:-0}" \
        -v cn="${cpu_on:-0}" -v direct="$(cat "$work/direct")" 'BEGIN {
      match(direct, /scrape_cpu_ms=[0-9.]+/); scrape = substr(direct, RSTART + 14, RLENGTH - 14)
      match(direct, /event_stream_cpu_ms_per_s=[0-9.-]+/); stream = substr(direct, RSTART + 26, RLENGTH - 26)
      busy_ms = ro * co / 1000
      printf "SUMMARY %s qos=%s rate_off=%s rate_on=%s rate_on/off=%.3f cpu_us_per_msg_off=%s cpu_us_per_msg_on=%s cpu_on/off=%.3f direct_share=%.2f%%\n",
          s, q, ro, rn, (ro > 0 ? rn / ro : 0), co, cn, (co > 0 ? cn / co : 0),
          (busy_ms > 0 ? 100 * (scrape + stream) / busy_ms : 0) }'
  done
done

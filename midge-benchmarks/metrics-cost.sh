#!/usr/bin/env bash
# What watching the broker costs: the mqbench suite (fan-in and pairs at QoS 0 and 1 by default) against one build
# with the HTTP listener off, and with it on while a scraper reads /metrics every second and a dashboard's event
# stream (/api/v1/events) stays open. Rounds alternate off/on, one broker at a time, on a fresh data directory.
#
#   ./midge --version     # builds midge-cli/target/midge.jar
#   REPEAT=3 ./midge-benchmarks/metrics-cost.sh
#
# Environment: SCENARIOS ("fanin pairs"), QOS_LIST ("0 1"), DURATION (10), WARMUP (2), REPEAT (3 rounds),
# MIDGE_JAR (midge-cli/target/midge.jar), MIDGE_JAVA_OPTS ("-Xms1g -Xmx1g").
# Prints the suite's RESULT lines, then one SUMMARY line per scenario and QoS: median deliveries/s off and on.
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
jvm_flags=(--enable-native-access=ALL-UNNAMED)
if (( $(jdk_feature_release "$JAVA_HOME") >= 24 )); then
  jvm_flags+=(--sun-misc-unsafe-memory-access=allow)
fi

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

for _ in $(seq 1 "$rounds"); do
  run off 0
  run on $http
  http=$((http + 1))
done

for scenario in $SCENARIOS; do
  for qos in $QOS_LIST; do
    line="SUMMARY $scenario qos=$qos"
    for name in off on; do
      median=$(grep -E "scenario=$scenario\b" "$work/$name.results" | grep -E "\bqos=$qos\b" \
          | grep -oE 'recv_rate=[0-9.]+' | cut -d= -f2 | sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]}')
      line="$line $name=${median:-?}"
      eval "m_$name=\${median:-0}"
    done
    # shellcheck disable=SC2154
    echo "$line on/off=$(awk -v a="$m_on" -v b="$m_off" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')"
  done
done

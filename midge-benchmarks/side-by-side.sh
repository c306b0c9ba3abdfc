#!/usr/bin/env bash
# The mqbench suite against Midge, Mosquitto and HiveMQ CE in turn: one broker at a time, each fresh, in the same
# session, so that the figures can stand side by side (the issue bars ask for exactly that).
#
#   ./midge-benchmarks/side-by-side.sh                                  # conn, latency and fan-out, QoS 0 1 2
#   SCENARIOS="fanin pairs" QOS_LIST=2 REPEAT=3 ./midge-benchmarks/side-by-side.sh
#   BROKERS="midge mosquitto" ./midge-benchmarks/side-by-side.sh
#
# Midge runs from midge-cli/target/midge.jar (build it first: mvn -q -DskipTests package) with the launcher's JVM
# flags and MIDGE_JAVA_OPTS (default -Xms1g -Xmx1g), durable with its default config unless MIDGE_CONFIG names
# one. Mosquitto and HiveMQ CE start through ../shared/peers/start.sh with their bench-configs (HiveMQ on JDK 25
# with PEER_JAVA_OPTS, default -Xms1g -Xmx1g). Environment: BROKERS ("midge mosquitto hivemq"), SCENARIOS
# ("conn latency fanout"), QOS_LIST ("0 1 2"), REPEAT (3), DURATION (10), CONNS (10000), MQTT (3).
# Prints every RESULT line tagged with broker=NAME, then the suite's SUMMARY lines (medians [min..max]) per broker.
set -euo pipefail

module=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
root=$(dirname "$module")
shared=${SHARED_DIR:-$root/../shared}
mqbench=$shared/mqbench
peers=$shared/peers
# shellcheck source=../.ci/java-home.sh
source "$root/.ci/java-home.sh"
use_jdk_17_or_newer
[[ -x $mqbench/mqbench ]] || make -C "$mqbench" >&2
jar=$root/midge-cli/target/midge.jar
[[ -f $jar ]] || { echo "side-by-side: $jar is missing; run mvn -q -DskipTests package first" >&2; exit 2; }

export SCENARIOS=${SCENARIOS:-"conn latency fanout"} QOS_LIST=${QOS_LIST:-"0 1 2"} REPEAT=${REPEAT:-3}
export PEER_JAVA_OPTS=${PEER_JAVA_OPTS:-"-Xms1g -Xmx1g"}
work=$(mktemp -d /tmp/midge-side-by-side.XXXXXX)
trap 'rm -rf "$work"' EXIT
set_broker_jvm_flags
port=18870

wait_for_port() {
  for _ in $(seq 1 240); do (echo > /dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.5; done
  echo "side-by-side: nothing listens on port $1" >&2; return 1
}

start_broker() { # NAME PORT -> prints the PID
  local name=$1 port=$2
  case $name in
    midge)
      local config=()
      [[ -n ${MIDGE_CONFIG:-} ]] && config=(--config "$MIDGE_CONFIG")
      # shellcheck disable=SC2086
      java "${jvm_flags[@]}" ${MIDGE_JAVA_OPTS:--Xms1g -Xmx1g} -jar "$jar" broker --port "$port" --http-port 0 \
          --data-dir "$work/midge-data" --log-level warn "${config[@]}" > "$work/midge.log" 2>&1 &
      echo $!
      wait_for_port "$port" >&2 ;;
    mosquitto) "$peers/start.sh" mosquitto "$port" "$peers/bench-configs/mosquitto-bench.conf" 2> /dev/null | tail -1 ;;
    hivemq) "$peers/start.sh" hivemq "$port" "$peers/bench-configs/hivemq-bench.xml" 2> /dev/null | tail -1 ;;
    *) echo "side-by-side: unknown broker $name" >&2; return 2 ;;
  esac
}

stop_broker() { # NAME PID
  if [[ $1 == midge ]]; then kill "$2"; wait "$2" 2> /dev/null || true; else "$peers/stop.sh" "$2" > /dev/null 2>&1 || true; fi
}

for name in ${BROKERS:-midge mosquitto hivemq}; do
  pid=$(start_broker "$name" $port)
  echo "# $name on port $port (pid $pid)" >&2
  "$mqbench/suite.sh" 127.0.0.1 $port "$pid" 2> /dev/null | grep '^RESULT' | sed "s/^RESULT/RESULT broker=$name/" \
      | tee "$work/$name.results"
  stop_broker "$name" "$pid"
  port=$((port + 1))
done

for name in ${BROKERS:-midge mosquitto hivemq}; do
  sed 's/^RESULT broker=[a-z]* /RESULT /' "$work/$name.results" | "$mqbench/summarize.sh" | sed "s/^SUMMARY/SUMMARY broker=$name/"
done

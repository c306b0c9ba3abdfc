#!/usr/bin/env bash
# Publishes per second of one connection at QoS 0 and QoS 1: the Midge client beside Eclipse Paho (3.1.1 and 5.0)
# and the HiveMQ MQTT client, against the same broker in the same run (io.midge.benchmarks.ClientThroughput).
#
#   ./midge-benchmarks/client-throughput.sh                      # starts ./midge broker --in-memory on port 18830
#   ./midge-benchmarks/client-throughput.sh 127.0.0.1 1883      # against a broker that is already running
#   COUNT=500000 PAYLOAD=64 WINDOW=1000 ./midge-benchmarks/client-throughput.sh   (the defaults)
#
# Run it on a quiet machine: the clients and the broker share its cores. Build output goes to stderr.
set -euo pipefail

module=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
root=$(dirname "$module")

if [[ -f $root/.ci/java-home.sh ]]; then
  # shellcheck source=../.ci/java-home.sh
  source "$root/.ci/java-home.sh"
  use_jdk_17_or_newer
fi

echo "client-throughput: building $module/target/benchmarks.jar ..." >&2
if ! (cd "$root" && mvn -B -q -Dmaven.test.skip=true -pl midge-benchmarks -am package) >&2; then
  echo "client-throughput: the build failed (see above)" >&2
  exit 1
fi

host=${1:-127.0.0.1}
port=${2:-18830}
broker_pid=
if (( $# == 0 )); then
  "$root/midge" broker --in-memory --port "$port" >/dev/null 2>&1 &
  broker_pid=$!
  trap 'kill "$broker_pid" 2>/dev/null; wait "$broker_pid" 2>/dev/null || true' EXIT
  for _ in $(seq 1 600); do
    if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then break; fi
    sleep 0.1
  done
fi

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
java -cp "$module/target/benchmarks.jar" io.midge.benchmarks.ClientThroughput "$host" "$port" \
  "${COUNT:-500000}" "${PAYLOAD:-64}" "${WINDOW:-1000}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

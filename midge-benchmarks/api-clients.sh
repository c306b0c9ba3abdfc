#!/usr/bin/env bash
# What one page of GET /api/v1/clients costs with many clients connected: mqbench's conn scenario holds CONNS idle
# connections (10,000 by default) while curl times the first page of 100 and of 1,000, a page further on (by the
# cursor), a prefix search and /api/v1/stats, each ROUNDS times; prints the median of each.
#
#   ./midge --version && ./midge-benchmarks/api-clients.sh
#
# Environment: CONNS (10000), ROUNDS (20), MIDGE_JAR (midge-cli/target/midge.jar), MIDGE_JAVA_OPTS ("-Xms1g -Xmx1g").
set -euo pipefail

module=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
root=$(dirname "$module")
mqbench=${MQBENCH_DIR:-$root/../shared/mqbench}
jar=${MIDGE_JAR:-$root/midge-cli/target/midge.jar}
conns=${CONNS:-10000}
rounds=${ROUNDS:-20}
# shellcheck source=../.ci/java-home.sh
source "$root/.ci/java-home.sh"
use_jdk_17_or_newer
[[ -x $mqbench/mqbench ]] || make -C "$mqbench" >&2
[[ -f $jar ]] || { echo "no $jar: run ./midge --version first" >&2; exit 2; }

work=$(mktemp -d /tmp/midge-api-clients.XXXXXX)
port=18880
http=18881
base=http://127.0.0.1:$http/api/v1
jvm_flags=(--enable-native-access=ALL-UNNAMED)
if (( $(jdk_feature_release "$JAVA_HOME") >= 24 )); then
  jvm_flags+=(--sun-misc-unsafe-memory-access=allow)
fi
# shellcheck disable=SC2086
java "${jvm_flags[@]}" ${MIDGE_JAVA_OPTS:--Xms1g -Xmx1g} -jar "$jar" broker --port $port --http-port $http \
    --in-memory --log-level warn > "$work/broker.log" 2>&1 &
pid=$!
trap 'kill $pid $holder 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.5; done

"$mqbench/mqbench" conn -p $port -b "$pid" -c "$conns" --hold 600 > "$work/conn.log" 2>&1 &
holder=$!
for _ in $(seq 1 240); do
  connected=$(curl -s "$base/stats" | grep -oE '"connections":[0-9]+' | cut -d: -f2)
  (( ${connected:-0} >= conns )) && break
  sleep 0.5
done
echo "# $connected clients connected" >&2

median_ms() { # url: the median time of ROUNDS requests, in milliseconds
  for _ in $(seq 1 "$rounds"); do curl -s -o /dev/null -w '%{time_total}\n' "$1"; done \
      | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)] * 1000}'
}
cursor=$(curl -s "$base/clients?limit=1000" | grep -oE '"next":"[^"]*"' | cut -d'"' -f4)
first=$(curl -s "$base/clients?limit=1" | grep -oE '"clientId":"[^"]*"' | head -1 | cut -d'"' -f4)
echo "RESULT conns=$connected clients_100_ms=$(median_ms "$base/clients") \
clients_1000_ms=$(median_ms "$base/clients?limit=1000") \
clients_next_1000_ms=$(median_ms "$base/clients?limit=1000&after=$cursor") \
clients_prefix_ms=$(median_ms "$base/clients?prefix=${first:0:6}&limit=100") \
stats_ms=$(median_ms "$base/stats") page_1000_bytes=$(curl -s "$base/clients?limit=1000" | wc -c)"

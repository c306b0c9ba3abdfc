#!/usr/bin/env bash
# What a page of the management API costs with many clients: a broker (the jar given, in memory), CONNS idle
# connections from mqbench (each subscribed to its own topic), then the API timed with curl: the first page of
# /clients and /subscriptions, a walk through every page with the cursor, a prefix, a filter that matches nothing
# (the scan budget), and /stats. A page should cost about the same at any depth; a whole walk, pages x one page.
#
#   mvn -o -q package -DskipTests && ./midge-benchmarks/api-paging.sh midge-cli/target/midge.jar
#
# Environment: CONNS (10000), LIMIT (100), MIDGE_JAVA_OPTS ("-Xms1g -Xmx1g").
set -euo pipefail

module=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
root=$(dirname "$module")
mqbench=${MQBENCH_DIR:-$root/../shared/mqbench}
(( $# == 1 )) || { echo "usage: $0 MIDGE.jar" >&2; exit 2; }
# shellcheck source=../.ci/java-home.sh
source "$root/.ci/java-home.sh"
use_jdk_17_or_newer
[[ -x $mqbench/mqbench ]] || make -C "$mqbench" >&2
command -v jq > /dev/null || { echo "needs jq" >&2; exit 2; }

conns=${CONNS:-10000} limit=${LIMIT:-100} port=18870 http=18871
api="http://127.0.0.1:$http/api/v1"
work=$(mktemp -d /tmp/midge-api-paging.XXXXXX)
# shellcheck disable=SC2086
java --enable-native-access=ALL-UNNAMED ${MIDGE_JAVA_OPTS:--Xms1g -Xmx1g} -jar "$1" broker --port $port \
    --http-port $http --in-memory --log-level warn > "$work/broker.log" 2>&1 &
pid=$!
trap 'kill $pid $bench 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do curl -sf "$api/health" > /dev/null && break; sleep 0.5; done
"$mqbench/mqbench" conn -p $port -c "$conns" --idle-sub --hold 600 --quiet > "$work/mqbench.log" 2>&1 &
bench=$!
until [[ $(curl -s "$api/stats" | jq .sessions.connected) -ge $conns ]]; do sleep 1; done
echo "# $conns clients connected (pid $pid)"

timed() { # label url: one request, its time and size
  curl -s -o "$work/page.json" -w "%{time_total} %{size_download}\n" "$2" | {
    read -r t size; echo "$1: ${t}s ${size} bytes, $(jq '.items | length' "$work/page.json") items"; }
}
walk() { # label path: every page through the cursor; the requests' own time, summed (not jq's)
  local next="" pages=0 total=0 t
  while :; do
    t=$(curl -s -o "$work/page.json" -w "%{time_total}\n" "$api/$2?limit=$limit${next:+&after=$next}")
    total=$(awk -v a="$total" -v b="$t" 'BEGIN { print a + b }')
    pages=$((pages + 1))
    next=$(jq -r '.next // empty' "$work/page.json")
    [[ -z $next ]] && break
  done
  echo "$1: $pages pages, ${total}s in requests ($(awk -v a="$total" -v n="$pages" 'BEGIN { printf "%.1f", a / n * 1000 }') ms a page)"
}
for _ in 1 2 3; do curl -s "$api/clients?limit=$limit" > /dev/null; done # warm up
timed "first page of /clients (limit $limit)" "$api/clients?limit=$limit"
timed "first page of /clients (limit 1000)" "$api/clients?limit=1000"
timed "/clients?prefix= (one client's prefix)" "$api/clients?prefix=$(jq -r '.items[500].clientId' "$work/page.json")"
timed "/clients?user=nobody (scan budget)" "$api/clients?user=nobody&limit=$limit"
timed "first page of /subscriptions" "$api/subscriptions?limit=$limit"
timed "/stats" "$api/stats"
walk "all of /clients" "clients"
walk "all of /subscriptions" "subscriptions"

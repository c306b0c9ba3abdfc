#!/usr/bin/env bash
# The small-device profile: the broker as a home broker on a Raspberry Pi would run it (a 64 MiB heap, the durable
# store with `sync: always`), holding 1,000 clients (500 publishers, 500 subscribers, one topic per pair) that publish
# 1,000 messages a second in all, at QoS 0 and 1. For each set of JVM options it prints mqbench's delivery figures
# (lost and duplicated must be 0), the broker's CPU and its resident memory (RSS, and the high-water mark).
#
#   ./midge --version                        # builds midge-cli/target/midge.jar
#   ./midge-benchmarks/small-device.sh
#
# Environment: DURATION (60 s), QOS_LIST ("0 1"), CLIENTS (1000), RATE (1000 msg/s in all), MIDGE_JAR
# (midge-cli/target/midge.jar), PROFILES: the JVM option sets to compare, separated by ';' (default: -Xmx64m alone,
# then -Xmx64m with the options the README suggests for small devices).
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

small="-Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=24m -Xss512k"
small+=" -XX:MaxDirectMemorySize=32m"
IFS=';' read -r -a profiles <<< "${PROFILES:--Xmx64m;$small}"
clients=${CLIENTS:-1000}
pairs=$((clients / 2))
work=$(mktemp -d /tmp/midge-small-device.XXXXXX)
pid=
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
port=18980

echo "# $(java -version 2>&1 | head -1); $clients clients, ${RATE:-1000} msg/s in all, ${DURATION:-60} s per run"
for profile in "${profiles[@]}"; do
  for qos in ${QOS_LIST:-0 1}; do
    rm -rf "$work/data"
    # The release's launcher, so that the broker runs with the JVM flags a user's would.
    MIDGE_JAR=$jar MIDGE_JAVA_OPTS=$profile "$root/midge-dist/src/bin/midge" broker --port $port \
        --data-dir "$work/data" --http-port 0 --log-level warn > "$work/broker.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 120); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.5; done
    result=$("$mqbench/mqbench" pairs -p $port -P $pairs -S $pairs -T $pairs -r "${RATE:-1000}" -q "$qos" \
        -d "${DURATION:-60}" -W 5 -b "$pid" --quiet 2>&1 | grep '^RESULT' || true)
    hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    pid=
    ooms=$(grep -c OutOfMemoryError "$work/broker.log" || true)
    fields=$(grep -oE '\b(recv_rate|lost|dup|p50_us|p99_us|broker_cpu_pct|broker_rss_kb)=[^ ]+' <<< "$result" \
        | tr '\n' ' ')
    echo "SMALL qos=$qos ${fields}rss_hwm_kb=$hwm out_of_memory=$ooms jvm=\"$profile\""
    port=$((port + 1))
  done
done

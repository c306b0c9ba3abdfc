#!/usr/bin/env bash
# Memory per idle connection (issue #13): a fresh broker per run, mqbench's `conn` scenario holds N idle
# connections (clean sessions, keep-alive 60 s), and the broker's live heap (`jmap -histo:live`, which collects
# first) and RSS (/proc/PID/status VmRSS) are read before and while they are held. Prints, per run, the heap and
# RSS bytes per connection and the 20 classes that grew most, per connection.
#
#   ./midge-benchmarks/idle-memory.sh                    # 10000 and 19000 connections, without and with --idle-sub
#   CONNS="10000" SUB="1" ./midge-benchmarks/idle-memory.sh [JAR]   # one size, with --idle-sub only
#
# Environment: CONNS ("10000 19000"; this sandbox allows 20,000 open files per process), SUB ("0 1": 1 means
# --idle-sub, one subscription per connection), MIDGE_JAVA_OPTS ("-Xms1g -Xmx1g"), MIDGE_CONFIG (a YAML file;
# default: the broker's defaults, durable), TOP (20), MQBENCH (the generator; default ../shared/mqbench/mqbench,
# built when missing). JAR defaults to midge-cli/target/midge.jar, rebuilt by ./midge when the sources changed.
#
# Before the measured run a few hundred connections come and go, so that classes are loaded and pools made; the
# difference of the two histograms is then what the N connections hold. mqbench's own `KB/conn` line is RSS as well,
# read by the generator (RSS also counts eden pages touched by the garbage of connecting, so it is above the heap).
set -euo pipefail

module=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
root=$(dirname "$module")
# shellcheck source=../.ci/java-home.sh
source "$root/.ci/java-home.sh"
use_jdk_17_or_newer
mqbench_dir=$root/../shared/mqbench
mqbench=${MQBENCH:-$mqbench_dir/mqbench}
[[ -x $mqbench ]] || make -C "$mqbench_dir" >&2
if (( $# > 0 )); then
  jar=$1
else
  "$root/midge" --version > /dev/null # builds the jar when the sources changed
  jar=$root/midge-cli/target/midge.jar
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

work=$(mktemp -d /tmp/midge-idle-memory.XXXXXX)
pid=""
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
port=${PORT:-18860}
set_broker_jvm_flags
echo "# $(java -version 2>&1 | head -1); ${jvm_flags[*]} ${MIDGE_JAVA_OPTS:--Xms1g -Xmx1g}"
config=()
[[ -n ${MIDGE_CONFIG:-} ]] && config=(--config "$MIDGE_CONFIG")

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
established() { ss -Htn state established "( sport = :$port )" | wc -l; }
# Total bytes of a `jmap -histo` (its last line), and the table as "class bytes instances".
# jmap attaches to the JVM, which can time out on a busy machine: tried three times.
histo() {
  local attempt
  for attempt in 1 2 3; do
    jmap -histo:live "$1" > "$2" 2>/dev/null && return 0
    echo "idle-memory: jmap -histo:live $1 failed (attempt $attempt)" >&2
    sleep 2
  done
  return 1
}
total() { awk '$1 == "Total" {print $3}' "$1"; }

for conns in ${CONNS:-10000 19000}; do
  for sub in ${SUB:-0 1}; do
    flags=()
    (( sub )) && flags=(--idle-sub)
    rm -rf "$work/data"
    # shellcheck disable=SC2086
    java "${jvm_flags[@]}" ${MIDGE_JAVA_OPTS:--Xms1g -Xmx1g} -jar "$jar" broker --port "$port" --http-port 0 \
        --data-dir "$work/data" --log-level warn "${config[@]}" > "$work/broker.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 240); do (echo > /dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.5; done
    "$mqbench" conn -p "$port" -c 500 --hold 0 "${flags[@]}" --quiet > /dev/null 2>&1 || true # a warm-up only
    for _ in $(seq 1 100); do (( $(established) == 0 )) && break; sleep 0.1; done
    sleep 1
    histo "$pid" "$work/before"
    rss_before=$(rss_kb "$pid")

    "$mqbench" conn -p "$port" -b "$pid" -c "$conns" --hold "${HOLD:-30}" "${flags[@]}" > "$work/mqbench.out" 2>&1 &
    gen=$!
    for _ in $(seq 1 600); do (( $(established) >= conns )) && break; sleep 0.1; done
    sleep 2 # the last SUBSCRIBEs answered
    held=$(established)
    rss_after=$(rss_kb "$pid")
    histo "$pid" "$work/after"
    wait "$gen" || true
    kill "$pid"; wait "$pid" 2>/dev/null || true
    pid=""

    label="conns=$conns idle_sub=$sub held=$held"
    heap=$(( ($(total "$work/after") - $(total "$work/before")) / conns ))
    rss=$(( (rss_after - rss_before) * 1024 / conns ))
    echo "IDLE $label heap_bytes_per_conn=$heap rss_bytes_per_conn=$rss rss_kb=$rss_before->$rss_after" \
        "$(grep -oE 'conn_rate=[0-9]+|broker_cpu_us_per_conn=[0-9.]+|ping_answered=[0-9]+|broker_kb_per_conn=[0-9.]+' \
            "$work/mqbench.out" | tr '\n' ' ')"
    # Per class: bytes and instances per connection, the largest growth first.
    awk -v n="$conns" -v top="${TOP:-20}" '
      FNR == 1 { file++ }
      $1 ~ /^[0-9]+:$/ { if (file == 1) { b[$4] = $3; i[$4] = $2 } else { a[$4] = $3; j[$4] = $2 } }
      END {
        for (k in a) { d = (a[k] - b[k]) / n; if (d > 0) printf "%9.1f B %7.3f x  %s\n", d, (j[k] - i[k]) / n, k }
      }' "$work/before" "$work/after" | sort -rn | head -"${TOP:-20}"
    port=$((port + 1))
  done
done

#!/usr/bin/env bash
# How many event loops (`io-threads`) to run: the mqbench scenarios (fan-in, fan-out, pairs at QoS 0 and 1 by
# default, and the connection rate) against the broker with each thread count in turn, a fresh broker and data
# directory per count and round, the counts alternating round by round so that they share the minutes and their
# noise. Prints the RESULT lines tagged threads=N, then one SUMMARY line per scenario, QoS and count with the medians
# of deliveries per second and broker CPU per delivery (conn: CONNACKs per second and broker CPU per connect).
#
#   ./midge-benchmarks/io-threads.sh                       # io-threads 1, 2 and 4, REPEAT=3
#   THREADS="1 2" SCENARIOS="fanin pairs" QOS_LIST=1 ./midge-benchmarks/io-threads.sh [JAR]
#
# Environment: THREADS ("1 2 4"), SCENARIOS ("fanin fanout pairs conn"), QOS_LIST ("0 1"), REPEAT (3), DURATION
# (10), WARMUP (2), CONNS (10000), MIDGE_JAVA_OPTS ("-Xms1g -Xmx1g"), MIDGE_CONFIG (a YAML file the count is added
# to; default: the broker's defaults, durable). JAR defaults to midge-cli/target/midge.jar, rebuilt by ./midge.
set -euo pipefail

module=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
root=$(dirname "$module")
# shellcheck source=../.ci/java-home.sh
source "$root/.ci/java-home.sh"
use_jdk_17_or_newer
mqbench_dir=${MQBENCH_DIR:-$root/../shared/mqbench}
[[ -x $mqbench_dir/mqbench ]] || make -C "$mqbench_dir" >&2
if (( $# > 0 )); then
  jar=$1
else
  "$root/midge" --version > /dev/null # builds the jar when the sources changed
  jar=$root/midge-cli/target/midge.jar
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

work=$(mktemp -d /tmp/midge-io-threads.XXXXXX)
pid=""
cleanup() { [[ -n $pid ]] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
set_broker_jvm_flags
threads=${THREADS:-"1 2 4"}
scenarios=${SCENARIOS:-"fanin fanout pairs conn"}
echo "# $(java -version 2>&1 | head -1); ${jvm_flags[*]} ${MIDGE_JAVA_OPTS:--Xms1g -Xmx1g}; $(nproc) cores;" \
    "threads: $threads"
port=18880
for rep in $(seq 1 "${REPEAT:-3}"); do
  for n in $threads; do
    rm -rf "$work/data"
    { [[ -n ${MIDGE_CONFIG:-} ]] && cat "$MIDGE_CONFIG"; echo "io-threads: $n"; } > "$work/broker.yaml"
    # shellcheck disable=SC2086
    java "${jvm_flags[@]}" ${MIDGE_JAVA_OPTS:--Xms1g -Xmx1g} -jar "$jar" broker --port "$port" --http-port 0 \
        --data-dir "$work/data" --log-level warn --config "$work/broker.yaml" > "$work/broker.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 240); do (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.5; done
    # conn last: the other scenarios warm the broker's connect path too, and its sessions are gone by then.
    ordered=""
    for s in $scenarios; do [[ $s != conn ]] && ordered="$ordered $s"; done
    [[ " $scenarios " == *" conn "* ]] && ordered="$ordered conn"
    if [[ " $scenarios " == *" conn "* ]]; then
      # A warm-up of the connect path (the JIT), unmeasured.
      "$mqbench_dir/mqbench" conn -p "$port" -c "${CONNS:-10000}" --hold 0 --quiet > /dev/null 2>&1 || true
    fi
    SCENARIOS="$ordered" QOS_LIST=${QOS_LIST:-"0 1"} REPEAT=1 LOGDIR="$work/logs" \
        "$mqbench_dir/suite.sh" 127.0.0.1 "$port" "$pid" 2> /dev/null | grep '^RESULT' \
        | sed "s/^RESULT/RESULT threads=$n round=$rep/" | tee -a "$work/results"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    pid=""
    port=$((port + 1))
  done
done

median() { sort -n | awk '{a[NR] = $1} END { if (NR) printf "%s [%s..%s]", a[int((NR + 1) / 2)], a[1], a[NR] }'; }
for s in $scenarios; do
  qs=${QOS_LIST:-"0 1"}
  [[ $s == conn ]] && qs="-"
  for q in $qs; do
    for n in $threads; do
      lines=$(grep -E "threads=$n .*scenario=$s\b" "$work/results" || true)
      [[ $q != - ]] && lines=$(grep -E "\bqos=$q\b" <<< "$lines" || true)
      if [[ $s == conn ]]; then
        echo "SUMMARY $s threads=$n conn_rate=$(grep -oE 'conn_rate=[0-9.]+' <<< "$lines" | cut -d= -f2 | median)" \
            "us_per_connect=$(grep -oE 'broker_cpu_us_per_conn=[0-9.]+' <<< "$lines" | cut -d= -f2 | median)"
      else
        echo "SUMMARY $s qos=$q threads=$n recv_rate=$(grep -oE 'recv_rate=[0-9.]+' <<< "$lines" | cut -d= -f2 | median)" \
            "us_per_msg=$(grep -oE 'broker_cpu_us_per_msg=[0-9.]+' <<< "$lines" | cut -d= -f2 | median)" \
            "p50_us=$(grep -oE 'p50_us=[0-9.]+' <<< "$lines" | cut -d= -f2 | median)" \
            "others_pct=$(grep -oE 'others_cpu_pct=[0-9.-]+' <<< "$lines" | cut -d= -f2 | median)" \
            "lost=$(grep -oE '\blost=[0-9]+' <<< "$lines" | cut -d= -f2 | paste -sd+ | bc)"
      fi
    done
  done
done

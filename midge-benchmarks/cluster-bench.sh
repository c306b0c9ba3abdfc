#!/usr/bin/env bash
# What a message costs in a three-node cluster against one broker (issue #11's bar): mqbench's pairs and fan-out at
# QoS 0 and 1, publishers on node 1 and subscribers on nodes 2 and 3 (so every message crosses a link), beside the
# same scenarios on a single broker, interleaved run by run in the same session so that both meet the same noise.
# All four brokers run at once (the idle ones cost no measured CPU: mqbench sums /proc CPU of the PIDs it is given).
#
#   ./midge-benchmarks/cluster-bench.sh                 # needs ../shared/mqbench (built when missing)
#   REPEAT=3 SCENARIOS="pairs fanout" QOS_LIST="0 1" ./midge-benchmarks/cluster-bench.sh
#
# Environment: SCENARIOS ("pairs fanout"), QOS_LIST ("0 1"), DURATION (10), WARMUP (2), REPEAT (3), MQTT (3),
# WARM (2: rounds of every scenario on both setups run first and not counted, so that no JVM is measured cold),
# MIDGE_JAVA_OPTS ("-Xms512m -Xmx512m", each broker), MIDGE_JAR (the jar to run), KEEP (set: keep the logs and data in the work directory),
# MQBENCH_ARGS (more mqbench options for every run, e.g. "--rate 300000": open loop at a fixed rate, so that two builds
# are compared delivering the same number per second, not each at the rate its closed loop settles at),
# THREADS (set: also print each run's CPU per message by process and thread group: mqbench's figure split in the
# shares /proc/PID/task shows over the whole run, warm-up included: event loops, JIT compilers, GC, Hazelcast, store,
# cluster, other).
# Prints each run's RESULT line (tagged setup=single or setup=cluster), then one SUMMARY line per scenario and QoS:
# the medians of broker CPU per delivered message (µs, summed over the three nodes for the cluster), their ratio
# (the bar: at most 1.5), deliveries per second, and lost/duplicated summed over the repeats (the bar: 0).
set -euo pipefail

module=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
root=$(dirname "$module")
mqbench_dir=${MQBENCH_DIR:-$root/../shared/mqbench}
# shellcheck source=../.ci/java-home.sh
source "$root/.ci/java-home.sh"
use_jdk_17_or_newer
set_broker_jvm_flags

bin=$mqbench_dir/mqbench
if [[ ! -x $bin ]]; then
  bin=/tmp/mqbench-bin
  gcc -O2 -Wall -o "$bin" "$mqbench_dir/mqbench.c" -lm
fi
# MIDGE_JAR: a jar to measure (a copy, so that a rebuild cannot change a running benchmark); else midge.jar, built
# when a source changed.
jar=${MIDGE_JAR:-}
if [[ -z $jar ]]; then
  "$root/midge" --version > /dev/null
  jar=$root/midge-cli/target/midge.jar
fi

SCENARIOS=${SCENARIOS:-"pairs fanout"}
QOS_LIST=${QOS_LIST:-"0 1"}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
REPEAT=${REPEAT:-3}
WARM=${WARM:-2}
MQTT=${MQTT:-3}
work=$(mktemp -d /tmp/midge-cluster-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  wait 2> /dev/null || true
  if [[ -z ${KEEP:-} ]]; then rm -rf "$work"; else echo "# kept $work" >&2; fi
}
trap cleanup EXIT

# Free ports from the kernel's ephemeral range, so that two runs (or CI) on one machine do not collide.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_broker() { # NAME PORT [broker flags...]; sets $pid
  local name=$1 port=$2
  shift 2
  # shellcheck disable=SC2086
  java "${jvm_flags[@]}" ${MIDGE_JAVA_OPTS:--Xms512m -Xmx512m} -jar "$jar" broker --port "$port" --http-port 0 \
      --data-dir "$work/$name" --log-level info "$@" > "$work/$name.log" 2>&1 &
  pid=$!
  pids+=("$pid")
}

await_port() { # PORT PID
  for _ in $(seq 1 240); do
    (echo > /dev/tcp/127.0.0.1/"$1") 2> /dev/null && return 0
    kill -0 "$2" 2> /dev/null || break
    sleep 0.5
  done
  echo "cluster-bench: the broker on port $1 did not start (logs in $work)" >&2
  KEEP=1
  exit 1
}

single_port=$(free_port)
start_broker single "$single_port"
single_pid=$pid
ports=() cports=() cpids=()
for i in 1 2 3; do
  ports+=("$(free_port)")
  cports+=("$(free_port)")
done
members="127.0.0.1:${cports[0]},127.0.0.1:${cports[1]},127.0.0.1:${cports[2]}"
for i in 0 1 2; do
  start_broker "node$((i + 1))" "${ports[$i]}" --cluster-node-id "node$((i + 1))" --cluster-port "${cports[$i]}" \
      --cluster-members "$members"
  cpids+=("$pid")
done
await_port "$single_port" "$single_pid"
for i in 0 1 2; do await_port "${ports[$i]}" "${cpids[$i]}"; done
# A node takes clients once it sees a majority (until then CONNACK says Server unavailable): probe each node. Routes
# reach node 1 a moment after SUBACK on nodes 2 and 3; mqbench's warm-up covers that.
for i in 0 1 2; do
  for _ in $(seq 1 120); do
    mosquitto_pub -p "${ports[$i]}" -t cluster-bench/probe -m up -q 1 2> /dev/null && break
    sleep 0.5
  done
done
echo "# single broker pid $single_pid on $single_port; cluster pids ${cpids[*]} on ${ports[*]}; logs in $work" >&2

cluster_pids=$(IFS=,; echo "${cpids[*]}")
pub="127.0.0.1:${ports[0]}"
subs="127.0.0.1:${ports[1]},127.0.0.1:${ports[2]}"
results=$work/results.txt
: > "$results"

run() { # SETUP SCENARIO QOS REP PIDS mqbench-args...
  local setup=$1 scenario=$2 qos=$3 rep=$4 bpids=$5 out into=$results
  [[ $rep == w* ]] && into=$work/warm-up.txt
  shift 5
  out=$work/$setup-$scenario-q$qos-$rep
  [[ -n ${THREADS:-} ]] && python3 "$module/thread-cpu.py" snap "$bpids" > "$out.before"
  "$bin" "$scenario" -q "$qos" -d "$DURATION" -W "$WARMUP" -V "$MQTT" --prefix "cb$rep$setup$qos" \
      --tag "setup=$setup rep=$rep" -b "$bpids" ${MQBENCH_ARGS:-} "$@" > "$out.txt" 2>&1 || true
  if [[ -n ${THREADS:-} ]]; then
    python3 "$module/thread-cpu.py" snap "$bpids" > "$out.after"
  fi
  grep '^RESULT' "$out.txt" | tee -a "$into" \
      || echo "# $setup $scenario q$qos: no RESULT (see $out.txt)" >&2
  local per labels=single
  per=$(grep -oE '\bbroker_cpu_us_per_msg=[0-9.]+' "$out.txt" | cut -d= -f2 || true)
  [[ $setup == cluster ]] && labels="node1 node2 node3"
  # shellcheck disable=SC2086
  [[ -n ${THREADS:-} && -n $per ]] && python3 "$module/thread-cpu.py" split "$out.before" "$out.after" "$per" \
      $labels | sed "s/^THREADS /THREADS $setup $scenario q$qos rep=$rep /"
  sleep 1
}

# WARM rounds first, not counted: each JVM compiles its hot paths in its first seconds of traffic (three JVMs in the
# cluster, each compiling what its own share of the work needs), which would count against whichever runs first.
# Two: after one, the cluster's C2 threads still took 0.13-0.15 us per message in the first counted run of pairs at
# QoS 0 (12-14 % of the cluster's CPU), against 0.02-0.03 in the runs after it (session 13, THREADS=1).
# shellcheck disable=SC2046
for rep in $(seq -f 'w%g' 1 "$WARM" 2> /dev/null) $(seq 1 "$REPEAT"); do
  for scenario in $SCENARIOS; do
    for qos in $QOS_LIST; do
      run single "$scenario" "$qos" "$rep" "$single_pid" -p "$single_port"
      run cluster "$scenario" "$qos" "$rep" "$cluster_pids" --pub-addrs "$pub" --sub-addrs "$subs"
    done
  done
done

field() { grep -oE "\b$1=[0-9.]+" | cut -d= -f2; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print "?"}'; }
sum() { awk '{s+=$1} END {print s+0}'; }
for scenario in $SCENARIOS; do
  for qos in $QOS_LIST; do
    line="SUMMARY $scenario qos=$qos"
    for setup in single cluster; do
      rows=$(grep -E "scenario=$scenario\b" "$results" | grep -E "\bqos=$qos\b" | grep "setup=$setup" || true)
      eval "cpu_$setup=$(field broker_cpu_us_per_msg <<< "$rows" | median)"
      line="$line $setup: cpu_us_per_msg=$(eval echo "\$cpu_$setup") recv_rate=$(field recv_rate <<< "$rows" | median)"
      line="$line lost=$(field lost <<< "$rows" | sum) dup=$(field dup <<< "$rows" | sum)"
      line="$line others_cpu_pct=$(field others_cpu_pct <<< "$rows" | median)"
    done
    # shellcheck disable=SC2154
    echo "$line ratio=$(awk -v c="$cpu_cluster" -v s="$cpu_single" 'BEGIN { printf "%.2f", (s > 0 ? c / s : 0) }')"
  done
done

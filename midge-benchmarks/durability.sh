#!/usr/bin/env bash
# QoS 1 fan-in and pairs with persistent sessions (issues #4 and #13): Midge in memory, with `sync: always` and with
# `sync: interval`, each run on a fresh broker and data directory, then Mosquitto with `persistence true` when it is
# installed. Prints one RUN line per run: deliveries per second, loss, p50 latency, broker CPU, and the store's syncs
# and commits in the run (from the broker's /metrics). With several jars, the runs alternate between them round after
# round (REPEAT rounds), so that a before/after pair shares the minutes and their noise; SUMMARY lines give medians
# [min..max] per jar, scenario and mode, and each jar's `sync: always` / in-memory ratio of the medians.
#
#   ./midge-benchmarks/durability.sh                                  # midge-cli/target/midge.jar, rebuilt by ./midge
#   REPEAT=3 MODES="in-memory always" ./midge-benchmarks/durability.sh /tmp/before.jar midge-cli/target/midge.jar
#   ./midge-benchmarks/durability.sh midge.jar midge.jar+-Dname=value+-Dother=1   # one build, JVM options added
#
# Environment: SCENARIOS ("fanin pairs"), MODES ("in-memory always interval"), REPEAT (1), DURATION (10), WARMUP (2),
# MOSQUITTO (1: run it when installed; 0: not), PORT (18870: the broker's MQTT port, its HTTP port is PORT + 100,
# Mosquitto's PORT + 1), MIDGE_JAVA_OPTS ("-Xms1g -Xmx1g"), TMPDIR (where the data directories go).
# Every subscriber's session is persistent (mqbench --persistent), so every QoS 1 delivery goes through the store.
set -euo pipefail

module=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
root=$(dirname "$module")
# shellcheck source=../.ci/java-home.sh
source "$root/.ci/java-home.sh"
use_jdk_17_or_newer
mqbench_dir=${MQBENCH_DIR:-$root/../shared/mqbench}
mqbench=$mqbench_dir/mqbench
[[ -x $mqbench ]] || make -C "$mqbench_dir" >&2
jars=("$@")
if (( ${#jars[@]} == 0 )); then
  "$root/midge" --version > /dev/null # builds the jar when the sources changed
  jars=("$root/midge-cli/target/midge.jar")
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/midge-durability.XXXXXX")
broker_pid=
cleanup() {
  [[ -n $broker_pid ]] && kill "$broker_pid" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || true
set_broker_jvm_flags
port=${PORT:-18870}
http=$((port + 100))
echo "# $(java -version 2>&1 | head -1); ${jvm_flags[*]} ${MIDGE_JAVA_OPTS:--Xms1g -Xmx1g}; load $(cut -d' ' -f1-3 /proc/loadavg)"

# The store's syncs and commits so far, from the broker's /metrics.
store_counts() {
  curl -s "http://127.0.0.1:$http/metrics" | awk '/^midge_store_syncs_total/ {s = $2}
      /^midge_store_commit_seconds_count/ {c = $2} END {printf "%d %d\n", s, c}'
}

run() { # LABEL SCENARIO PID PORT [MIDGE]
  local out before after line
  [[ -n ${5:-} ]] && read -r -a before <<< "$(store_counts)"
  out=$("$mqbench" "$2" -q 1 --persistent -p "$4" -b "$3" -d "${DURATION:-10}" -W "${WARMUP:-2}" 2>&1 \
      | grep '^RESULT' || true)
  line="RUN $1 $2 $(grep -oE 'recv_rate=[0-9]+| lost=[0-9]+| dup=[0-9]+|p50_us=[0-9]+|broker_cpu_pct=[0-9]+|broker_cpu_us_per_msg=[0-9.]+' \
      <<< "$out" | tr -d ' ' | tr '\n' ' ')"
  if [[ -n ${5:-} ]]; then
    read -r -a after <<< "$(store_counts)"
    line="$line syncs=$((after[0] - before[0])) commits=$((after[1] - before[1]))"
  fi
  echo "$line load=$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$work/runs"
}

midge_run() { # JAR_INDEX SCENARIO MODE
  local jar=${jars[$1]%%+*} extra=()
  [[ ${jars[$1]} == *+* ]] && IFS=+ read -r -a extra <<< "${jars[$1]#*+}"
  case $3 in
    in-memory) store=(--in-memory) ;;
    *) store=(--data-dir "$work/data"); printf 'sync: %s\n' "$3" > "$work/midge.yaml"; store+=(--config "$work/midge.yaml") ;;
  esac
  rm -rf "$work/data"
  # shellcheck disable=SC2086
  java "${jvm_flags[@]}" ${MIDGE_JAVA_OPTS:--Xms1g -Xmx1g} "${extra[@]}" -jar "$jar" broker --port "$port" --http-port "$http" \
      "${store[@]}" --log-level warn > "$work/broker.log" 2>&1 &
  broker_pid=$!
  for _ in $(seq 1 240); do (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.5; done
  run "jar=$1 mode=$3" "$2" "$broker_pid" "$port" midge
  kill "$broker_pid"; wait "$broker_pid" 2>/dev/null || true
  broker_pid=
}

for i in "${!jars[@]}"; do echo "# jar=$i ${jars[$i]}"; done
for r in $(seq 1 "${REPEAT:-1}"); do
  for scenario in ${SCENARIOS:-fanin pairs}; do
    for mode in ${MODES:-in-memory always interval}; do
      for i in "${!jars[@]}"; do midge_run "$i" "$scenario" "$mode"; done
    done
    if (( ${MOSQUITTO:-1} )) && command -v mosquitto > /dev/null; then
      mkdir -p "$work/mosquitto"
      chmod 755 "$work"; chmod 777 "$work/mosquitto" # run as root, mosquitto drops to its own user
      printf 'listener %d 127.0.0.1\nallow_anonymous true\nmax_inflight_messages 1000\nmax_queued_messages 1000000\nset_tcp_nodelay true\npersistence true\npersistence_location %s/\n' \
          $((port + 1)) "$work/mosquitto" > "$work/mosquitto.conf"
      mosquitto -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 &
      broker_pid=$!
      for _ in $(seq 1 40); do (echo > "/dev/tcp/127.0.0.1/$((port + 1))") 2>/dev/null && break; sleep 0.25; done
      run "mosquitto persistence" "$scenario" "$broker_pid" $((port + 1))
      kill "$broker_pid"; wait "$broker_pid" 2>/dev/null || true
      broker_pid=
    fi
  done
done

# Medians [min..max] of the rate and the CPU per message, per jar, scenario and mode; then the ratio of the medians.
stat() { sort -n | awk '{a[NR] = $1} END { if (NR) printf "%s [%s..%s]", a[int((NR + 1) / 2)], a[1], a[NR] }'; }
median() { sort -n | awk '{a[NR] = $1} END { if (NR) print a[int((NR + 1) / 2)] }'; }
for i in "${!jars[@]}"; do
  for scenario in ${SCENARIOS:-fanin pairs}; do
    for mode in ${MODES:-in-memory always interval}; do
      runs=$(grep -F "RUN jar=$i mode=$mode $scenario " "$work/runs" || true)
      [[ -z $runs ]] && continue
      echo "SUMMARY jar=$i mode=$mode $scenario recv_rate=$(grep -oE 'recv_rate=[0-9]+' <<< "$runs" | cut -d= -f2 | stat)" \
          "us_per_msg=$(grep -oE 'us_per_msg=[0-9.]+' <<< "$runs" | cut -d= -f2 | stat)" \
          "syncs=$(grep -oE 'syncs=[0-9]+' <<< "$runs" | cut -d= -f2 | stat)"
    done
    mem=$(grep -F "RUN jar=$i mode=in-memory $scenario " "$work/runs" | grep -oE 'recv_rate=[0-9]+' | cut -d= -f2 | median || true)
    always=$(grep -F "RUN jar=$i mode=always $scenario " "$work/runs" | grep -oE 'recv_rate=[0-9]+' | cut -d= -f2 | median || true)
    [[ -n $mem && -n $always ]] && echo "RATIO jar=$i $scenario always/in-memory=$(awk -v a="$always" -v m="$mem" 'BEGIN { printf "%.2f", a / m }')"
  done
done
true

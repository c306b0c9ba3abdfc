#!/usr/bin/env bash
# How often the broker's threads wake up, idle and at a light load (issues #13 and #11: a timer that wakes a thread
# competes for the cores with the event loop, and a cluster pays each node's fixed costs again). Counts each thread's
# context switches (/proc/PID/task/*/status) and CPU time (/proc/PID/task/*/stat) over DURATION seconds: a thread
# that blocks and is woken makes one voluntary switch, so voluntary switches per second are its wake-ups, a figure
# that does not depend on how busy the machine is (involuntary ones do: the thread was pre-empted).
#
#   ./midge-benchmarks/wakeups.sh                       # idle, then mqbench's latency scenario at QoS 0
#   LOADS="idle 0 1 2" DURATION=20 ./midge-benchmarks/wakeups.sh
#   NODES=3 LOADS=idle ./midge-benchmarks/wakeups.sh    # an idle three-node cluster, each node on its own
#
# Environment: LOADS ("idle 0"): `idle`, or a QoS for mqbench's `latency` scenario (10 pairs, RATE msg/s in all);
# RATE (5000); DURATION (10, measured seconds); SETTLE (5: after the start, and after the load starts);
# PORT (18895; NODES uses PORT..PORT+2 for MQTT and PORT+10.. for the cluster); NODES (1, or 3 for a cluster);
# MIDGE_JAVA_OPTS ("-Xms1g -Xmx1g"); MIDGE_CONFIG (a YAML file; default: the defaults, durable);
# MIDGE_ARGS (more broker flags); WORK (the data and log directory; default a fresh one under /tmp, removed after).
# JAR defaults to midge-cli/target/midge.jar, rebuilt by ./midge when the sources changed.
#
# Prints, per load (and node), one line per group of threads (names with their numbers folded: midge-store-writer-N)
# with wake-ups per second, involuntary switches per second and CPU in % of a core, busiest first, then
#   WAKEUPS load=idle node=1 wakeups_per_s=... involuntary_per_s=... cpu_pct=... threads=...
# and, for a load, mqbench's RESULT line (its latency figures are noisy on a shared machine; the wake-ups are not).
set -euo pipefail

module=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
root=$(dirname "$module")
# shellcheck source=../.ci/java-home.sh
source "$root/.ci/java-home.sh"
use_jdk_17_or_newer
mqbench_dir=${MQBENCH_DIR:-$root/../shared/mqbench}
mqbench=$mqbench_dir/mqbench
[[ -x $mqbench ]] || make -C "$mqbench_dir" >&2
if (( $# > 0 )); then
  jar=$1
else
  "$root/midge" --version > /dev/null # builds the jar when the sources changed
  jar=$root/midge-cli/target/midge.jar
fi

LOADS=${LOADS:-"idle 0"}
RATE=${RATE:-5000}
DURATION=${DURATION:-10}
SETTLE=${SETTLE:-5}
PORT=${PORT:-18895}
NODES=${NODES:-1}
if [[ -n ${WORK:-} ]]; then
  work=$WORK
  mkdir -p "$work"
else
  work=$(mktemp -d /tmp/midge-wakeups.XXXXXX)
fi
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  wait 2> /dev/null || true
  [[ -z ${WORK:-} ]] && rm -rf "$work"
  return 0
}
trap cleanup EXIT
set_broker_jvm_flags
hz=$(getconf CLK_TCK)
echo "# $(java -version 2>&1 | head -1); ${jvm_flags[*]} ${MIDGE_JAVA_OPTS:--Xms1g -Xmx1g}; load average $(cut -d' ' -f1-3 /proc/loadavg)"

start_broker() { # NAME PORT [flags...]; sets $pid
  local name=$1 port=$2 config=()
  shift 2
  [[ -n ${MIDGE_CONFIG:-} ]] && config=(--config "$MIDGE_CONFIG")
  # shellcheck disable=SC2086
  java "${jvm_flags[@]}" ${MIDGE_JAVA_OPTS:--Xms1g -Xmx1g} -jar "$jar" broker --port "$port" --http-port 0 \
      --data-dir "$work/$name" --log-level warn "${config[@]}" ${MIDGE_ARGS:-} "$@" > "$work/$name.log" 2>&1 &
  pid=$!
  pids+=("$pid")
}

await_port() { # PORT PID
  for _ in $(seq 1 240); do
    (echo > /dev/tcp/127.0.0.1/"$1") 2> /dev/null && return 0
    kill -0 "$2" 2> /dev/null || break
    sleep 0.5
  done
  echo "wakeups: the broker on port $1 did not start (log in $work)" >&2
  exit 1
}

# The JVM's own thread names by thread id (the kernel's are cut at 15 characters: "hz.midge-node1."), from a thread
# dump; empty when jcmd cannot attach. Read once per broker, after it settled, so that the threads are there.
java_names() { # PID -> "tid|name" lines
  jcmd "$1" Thread.print 2> /dev/null | sed -n 's/^"\([^"]*\)".* nid=\([0-9a-fx]*\).*/\2|\1/p' \
    | while IFS='|' read -r nid name; do echo "$((nid))|$name"; done
}

# One line per thread: tid|name|voluntary|involuntary|CPU ticks (utime+stime).
snapshot() { # PID
  local t name stat names=$work/names.$1
  for t in /proc/"$1"/task/*; do
    name=$(awk -F'|' -v tid="${t##*/}" '$1 == tid {print $2; exit}' "$names" 2> /dev/null)
    [[ -n $name ]] || name=$(cat "$t/comm" 2> /dev/null) || continue
    stat=$(cat "$t/stat" 2> /dev/null) || continue
    stat=${stat##*) }   # the fields after the name, which may hold spaces
    awk -v tid="${t##*/}" -v name="$name" -v stat="$stat" '
      /^voluntary_ctxt_switches/ {v = $2} /^nonvoluntary_ctxt_switches/ {n = $2}
      END {split(stat, f, " "); printf "%s|%s|%d|%d|%d\n", tid, name, v, n, f[12] + f[13]}' "$t/status" 2> /dev/null \
      || true
  done
}

# Per thread group, what changed between two snapshots; threads born in between count from zero.
report() { # LOAD NODE BEFORE AFTER
  awk -F'|' -v load="$1" -v node="$2" -v secs="$DURATION" -v hz="$hz" '
    NR == FNR {v[$1] = $3; n[$1] = $4; c[$1] = $5; next}
    {
      g = $2; gsub(/[0-9]+/, "N", g)
      dv = $3 - v[$1]; dn = $4 - n[$1]; dc = $5 - c[$1]
      gv[g] += dv; gn[g] += dn; gc[g] += dc; count[g]++
      tv += dv; tn += dn; tc += dc; threads++
    }
    END {
      for (g in gv) if (gv[g] + gn[g] + gc[g] > 0)
        printf "%10.1f %10.1f %7.2f  %-34s (%d)\n", gv[g] / secs, gn[g] / secs, gc[g] * 100 / hz / secs, g, count[g] \
            | "sort -rn"
      close("sort -rn")
      printf "WAKEUPS load=%s node=%s wakeups_per_s=%.1f involuntary_per_s=%.1f cpu_pct=%.2f threads=%d\n",
          load, node, tv / secs, tn / secs, tc * 100 / hz / secs, threads
    }' "$3" "$4"
}

measure() { # LOAD PID...
  local load=$1 i=0 p
  shift
  for p in "$@"; do [[ -s $work/names.$p ]] || java_names "$p" > "$work/names.$p"; done
  for p in "$@"; do snapshot "$p" > "$work/before.$p"; done
  sleep "$DURATION"
  for p in "$@"; do snapshot "$p" > "$work/after.$p"; done
  for p in "$@"; do
    i=$((i + 1))
    echo "# load=$load node=$i pid=$p: wake-ups/s  involuntary/s  cpu%  threads (count)"
    report "$load" "$i" "$work/before.$p" "$work/after.$p"
  done
}

if (( NODES == 1 )); then
  start_broker midge "$PORT"
  await_port "$PORT" "$pid"
else
  members=""
  for i in $(seq 1 "$NODES"); do members+="${members:+,}127.0.0.1:$((PORT + 9 + i))"; done
  for i in $(seq 1 "$NODES"); do
    start_broker "node$i" "$((PORT + i - 1))" --cluster-node-id "node$i" --cluster-port "$((PORT + 9 + i))" \
        --cluster-members "$members"
  done
  for i in $(seq 1 "$NODES"); do await_port "$((PORT + i - 1))" "${pids[$((i - 1))]}"; done
fi
sleep "$SETTLE"

for load in $LOADS; do
  if [[ $load == idle ]]; then
    measure idle "${pids[@]}"
    continue
  fi
  # The load runs through the settling and the measured seconds, with a second to spare at each end.
  "$mqbench" latency -p "$PORT" -b "$(IFS=,; echo "${pids[*]}")" -q "$load" -r "$RATE" -W 1 \
      -d $((SETTLE + DURATION + 2)) --prefix "wakeups$load" --quiet > "$work/mqbench-$load.txt" 2>&1 &
  bench=$!
  sleep $((SETTLE + 1))
  measure "qos$load" "${pids[@]}"
  wait "$bench" || true
  grep '^RESULT' "$work/mqbench-$load.txt" || echo "# mqbench: no RESULT (see $work/mqbench-$load.txt)"
done
echo "# load average $(cut -d' ' -f1-3 /proc/loadavg)"

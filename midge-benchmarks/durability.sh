#!/usr/bin/env bash
# QoS 1 fan-in and pairs with persistent sessions (issue #4's measurement): Midge in memory, with `sync: always` and
# with `sync: interval`, each run on a fresh broker and data directory, then Mosquitto with `persistence true` when
# it is installed. Prints one line per run: deliveries per second, p50 latency, broker CPU.
#
#   ./midge-benchmarks/durability.sh            # needs ../shared/mqbench (the load generator) and gcc
#
# The shared generator always connects with Clean Session 1; the variant built here from its source (in /tmp, not
# in this repository) connects with Clean Session 0 when MQBENCH_PERSISTENT is set, so that every subscriber's
# session is persistent and every QoS 1 delivery goes through the store.
set -euo pipefail

module=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
root=$(dirname "$module")
mqbench_src=${MQBENCH_SRC:-$root/../shared/mqbench/mqbench.c}
bin=/tmp/mqbench-persistent
work=$(mktemp -d /tmp/midge-durability.XXXXXX)
trap 'rm -rf "$work"' EXIT

sed 's|\*p++ = 0x02; /\* clean session / clean start \*/|*p++ = getenv("MQBENCH_PERSISTENT") ? 0x00 : 0x02;|' \
    "$mqbench_src" > "$work/mqbench.c"
grep -q MQBENCH_PERSISTENT "$work/mqbench.c" || { echo "durability: could not patch $mqbench_src" >&2; exit 1; }
gcc -O2 -o "$bin" "$work/mqbench.c" -lm

"$root/midge" --version > /dev/null # builds the jar when the sources changed
ulimit -n 65536 2>/dev/null || true
export MQBENCH_PERSISTENT=1
port=18870

run() { # NAME SCENARIO PID PORT
  printf '%-22s %-6s ' "$1" "$2"
  "$bin" "$2" -q 1 -p "$4" -b "$3" -d "${DURATION:-10}" -W "${WARMUP:-2}" 2>&1 | grep '^RESULT' \
    | grep -oE 'recv_rate=[0-9]+| lost=[0-9]+|dup=[0-9]+|p50_us=[0-9]+|broker_cpu_pct=[0-9]+' | tr '\n' ' '
  echo
}

for scenario in fanin pairs; do
  for mode in in-memory always interval; do
    case $mode in
      in-memory) printf 'in-memory: true\n' > "$work/midge.yaml" ;;
      *) printf 'sync: %s\n' "$mode" > "$work/midge.yaml" ;;
    esac
    rm -rf "$work/data"
    MIDGE_LOG_LEVEL=WARN MIDGE_JAVA_OPTS="-Xms1g -Xmx1g" "$root/midge" broker -p $port -c "$work/midge.yaml" \
        --data-dir "$work/data" > "$work/broker.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 120); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.5; done
    broker=$(pgrep -f "midge.jar broker -p $port" || echo "$pid")
    run "midge $mode" $scenario "$broker" $port
    kill "$broker"; wait "$pid" 2>/dev/null || true
  done
  if command -v mosquitto > /dev/null; then
    mkdir -p "$work/mosquitto"
    chmod 755 "$work"; chmod 777 "$work/mosquitto" # run as root, mosquitto drops to its own user
    printf 'listener %d 127.0.0.1\nallow_anonymous true\nmax_inflight_messages 1000\nmax_queued_messages 1000000\nset_tcp_nodelay true\npersistence true\npersistence_location %s/\n' \
        $((port + 1)) "$work/mosquitto" > "$work/mosquitto.conf"
    mosquitto -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 &
    mpid=$!
    for _ in $(seq 1 40); do (echo > /dev/tcp/127.0.0.1/$((port + 1))) 2>/dev/null && break; sleep 0.25; done
    run "mosquitto persistence" $scenario $mpid $((port + 1))
    kill $mpid; wait $mpid 2>/dev/null || true
  fi
done

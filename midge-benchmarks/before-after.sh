#!/usr/bin/env bash
# Throughput of two builds of the broker side by side: the mqbench suite (fan-in, fan-out and pairs at QoS 0, 1
# and 2 by default) against each jar in turn, on a fresh data directory, one broker at a time, in the same session.
# For a refactoring that must not cost throughput: build the jar before the change, keep a copy, build after.
#
#   git stash; ./midge --version; cp midge-cli/target/midge.jar /tmp/before.jar; git stash pop; ./midge --version
#   ./midge-benchmarks/before-after.sh /tmp/before.jar midge-cli/target/midge.jar
#
# Environment: SCENARIOS ("fanin fanout pairs"), QOS_LIST ("0 1 2"), DURATION (10), WARMUP (2), REPEAT (1),
# MIDGE_JAVA_OPTS ("-Xms1g -Xmx1g"), MIDGE_CONFIG (a YAML file for both; default: the broker's defaults, durable).
# Prints the suite's RESULT lines for each jar, then one SUMMARY line per scenario and QoS with both medians (rate
# and the broker's CPU per message).
set -euo pipefail

module=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
root=$(dirname "$module")
mqbench=${MQBENCH_DIR:-$root/../shared/mqbench}
(( $# == 2 )) || { echo "usage: $0 BEFORE.jar AFTER.jar" >&2; exit 2; }
# shellcheck source=../.ci/java-home.sh
source "$root/.ci/java-home.sh"
use_jdk_17_or_newer
[[ -x $mqbench/mqbench ]] || make -C "$mqbench" >&2

work=$(mktemp -d /tmp/midge-before-after.XXXXXX)
trap 'rm -rf "$work"' EXIT
export SCENARIOS=${SCENARIOS:-"fanin fanout pairs"} QOS_LIST=${QOS_LIST:-"0 1 2"}
port=18850
set_broker_jvm_flags

declare -A jars=([before]=$1 [after]=$2)
for name in before after; do
  jar=${jars[$name]}
  rm -rf "$work/data"
  config=()
  [[ -n ${MIDGE_CONFIG:-} ]] && config=(--config "$MIDGE_CONFIG")
  # shellcheck disable=SC2086
  java "${jvm_flags[@]}" ${MIDGE_JAVA_OPTS:--Xms1g -Xmx1g} -jar "$jar" broker --port $port --data-dir "$work/data" \
      --log-level warn "${config[@]}" > "$work/$name.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 120); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.5; done
  echo "# $name: $jar (pid $pid)" >&2
  "$mqbench/suite.sh" 127.0.0.1 $port "$pid" 2> /dev/null | grep '^RESULT' | sed "s/^RESULT/RESULT build=$name/" \
      | tee "$work/$name.results"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  port=$((port + 1))
done

# The median of one RESULT field over the repeats of a scenario and QoS in a results file.
median_of() {
  grep -E "scenario=$2\b" "$1" | grep -E "\bqos=$3\b" | grep -oE "\b$4=[0-9.]+" | cut -d= -f2 | sort -n \
      | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]}'
}

# One line per scenario and QoS: deliveries per second (median of the repeats) before and after, and the ratio; the
# broker's CPU per delivered message (µs, median) before and after, the figure least moved by a busy machine.
for scenario in $SCENARIOS; do
  for qos in $QOS_LIST; do
    line="SUMMARY $scenario qos=$qos"
    cpu="cpu_us_per_msg"
    for name in before after; do
      median=$(median_of "$work/$name.results" "$scenario" "$qos" recv_rate)
      line="$line $name=${median:-?}"
      eval "m_$name=\${median:-0}"
      cpu="$cpu $name=$(median_of "$work/$name.results" "$scenario" "$qos" broker_cpu_us_per_msg)"
    done
    # shellcheck disable=SC2154
    echo "$line ratio=$(awk -v a="$m_after" -v b="$m_before" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }') $cpu"
  done
done

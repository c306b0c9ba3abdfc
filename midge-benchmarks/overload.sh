#!/usr/bin/env bash
# Overload: the broker (-Xmx512m, default configuration) under a publish load far beyond what it can deliver, with
# slow subscribers whose queues, at the default bounds (10,000 messages or 64 MiB each), could together hold more
# than the heap and the direct memory: only the overload policy (README, "Overload") keeps it from running out of
# memory. Per QoS in QOS_LIST, on a fresh broker and data directory:
#   - ../shared/mqbench `custom` in rate mode: PUBS publishers of SIZE-byte payloads at RATE msg/s in all (far more
#     than it can send, so it sends as fast as it can) on TOPICS topics bench/0.., two mqbench subscribers;
#   - overload-probe.py: SLOW subscribers, one on each of bench/0..SLOW-1, each reading SLOW_RATE bytes a second; an
#     idle client that sends PINGREQ every half second; a new CONNECT every half second;
#   - every second a line of the broker's figures from /metrics: memory as the policy judges it, heap after GC,
#     direct memory (the JDK's direct pool, and Netty's allocator's own count of its chunks), the payload queued
#     (messages queued x SIZE), the measures in force, publishers paused now.
# It prints the mqbench RESULT line, the probe's PROBE line, and a SUMMARY line: heap after GC (max), drops for
# overload and for full queues, pauses, refusals, whether every PINGREQ and CONNECT was answered, and whether the
# broker is alive without an OutOfMemoryError in its log. Exits 1 when a ping or connect failed, the broker died or
# logged an OutOfMemoryError.
#
#   ./midge --version                                # builds midge-cli/target/midge.jar
#   ./midge-benchmarks/overload.sh
#   QOS_LIST=1 DURATION=30 PUBS=100 ./midge-benchmarks/overload.sh
#
# Environment: QOS_LIST ("0 1"), PUBS (50), TOPICS (20), SLOW (20), SLOW_RATE (16384), SIZE (8192), RATE (200000),
# DURATION (20 s), MQTT (3 or 5: mqbench's protocol, 3 by default), HEAP (512m), MIDGE_JAR (midge-cli/target/midge.jar), MIDGE_JAVA_OPTS (added after -Xmx),
# MQBENCH (../shared/mqbench/mqbench), BROKER_ARGS (more `midge broker` options, e.g. "--config overload.yaml").
# Writes the broker's log, the per-second figures and each tool's output into a /tmp/midge-overload.* directory.
set -euo pipefail

module=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
root=$(dirname "$module")
jar=${MIDGE_JAR:-$root/midge-cli/target/midge.jar}
mqbench=${MQBENCH:-$root/../shared/mqbench/mqbench}
qos_list=${QOS_LIST:-0 1}
pubs=${PUBS:-50}
topics=${TOPICS:-20}
slow=${SLOW:-20}
slow_rate=${SLOW_RATE:-16384}
size=${SIZE:-8192}
rate=${RATE:-200000}
duration=${DURATION:-20}
heap=${HEAP:-512m}
mqtt=${MQTT:-3}
# shellcheck source=../.ci/java-home.sh
source "$root/.ci/java-home.sh"
use_jdk_17_or_newer
[[ -f $jar ]] || { echo "no $jar: run ./midge --version first" >&2; exit 2; }
[[ -x $mqbench ]] || { echo "no $mqbench: build it (make -C ../shared/mqbench)" >&2; exit 2; }
command -v python3 > /dev/null || { echo "overload: python3 is needed for overload-probe.py" >&2; exit 2; }

work=$(mktemp -d /tmp/midge-overload.XXXXXX)
broker_pid=
probe_pid=
sampler_pid=
cleanup() {
  local status=$?
  set +e
  for pid in $sampler_pid $probe_pid $broker_pid; do
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  rm -rf "$work/data"
  echo "overload: results in $work" >&2
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# One figure from a /metrics text: the sum of the samples of NAME whose labels contain LABELS (all when empty).
figure() {
  awk -v name="$2" -v labels="${3:-}" '
    ($1 ~ "^" name "({|$)") && (labels == "" || index($0, labels) > 0) { sum += $NF }
    END { printf "%.0f", sum }' "$1"
}

jvm_flags=(--enable-native-access=ALL-UNNAMED)
if (( $(jdk_feature_release "$JAVA_HOME") >= 24 )); then
  jvm_flags+=(--sun-misc-unsafe-memory-access=allow)
fi

failed=0
for qos in $qos_list; do
  run=$work/qos$qos
  mkdir -p "$run"
  # Free ports picked by the broker itself (other programs on the machine race for any port picked here); read
  # back from its start lines.
  # shellcheck disable=SC2086
  java "${jvm_flags[@]}" "-Xmx$heap" ${MIDGE_JAVA_OPTS:-} -jar "$jar" broker --port 0 --http-port -1 \
      --data-dir "$work/data/qos$qos" ${BROKER_ARGS:-} > "$run/broker.log" 2>&1 &
  broker_pid=$!
  for _ in $(seq 1 240); do
    grep -q 'Midge started' "$run/broker.log" 2>/dev/null && break
    kill -0 "$broker_pid" 2>/dev/null || { echo "overload: the broker did not start:" >&2; cat "$run/broker.log" >&2; exit 1; }
    sleep 0.5
  done
  port=$(sed -n 's/.*Midge listening for MQTT over tcp on [0-9.]*:\([0-9]*\).*/\1/p' "$run/broker.log" | head -1)
  http=$(sed -n 's|.*metrics on http://[0-9.]*:\([0-9]*\)/.*|\1|p' "$run/broker.log" | head -1)
  [[ -n $port && -n $http ]] || { echo "overload: no ports in the broker's log:" >&2; cat "$run/broker.log" >&2; exit 1; }
  echo "# overload QoS $qos: broker pid $broker_pid (MQTT $port, HTTP $http, -Xmx$heap), $(java -version 2>&1 | head -1)"
  echo "# $pubs publishers x $size B at up to $rate msg/s on $topics topics; $slow slow subscribers at $slow_rate B/s each; $duration s"

  python3 "$module/overload-probe.py" "$port" "$((duration + 6))" "$slow" "$slow_rate" > "$run/probe.log" 2>&1 &
  probe_pid=$!
  for _ in $(seq 1 60); do
    grep -q PROBE-READY "$run/probe.log" 2>/dev/null && break
    kill -0 "$probe_pid" 2>/dev/null || { echo "overload: the probe did not start:" >&2; cat "$run/probe.log" >&2; exit 1; }
    sleep 0.5
  done

  ( # a line of the broker's figures every second
    while sleep 1; do
      curl -s -m 5 "http://127.0.0.1:$http/metrics" > "$run/metrics.now" || { echo "t=$(date +%s) metrics: no answer"; continue; }
      printf 't=%s memory_pct=%s heap_after_gc_mib=%s direct_mib=%s netty_direct_mib=%s queued_mib=%s drop_qos0=%s pause=%s refuse=%s paused_now=%s dropped_overload=%s dropped_queue_full=%s pauses=%s refused=%s\n' \
        "$(date +%s)" "$(figure "$run/metrics.now" midge_overload_memory)" \
        "$(( $(figure "$run/metrics.now" midge_overload_heap_after_gc_bytes) >> 20 ))" \
        "$(( $(figure "$run/metrics.now" jvm_buffer_memory_used_bytes 'id="direct"') >> 20 ))" \
        "$(( $(figure "$run/metrics.now" netty_allocator_memory_used 'memory_type="direct"') >> 20 ))" \
        "$(( $(figure "$run/metrics.now" midge_queued_messages) * size >> 20 ))" \
        "$(figure "$run/metrics.now" midge_overload_active 'drop_qos0')" \
        "$(figure "$run/metrics.now" midge_overload_active 'pause_publishers')" \
        "$(figure "$run/metrics.now" midge_overload_active 'refuse_publishes')" \
        "$(figure "$run/metrics.now" midge_overload_paused_publishers)" \
        "$(figure "$run/metrics.now" midge_messages_dropped_total 'reason="overload"')" \
        "$(figure "$run/metrics.now" midge_messages_dropped_total 'reason="queue_full"')" \
        "$(figure "$run/metrics.now" midge_overload_pauses_total)" \
        "$(figure "$run/metrics.now" midge_publishes_refused_total 'reason="overload"')"
    done > "$run/figures.log" 2>&1
  ) &
  sampler_pid=$!

  "$mqbench" custom -p "$port" -b "$broker_pid" -V "$mqtt" -q "$qos" -P "$pubs" -S 2 -T "$topics" -s "$size" -r "$rate" \
      -d "$duration" -W 1 --quiet > "$run/mqbench.log" 2>&1 || echo "overload: mqbench exited with $?" >&2
  wait "$probe_pid" || true
  probe_pid=
  sleep 2
  kill "$sampler_pid" 2>/dev/null; wait "$sampler_pid" 2>/dev/null || true
  sampler_pid=
  cat "$run/figures.log"
  grep '^RESULT' "$run/mqbench.log" || tail -5 "$run/mqbench.log"
  grep '^PROBE ' "$run/probe.log" || tail -5 "$run/probe.log"

  alive=no
  kill -0 "$broker_pid" 2>/dev/null && alive=yes
  oom=$(grep -c OutOfMemoryError "$run/broker.log" || true)
  curl -s -m 10 "http://127.0.0.1:$http/metrics" > "$run/metrics.end" || true
  heap_max=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^heap_after_gc_mib=/) { split($i, a, "="); if (a[2] > m) m = a[2] } }
                  END { print m + 0 }' "$run/figures.log")
  netty_max=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^netty_direct_mib=/) { split($i, a, "="); if (a[2] > m) m = a[2] } }
                   END { print m + 0 }' "$run/figures.log")
  mem_max=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^memory_pct=/) { split($i, a, "="); if (a[2] > m) m = a[2] } }
                 END { print m + 0 }' "$run/figures.log")
  probe=$(grep '^PROBE ' "$run/probe.log" || echo "PROBE none")
  ping_failed=$(sed -n 's/.* ping_failed=\([0-9]*\).*/\1/p' <<< "$probe")
  connect_failed=$(sed -n 's/.* connect_failed=\([0-9]*\).*/\1/p' <<< "$probe")
  answered=yes
  [[ ${ping_failed:-1} == 0 && ${connect_failed:-1} == 0 ]] || answered=no
  echo "SUMMARY qos=$qos mqtt=$mqtt heap_after_gc_max_mib=$heap_max memory_max_pct=$mem_max netty_direct_max_mib=$netty_max" \
       "dropped_overload=$(figure "$run/metrics.end" midge_messages_dropped_total 'reason="overload"')" \
       "dropped_queue_full=$(figure "$run/metrics.end" midge_messages_dropped_total 'reason="queue_full"')" \
       "pauses=$(figure "$run/metrics.end" midge_overload_pauses_total)" \
       "refused=$(figure "$run/metrics.end" midge_publishes_refused_total 'reason="overload"')" \
       "received=$(figure "$run/metrics.end" midge_messages_received_total)" \
       "ping_connect_answered=$answered broker_alive=$alive oom_lines=$oom"
  [[ $answered == yes && $alive == yes && $oom == 0 ]] || failed=1
  kill "$broker_pid" 2>/dev/null; wait "$broker_pid" 2>/dev/null || true
  broker_pid=
done
exit "$failed"

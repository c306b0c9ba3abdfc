#!/usr/bin/env bash
# Soak: the broker under a modest, mixed load for a long time (io.midge.benchmarks.SoakLoad: QoS 0/1/2 streams
# checked for loss and duplicates, connection churn, wills from dropped connections, persistent sessions going
# offline and coming back, retained messages set/overwritten/cleared), sampled every INTERVAL seconds: heap after a
# full GC, RSS, threads, open files, direct memory, store size and its RocksDB files, and the broker's own figures.
# Everything should be flat after the warm-up; the verdict gives each series' growth per hour from the warm-up's end
# (a least-squares slope over the samples, relative to their mean) and flags what grows faster than the limit.
# A benchmark, not a test: it takes DURATION (30 minutes by default) and is not part of `mvn verify`.
#
#   ./midge --version                     # builds midge-cli/target/midge.jar
#   ./midge-benchmarks/soak.sh            # 30 minutes, a sample a minute, verdict from minute 5
#   DURATION=240 INTERVAL=30 WARMUP=60 ./midge-benchmarks/soak.sh     # a short check of the script itself
#
# Environment: DURATION (1800 s), INTERVAL (60 s), WARMUP (300 s), LIMIT (10: % growth per hour flagged, every
# series), LIMIT_STORE (LIMIT, for the store's bytes), MIDGE_JAR (midge-cli/target/midge.jar), MIDGE_JAVA_OPTS
# (added after -Xmx512m), LOAD_OPTS (SoakLoad's options, e.g. "--rate 5 --churn-rate 0.5"; see its usage),
# LOAD_REPORT (60: seconds between SoakLoad's counter lines), KEEP_DATA (1 keeps the store after the run).
# The broker runs from the jar with its defaults (durable store, `sync: always`) on a fresh data directory and free
# ports. Builds midge-benchmarks/target/benchmarks.jar when it is older than its sources.
# Writes soak.csv, the broker's log and GC log and SoakLoad's output into a /tmp/midge-soak.* directory (kept;
# its path is printed). Exits 0 when nothing was flagged and SoakLoad saw no violation, 1 otherwise.
#
# Output: a SAMPLE line per INTERVAL (heap_after_gc from the GC log line of the full GC `jcmd GC.run` causes, to a
# MiB; RSS, threads and files from /proc; direct = Netty's pooled direct memory from /metrics; store = `du -sb` of
# the data directory; sst/wal = RocksDB's table and log files, count/KiB; compacted = SST files gone since the start,
# i.e. the compactions' work; the rest the broker's own figures), SoakLoad's SOAK-LOAD counter lines (violations:
# lost, duplicated, wills_missing, sessions_lost, retained_wrong; q0_lost and q1_dup are allowed by MQTT), an AFTER
# sample once the load has gone, then one VERDICT line per series (soak-verdict.sh, which can be run again on a
# kept soak.csv). Notes on reading it: the store grows by its write-ahead log until RocksDB flushes the memtable
# (about 64 MiB of writes: hours at the default rates) and by SST files until a compaction merges them, so the log
# is judged by its peaks and the SST files by their floors after compactions, each needing a whole cycle in both
# halves of the window; queued swings with the persistent sessions' cycle and is judged by its peaks; a rise no
# larger than a series' resolution (2 MiB of RSS, 2 of a count) is not flagged.
set -euo pipefail

module=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
root=$(dirname "$module")
jar=${MIDGE_JAR:-$root/midge-cli/target/midge.jar}
bench=$module/target/benchmarks.jar
duration=${DURATION:-1800}
interval=${INTERVAL:-60}
warmup=${WARMUP:-300}
limit=${LIMIT:-10}
limit_store=${LIMIT_STORE:-$limit}
# shellcheck source=../.ci/java-home.sh
source "$root/.ci/java-home.sh"
use_jdk_17_or_newer
[[ -f $jar ]] || { echo "no $jar: run ./midge --version first" >&2; exit 2; }
(( warmup < duration )) || { echo "soak: WARMUP ($warmup) must be shorter than DURATION ($duration)" >&2; exit 2; }

if [[ ! -f $bench || -n $(find "$module/src" "$module/pom.xml" "$root/midge-client/src" -newer "$bench" -print -quit) ]]
then
  echo "soak: building $bench ..." >&2
  (cd "$root" && mvn -B -q -Dmaven.test.skip=true -pl midge-benchmarks -am package) >&2 \
    || { echo "soak: the build failed (see above)" >&2; exit 1; }
fi

work=$(mktemp -d /tmp/midge-soak.XXXXXX)
data=$work/data
csv=$work/soak.csv
broker_pid=
load_pid=
cleanup() {
  local status=$?
  set +e
  [[ -n $load_pid ]] && kill "$load_pid" 2>/dev/null
  [[ -n $broker_pid ]] && kill "$broker_pid" 2>/dev/null
  [[ -n $load_pid ]] && wait "$load_pid" 2>/dev/null
  [[ -n $broker_pid ]] && wait "$broker_pid" 2>/dev/null
  [[ ${KEEP_DATA:-0} == 1 ]] || rm -rf "$data"
  echo "soak: results in $work" >&2
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { # a port nothing listens on (the broker binds it a moment later)
  local p
  for p in $(shuf -i 20000-60000 -n 100); do
    if ! (echo > "/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  echo "soak: no free port found" >&2; exit 1
}
port=$(free_port)
http=$(free_port)
[[ $http != "$port" ]] || http=$(free_port)

set_broker_jvm_flags
# shellcheck disable=SC2086
java "${jvm_flags[@]}" -Xmx512m ${MIDGE_JAVA_OPTS:-} "-Xlog:gc:file=$work/gc.log" -jar "$jar" broker --port "$port" \
    --http-port "$http" --data-dir "$data" --log-level warn > "$work/broker.log" 2>&1 &
broker_pid=$!
for _ in $(seq 1 240); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$http/health") == 200 ]] && break
  kill -0 "$broker_pid" 2>/dev/null || { echo "soak: the broker did not start:" >&2; cat "$work/broker.log" >&2; exit 1; }
  sleep 0.5
done
# The broker's own figures: /api/v1/stats where the management API exists, else the Prometheus text.
if [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$http/api/v1/stats") == 200 ]]; then
  figures=api
else
  figures=metrics
fi
echo "# soak: broker pid $broker_pid (MQTT $port, HTTP $http, figures from $figures), $(java -version 2>&1 | head -1)"
echo "# soak: DURATION=$duration INTERVAL=$interval WARMUP=$warmup LIMIT=$limit%/h; work dir $work"

# The load runs a little longer than DURATION, so that the last sample (at DURATION) still sees it at work; the
# clock starts when it has started.
# shellcheck disable=SC2086
java -Xmx256m -cp "$bench" io.midge.benchmarks.SoakLoad --port "$port" --duration "$((duration + 15))" \
    --report "${LOAD_REPORT:-60}" ${LOAD_OPTS:-} > "$work/load.log" 2>&1 &
load_pid=$!
for _ in $(seq 1 240); do
  grep -q '^SOAK-LOAD options' "$work/load.log" 2>/dev/null && break
  kill -0 "$load_pid" 2>/dev/null || { echo "soak: SoakLoad did not start:" >&2; cat "$work/load.log" >&2; exit 1; }
  sleep 0.5
done
start=$(date +%s)

json_number() { # FIELD JSON: the first number after "FIELD":
  { grep -oE "\"$1\": *[0-9.]+" <<< "$2" || true; } | head -1 | cut -d: -f2 | tr -d ' '
}
metric_sum() { # NAME [LABEL-FILTER] METRICS: the sum of the series of one metric
  { grep -E "^$1(\{|[[:space:]])" <<< "$3" || true; } | { grep -E -- "${2:-.}" || true; } \
    | awk '{s += $NF} END {printf "%.0f", s}'
}

columns=t_s,heap_after_gc_mb,rss_kb,threads,open_files,direct_bytes,store_bytes,sst_files,sst_bytes,wal_files,wal_bytes,sst_compacted,connections,sessions_connected,sessions_offline,queued,retained,store_commits
echo "$columns" > "$csv"
declare -A seen_sst=()
compacted=0
sample() { # [LABEL]: SAMPLE lines go into the CSV, others are only printed
  local label=${1:-SAMPLE} t heap rss threads fds store sst=0 sst_bytes=0 wal=0 wal_bytes=0 f size metrics stats
  local conns sess_on sess_off queued retained commits direct
  t=$(( $(date +%s) - start ))
  # A full GC first (jcmd waits for it), then its after-size from the GC log: the live heap, to a MiB.
  timeout 60 jcmd "$broker_pid" GC.run > /dev/null 2>&1 || true
  heap=$({ grep 'Pause Full' "$work/gc.log" || true; } | tail -1 | { grep -oE '[0-9]+M->[0-9]+M' || true; } \
    | sed 's/.*->//; s/M//')
  if [[ -z $heap ]]; then # no GC log line: the used heap right after the GC, as jcmd tells it
    heap=$({ timeout 60 jcmd "$broker_pid" GC.heap_info 2>/dev/null || true; } | { grep -oE 'used [0-9]+K' || true; } \
      | head -1 | awk '{printf "%d", $2 / 1024}')
  fi
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$broker_pid/status")
  threads=$(awk '/^Threads:/ {print $2}' "/proc/$broker_pid/status")
  fds=$(find "/proc/$broker_pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
  store=$({ du -sb "$data" 2>/dev/null || true; } | cut -f1)
  # RocksDB's files: SST tables (flushed and compacted data) and write-ahead logs; an SST that disappears was
  # merged by a compaction (or obsoleted), so sst_compacted counts the compactions' work since the start.
  declare -A now_sst=()
  for f in "$data"/*.sst "$data"/*.log; do
    [[ -e $f ]] || continue
    size=$(stat -c %s "$f" 2>/dev/null || echo 0)
    if [[ $f == *.sst ]]; then
      sst=$((sst + 1)); sst_bytes=$((sst_bytes + size)); now_sst[$f]=1
    else
      wal=$((wal + 1)); wal_bytes=$((wal_bytes + size))
    fi
  done
  for f in "${!seen_sst[@]}"; do [[ -n ${now_sst[$f]:-} ]] || compacted=$((compacted + 1)); done
  seen_sst=()
  for f in "${!now_sst[@]}"; do seen_sst[$f]=1; done
  metrics=$(curl -s --max-time 30 "http://127.0.0.1:$http/metrics" || true)
  direct=$(metric_sum netty_allocator_memory_used 'memory_type="direct"' "$metrics")
  if [[ $figures == api ]]; then
    stats=$(curl -s --max-time 30 "http://127.0.0.1:$http/api/v1/stats" || true)
    conns=$(json_number connections "$stats")
    sess_on=$(json_number connected "$stats")
    sess_off=$(json_number offline "$stats")
    queued=$(json_number queuedMessages "$stats")
    retained=$(json_number retainedMessages "$stats")
    commits=$(json_number commits "$stats")
  else
    conns=$(metric_sum midge_connections '' "$metrics")
    sess_on=$(metric_sum midge_sessions 'state="connected"' "$metrics")
    sess_off=$(metric_sum midge_sessions 'state="offline"' "$metrics")
    queued=$(metric_sum midge_queued_messages '' "$metrics")
    retained=$(metric_sum midge_retained_messages '' "$metrics")
    commits=$(metric_sum midge_store_commit_seconds_count '' "$metrics")
  fi
  [[ $label == SAMPLE ]] && echo "$t,${heap:-},$rss,$threads,$fds,${direct:-},${store:-0},$sst,$sst_bytes,$wal,$wal_bytes,$compacted,${conns:-},${sess_on:-},${sess_off:-},${queued:-},${retained:-},${commits:-}" >> "$csv"
  printf '%s t=%ss heap_after_gc=%sM rss=%sM threads=%s files=%s direct=%sM store=%sK sst=%s/%sK wal=%s/%sK compacted=%s conns=%s sessions=%s+%s queued=%s retained=%s commits=%s\n' \
    "$label" "$t" "${heap:-?}" $((rss / 1024)) "$threads" "$fds" $(( ${direct:-0} / 1048576 )) $(( ${store:-0} / 1024 )) \
    "$sst" $((sst_bytes / 1024)) "$wal" $((wal_bytes / 1024)) "$compacted" "${conns:-?}" "${sess_on:-?}" \
    "${sess_off:-?}" "${queued:-?}" "${retained:-?}" "${commits:-?}"
}

printed=0
show_load() { # SoakLoad's counter lines that came since the last call
  local lines
  lines=$(grep -c '^SOAK-LOAD' "$work/load.log" || true)
  if (( lines > printed )); then
    grep '^SOAK-LOAD' "$work/load.log" | tail -n $((lines - printed))
    printed=$lines
  fi
}

next=0
while (( next <= duration )); do
  now=$(( $(date +%s) - start ))
  (( next > now )) && sleep $((next - now))
  kill -0 "$load_pid" 2>/dev/null || { echo "soak: SoakLoad ended early:" >&2; tail -20 "$work/load.log" >&2; break; }
  kill -0 "$broker_pid" 2>/dev/null || { echo "soak: the broker died:" >&2; tail -20 "$work/broker.log" >&2; exit 1; }
  sample
  show_load
  next=$((next + interval))
done
load_status=0
wait "$load_pid" || load_status=$?
load_pid=
show_load
# Once the load has drained and gone: connections, queues and in-flight state should be back to nothing.
sample AFTER
grep '^SOAK-LOAD error\|^SOAK-LOAD violation' "$work/load.log" | head -20 || true

# Verdict: per series, growth per hour from the warm-up's end (soak-verdict.sh says how each series is judged).
verdict=$(LIMIT=$limit LIMIT_STORE=$limit_store "$module/soak-verdict.sh" "$csv" "$warmup")
sed -n 1p <<< "$verdict"
grep '^VERDICT' <<< "$verdict"
flagged=$(sed -n 's/^FLAGGED //p' <<< "$verdict")
result=$(grep '^SOAK-LOAD-RESULT' "$work/load.log" | tail -1 || true)
violations=$(grep -oE 'violations=[0-9]+' <<< "$result" | cut -d= -f2)
echo "VERDICT series growing: ${flagged:-?}; SoakLoad violations: ${violations:-? (no result line; exit $load_status)}"
(( ${flagged:-1} == 0 && ${violations:-1} == 0 && load_status == 0 ))

#!/usr/bin/env bash
# Bridged QoS 1 throughput, issue #12's bar: messages per second from a publisher on a local broker, through a
# bridge, to a subscriber on a remote Mosquitto, beside the same publisher connected directly to the remote, and
# beside Mosquitto's own bridge (a local Mosquitto bridged to the same remote), in the same run. mqbench counts
# every message (lost, duplicated, out of order) and the brokers' CPU.
#
#   ./midge-benchmarks/bridge-throughput.sh                  # DURATION=10 REPEAT=3 PUBS=1 SIZE=64 (the defaults)
#   MIDGE_IN_MEMORY=true ./midge-benchmarks/bridge-throughput.sh   # the local Midge without its store: what it costs
#   MIDGE_SYNC=interval ./midge-benchmarks/bridge-throughput.sh     # stored, but synced on a timer, not per batch
#   MIDGE_JAR=base.jar MIDGE_COMPARE="new=new.jar" ./midge-benchmarks/bridge-throughput.sh   # builds side by side
#
# MIDGE_JAR runs that jar (midge-cli/target/midge.jar of some build, copied away) as the local Midge instead of this
# checkout's; MIDGE_COMPARE ("label=jar ...") adds one more local Midge per jar (path midge-bridge-<label>), each
# measured in turn with the others in every round, so that a change is compared with its base in the same minutes.
# PROFILE_HTTP_PORT (0: none) opens each local Midge's HTTP listener (from that port on) and prints a PROFILE line per
# run: what its store did (commits, synced, mean commit time) and the most its bridge's queue held.
#
# The local Midge runs with its store on disk and the default sync policy (always: every QoS 1 message is in the
# bridge's queue, synced, before its PUBACK). Mosquitto's bridge keeps its queue in memory (persistence writes it
# out every autosave interval only), so the comparison favours Mosquitto on durability. Needs /usr/sbin/mosquitto.
set -euo pipefail

module=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
root=$(dirname "$module")
mqbench=${MQBENCH_DIR:-$root/../shared/mqbench}
[[ -x $mqbench/mqbench ]] || make -C "$mqbench" >&2
duration=${DURATION:-10}
repeat=${REPEAT:-3}
pubs=${PUBS:-1}
size=${SIZE:-64}
remote=${REMOTE_PORT:-18861}
local_midge=${MIDGE_PORT:-18862}
local_mosquitto=${MOSQUITTO_PORT:-18863}

work=$(mktemp -d)
chmod 777 "$work" # Mosquitto started as root runs as user mosquitto
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

await_port() {
  for _ in $(seq 1 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "bridge-throughput: nothing listens on $1" >&2
  cat "$work"/*.log >&2
  exit 1
}

cat > "$work/remote.conf" <<CONF
listener $remote 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 1000000
# The Receive Maximum it grants (5.0) and the window it keeps (3.1.1): at Mosquitto's default of 20, any bridge
# is held to 20 messages per round trip. ${REMOTE_INFLIGHT:-1000} for both bridges and the direct publisher alike.
max_inflight_messages ${REMOTE_INFLIGHT:-1000}
CONF
/usr/sbin/mosquitto -c "$work/remote.conf" > "$work/remote.log" 2>&1 &
remote_pid=$!
pids+=("$remote_pid")

cat > "$work/bridge.conf" <<CONF
listener $local_mosquitto 127.0.0.1
allow_anonymous true
persistence true
persistence_location $work/
max_queued_messages 1000000
connection bench
address 127.0.0.1:$remote
topic bench/# out 1
cleansession false
max_inflight_messages ${REMOTE_INFLIGHT:-1000}
CONF
/usr/sbin/mosquitto -c "$work/bridge.conf" > "$work/bridge.log" 2>&1 &
mosquitto_bridge_pid=$!
pids+=("$mosquitto_bridge_pid")

midge_config() { # name port http-port
  cat > "$work/$1.yaml" <<CONF
port: $2
data-dir: $work/$1-data
in-memory: ${MIDGE_IN_MEMORY:-false}
sync: ${MIDGE_SYNC:-always}
http:
  port: $3
sys-interval: 0
bridges:
  - name: bench
    address: 127.0.0.1:$remote
    version: "5"
    client-id: $1-bench-bridge
    topics:
      - {filter: "bench/#", direction: out, qos: 1}
CONF
}
start_midge() { # name port http-port jar (empty: this checkout's)
  midge_config "$1" "$2" "$3"
  # Without this script's MIDGE_PORT in the environment: midge takes it for the port of every broker it starts.
  if [[ -n $4 ]]; then
    env -u MIDGE_PORT MIDGE_JAR="$4" "$root/midge-dist/src/bin/midge" broker --config "$work/$1.yaml" \
      > "$work/$1.log" 2>&1 &
  else
    env -u MIDGE_PORT "$root/midge" broker --config "$work/$1.yaml" > "$work/$1.log" 2>&1 &
  fi
  started_pid=$!
  pids+=("$started_pid")
}
source "$root/.ci/java-home.sh"
use_jdk_17_or_newer >/dev/null
export JAVA_HOME
start_midge midge "$local_midge" "${PROFILE_HTTP_PORT:-0}" "${MIDGE_JAR:-}"
midge_pid=$started_pid
extra_labels=() extra_ports=() extra_pids=() extra_http=()
port=$((local_midge + 10))
for entry in ${MIDGE_COMPARE:-}; do
  label=${entry%%=*}
  http=0
  [[ ${PROFILE_HTTP_PORT:-0} == 0 ]] || http=$((PROFILE_HTTP_PORT + ${#extra_labels[@]} + 1))
  start_midge "midge-$label" "$port" "$http" "${entry#*=}"
  extra_labels+=("$label") extra_ports+=("$port") extra_pids+=("$started_pid") extra_http+=("$http")
  port=$((port + 1))
done
await_port "$remote"
await_port "$local_mosquitto"
await_port "$local_midge"
for p in "${extra_ports[@]}"; do await_port "$p"; done
sleep 2 # the bridges connect
java_of() { pgrep -P "$1" java || echo "$1"; }
midge_java=$(java_of "$midge_pid")

# CPU ticks (user + system) of each of these processes (comma-separated pids), space-separated.
ticks_of() {
  local p
  for p in ${1//,/ }; do awk '{ printf "%d ", $14 + $15 }' "/proc/$p/stat" 2>/dev/null || printf "0 "; done
}
run() { # name pub-port broker-pids [http-port of that Midge, for its store's figures]
  local profile=${4:-0} before after sampler ticks_before result
  if [[ $profile != 0 ]]; then
    before=$(store_figures)
    (while sleep 0.5; do queued_now; done) > "$work/queued.txt" & sampler=$!
  fi
  ticks_before=$(ticks_of "$3")
  result=$("$mqbench/mqbench" custom -q 1 -P "$pubs" -S 1 -T 1 -w -s "$size" -d "$duration" -W 2 \
    --pub-addrs "127.0.0.1:$2" --sub-addrs "127.0.0.1:$remote" -b "$3" 2>/dev/null \
    | grep '^RESULT' | sed "s/^RESULT/RESULT path=$1/")
  echo "$result"
  if [[ $3 == *,* ]]; then
    # How the brokers' CPU per message splits between the local broker and the remote (each one's share of their
    # ticks over the whole mqbench run, warm-up included, applied to mqbench's figure): on 2 cores the remote is
    # the bottleneck, so what the local one spends is taken from it.
    echo "$ticks_before $(ticks_of "$3") $(sed -n 's/.*broker_cpu_us_per_msg=\([0-9.]*\).*/\1/p' <<< "$result")" \
      | awk '{ l = $3 - $1; r = $4 - $2; t = l + r
               if (t > 0 && $5 != "") printf "CPU_SPLIT path=%s local_us_per_msg=%.1f remote_us_per_msg=%.1f\n",
                                             p, $5 * l / t, $5 * r / t }' p="$1"
  fi
  if [[ $profile != 0 ]]; then
    kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
    after=$(store_figures)
    # What that Midge's store did during the run (warm-up included): commits, how many synced, their
    # mean time, and the most its bridge's queue held (sampled twice a second).
    echo "$before $after $(sort -n "$work/queued.txt" | tail -1)" | awk '{
        commits = $4 - $1; syncs = $5 - $2; ms = commits > 0 ? ($6 - $3) / commits * 1000 : 0
        printf "PROFILE path=%s commits=%d synced=%d mean_commit_ms=%.3f bridge_queued_max=%s\n",
               p, commits, syncs, ms, $7 }' p="$1"
  fi
}
metrics() { curl -sf "http://127.0.0.1:$profile/metrics" || true; }
store_figures() { # commits, syncs, commit seconds
  metrics | awk '$1 == "midge_store_commit_seconds_count" { c = $2 } $1 == "midge_store_syncs_total" { s = $2 }
                 $1 == "midge_store_commit_seconds_sum" { t = $2 } END { print c + 0, s + 0, t + 0 }'
}
queued_now() { metrics | awk '$1 ~ /^midge_bridge_queued/ { print $2 + 0 }'; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$repeat"); do
  run direct "$remote" "$remote_pid"
  run midge-bridge "$local_midge" "$midge_java,$remote_pid" "${PROFILE_HTTP_PORT:-0}"
  for i in "${!extra_labels[@]}"; do
    run "midge-bridge-${extra_labels[$i]}" "${extra_ports[$i]}" "$(java_of "${extra_pids[$i]}"),$remote_pid" \
      "${extra_http[$i]}"
  done
  run mosquitto-bridge "$local_mosquitto" "$mosquitto_bridge_pid,$remote_pid"
done | tee "$work/results.txt"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
for path in direct midge-bridge "${extra_labels[@]/#/midge-bridge-}" mosquitto-bridge; do
  grep -E "^(RESULT|CPU_SPLIT) path=$path " "$work/results.txt" | awk -v p="$path" '
    /^CPU_SPLIT/ { for (i = 3; i <= NF; i++) { split($i, kv, "="); split_[kv[1]] = split_[kv[1]] " " kv[2] }; next }
    {
      for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      rates = rates " " v["recv_rate"]; cpu = cpu " " v["broker_cpu_us_per_msg"]
      lost += v["lost"]; dup += v["dup"]; reo += v["reordered"] }
    END { printf "%-17s recv msg/s:%s   brokers CPU us/msg:%s   lost %d, dup %d, reordered %d\n", p, rates, cpu,
          lost, dup, reo
          if (split_["local_us_per_msg"] != "")
            printf "%-17s   of which local:%s   remote:%s\n", "", split_["local_us_per_msg"],
                   split_["remote_us_per_msg"] }'
done

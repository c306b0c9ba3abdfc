#!/usr/bin/env bash
# The verdict of a soak run (soak.sh calls it at the end; it can be run again on a kept soak.csv):
#
#   ./midge-benchmarks/soak-verdict.sh /tmp/midge-soak.XXXXXX/soak.csv 600     # CSV, warm-up in seconds
#
# Environment: LIMIT (10: % growth per hour flagged), LIMIT_STORE (LIMIT, for the store's bytes and files).
# Prints one VERDICT line per series and a last line "FLAGGED <count of growing series>".
#
# Most series are judged by their least-squares slope from the warm-up's end, as % of their mean per hour. The
# store's and the queue's series are sawtooths whose cycle is long against an hour, and a slope over a window that
# cuts a cycle measures where the cut fell, not growth:
# - wal_bytes: RocksDB appends every write to its log until the memtable holds 64 MiB, then flushes it to an SST file
#   and drops the log (at soak.sh's high rate every ~9 minutes; at the default rate, hours). Judged by its peaks:
#   the second half's against the first's, as % per hour of the time between the halves' middles (a log kept past
#   its flush, say by a column family that never flushes, raises the peaks).
# - sst_bytes, sst_files: each flush adds an SST file until four trigger a compaction back into one (every ~35
#   minutes at the high rate). Judged by their floors: the size right after each compaction is the live data the
#   store keeps; the second half's floors against the first's.
# - store_bytes is the log plus the SST files (and a few KB of manifest and options): judged by those two.
# - queued: the persistent sessions' on/off cycles and how their phases line up. Judged by its peaks.
# A half without a whole cycle (no flush, no compaction) cannot be judged that way and says so: run longer.
set -euo pipefail
csv=${1:?usage: soak-verdict.sh SOAK_CSV WARMUP_SECONDS}
warmup=${2:?usage: soak-verdict.sh SOAK_CSV WARMUP_SECONDS}
limit=${LIMIT:-10}
limit_store=${LIMIT_STORE:-$limit}

echo "# verdict: growth per hour from t=${warmup}s to the end (flagged above $limit%/h; store above $limit_store%/h;" \
  "the log and queued by their halves' peaks, the SST files by their floors after compactions)"
awk -F, -v warmup="$warmup" -v limit="$limit" -v limit_store="$limit_store" '
  NR == 1 { for (i = 1; i <= NF; i++) { name[i] = $i; col[$i] = i }; next }
  $1 >= warmup {
    n++; t[n] = $1
    for (i = 2; i <= NF; i++) {
      v[i, n] = $i
      if ($i == "") continue
      c[i]++; st[i] += $1; sy[i] += $i; sty[i] += $1 * $i; stt[i] += $1 * $1
      last[i] = $i; if (!(i in first)) first[i] = $i
    }
  }
  function slope_of(i,   d) {
    d = c[i] * stt[i] - st[i] * st[i]
    return d > 0 ? (c[i] * sty[i] - st[i] * sy[i]) / d : 0
  }
  # How many times the series at column i fell (a flush, a compaction) between samples from..to (indices).
  function drops(i, from, to,   k, m) {
    m = 0
    for (k = from + 1; k <= to; k++) if (v[i, k] != "" && v[i, k - 1] != "" && v[i, k] + 0 < v[i, k - 1] + 0) m++
    return m
  }
  function rises(i, from, to,   k, m) {
    m = 0
    for (k = from + 1; k <= to; k++) if (v[i, k] + 0 > v[i, k - 1] + 0) m++
    return m
  }
  function peak(i, from, to,   k, p) {
    p = ""
    for (k = from; k <= to; k++) if (v[i, k] != "" && (p == "" || v[i, k] + 0 > p + 0)) p = v[i, k]
    return p
  }
  END {
    split("heap_after_gc_mb rss_kb threads open_files direct_bytes store_bytes sst_files sst_bytes connections " \
          "sessions_connected sessions_offline queued retained", j, " ")
    for (k in j) { judged[j[k]] = 1; floor[j[k]] = 2 }
    floor["rss_kb"] = 2048; floor["direct_bytes"] = 0; floor["store_bytes"] = 0; floor["sst_bytes"] = 0; floor["wal_bytes"] = 0
    split("wal_bytes sst_bytes sst_files queued store_bytes", e, " ")
    for (k in e) envelope[e[k]] = 1
    half = int(n / 2)
    hours = half > 0 ? (t[n] - t[1]) / 2 / 3600 : 0   # between the middles of the two halves
    bad = 0
    # store_bytes last: it is judged by its parts, the log and the SST files.
    m = 0
    for (i = 2; i in name; i++) if (name[i] != "store_bytes") order[++m] = i
    order[++m] = col["store_bytes"]
    for (o = 1; o <= m; o++) {
      i = order[o]
      if (c[i] < 3) { printf "VERDICT %-18s too few samples after the warm-up\n", name[i]; continue }
      if (name[i] == "store_commits" || name[i] == "sst_compacted") {
        printf "VERDICT %-18s %s -> %s, %.2f/s (a counter: it rises while the store works)\n", name[i], first[i], last[i], slope_of(i)
        continue
      }
      mean = sy[i] / c[i]
      s = slope_of(i)
      pct = mean > 0 ? s * 3600 / mean * 100 : (s > 0 ? 999 : 0)
      lim = name[i] ~ /^(store_bytes|sst_bytes|sst_files)$/ ? limit_store : limit
      if (name[i] in envelope && half >= 3) {
        state = ""
        if (name[i] ~ /^sst_/) {
          # Floors: the samples right after a compaction took files away.
          f1 = ""; f2 = ""; floors = ""
          for (k = 2; k <= n; k++) if (v[col["sst_compacted"], k] + 0 > v[col["sst_compacted"], k - 1] + 0) {
            floors = floors (floors == "" ? "" : ", ") v[i, k]
            if (k <= half) { if (f1 == "" || v[i, k] + 0 > f1 + 0) f1 = v[i, k] }
            else if (f2 == "" || v[i, k] + 0 > f2 + 0) f2 = v[i, k]
          }
          if (f1 == "" || f2 == "") state = "not judged: a half without a compaction; run longer"
          p1 = f1; p2 = f2; what = "after each compaction " floors
        } else if (name[i] == "store_bytes") {
          state = store_state == "" ? "not judged: its parts were not" : store_state " (its log and SST files)"
          what = "log plus SST files"
        } else {
          if (name[i] == "wal_bytes" && (drops(i, 1, half) == 0 || drops(i, half + 1, n) == 0))
            state = "not judged: a half without a flush; run longer"
          p1 = peak(i, 1, half); p2 = peak(i, half + 1, n); what = "peaks " p1 " then " p2
        }
        growth = p1 > 0 && hours > 0 ? (p2 - p1) / p1 / hours * 100 : 0
        if (state == "") state = growth <= lim || p2 - p1 <= floor[name[i]] ? "flat" : "GROWING"
        if (name[i] != "store_bytes") {
          what = what sprintf(", %+.1f%%/h", growth)
          if (name[i] ~ /^(wal|sst)_bytes$/)
            store_state = store_state == "" || store_state == "flat" ? (state ~ /^not/ ? "not judged" : state) : store_state
        }
        if (state ~ /^GROWING/) bad++
        printf "VERDICT %-18s %s -> %s, mean %.0f, %s (slope %+.1f%%/h) %s\n", name[i], first[i], last[i], mean, what, pct, state
        continue
      }
      # A rise the size of the resolution of a series (a MiB of heap, a file, a connection) is noise, not growth.
      rise = s * (t[n] - t[1])
      state = !(name[i] in judged) ? "(shown, not judged)" : pct <= lim ? "flat" \
        : rise > floor[name[i]] + 0 ? "GROWING" : "flat (a rise within the resolution)"
      if (state == "GROWING") bad++
      printf "VERDICT %-18s %s -> %s, mean %.0f, %+.1f%%/h %s\n", name[i], first[i], last[i], mean, pct, state
    }
    print "FLAGGED " bad
  }' "$csv"

#!/usr/bin/env python3
"""CPU per thread group of broker processes, from /proc/PID/task/*/stat (cluster-bench.sh's THREADS=1).

  thread-cpu.py snap PID[,PID...] > FILE        # utime+stime and stime (clock ticks) of every thread, and its name
  thread-cpu.py split BEFORE AFTER US_PER_MSG LABEL...  # that figure split by process and thread group

The figure (mqbench's broker CPU per delivered message, summed over the processes) is split in the shares of the
CPU the threads used between the snapshots (taken just before and after the run, so warm-up included). A process's
figures say where its CPU went: event loops (Netty, midge-loop-*), the JIT compilers, the garbage collector,
Hazelcast (hz.*), the store's writer and sync threads, the cluster's own threads, and the rest (the VM's thread,
timers...); kernel= is the part of all= spent in the kernel (system calls, the loopback's TCP). A thread that ended
between the snapshots is missing from the second and not counted.
"""
import os
import sys

TICK = os.sysconf("SC_CLK_TCK")
GROUPS = [
    ("loops", ("midge-loop",)),
    ("C2", ("C2 Compiler",)),
    ("C1", ("C1 Compiler",)),
    ("GC", ("GC Thread", "G1 ", "VM Periodic")),
    ("hz", ("hz.",)),
    ("store", ("midge-store",)),
    ("cluster", ("midge-cluster", "midge-sessions")),
]


def group(name):
    for label, prefixes in GROUPS:
        if name.startswith(prefixes):
            return label
    return "other"


def snap(pids):
    for pid in pids.split(","):
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/stat") as f:
                    stat = f.read()
                with open(f"/proc/{pid}/task/{tid}/comm") as f:
                    name = f.read().strip()
            except OSError:
                continue  # the thread ended meanwhile
            fields = stat[stat.rindex(")") + 2:].split()
            print(pid, tid, int(fields[11]) + int(fields[12]), int(fields[12]), name, sep="\t")


def load(path):
    threads = {}
    with open(path) as f:
        for line in f:
            pid, tid, ticks, sys_ticks, name = line.rstrip("\n").split("\t", 4)
            threads[(pid, tid)] = (int(ticks), int(sys_ticks), name)
    return threads


def split(before, after, per_msg, labels):
    b, a = load(before), load(after)
    pids = list(dict.fromkeys(pid for pid, _ in a))
    cols = [g for g, _ in GROUPS] + ["other"]
    ticks = {pid: {c: 0 for c in cols} for pid in pids}
    kernel = {pid: 0 for pid in pids}
    for (pid, tid), (t, k, name) in a.items():
        t0, k0, _ = b.get((pid, tid), (0, 0, name))
        ticks[pid][group(name)] += t - t0
        kernel[pid] += k - k0
    all_ticks = sum(sum(g.values()) for g in ticks.values()) or 1
    scale = float(per_msg) / all_ticks
    rows = [(labels[i] if i < len(labels) else pid, ticks[pid], kernel[pid]) for i, pid in enumerate(pids)]
    if len(pids) > 1:
        rows.append(("sum", {c: sum(ticks[pid][c] for pid in pids) for c in cols}, sum(kernel.values())))
    for label, t, k in rows:
        print(f"THREADS {label} all={sum(t.values()) * scale:.3f} "
              + " ".join(f"{c}={t[c] * scale:.3f}" for c in cols) + f" kernel={k * scale:.3f}")


if __name__ == "__main__":
    if sys.argv[1] == "snap":
        snap(sys.argv[2])
    else:
        split(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])

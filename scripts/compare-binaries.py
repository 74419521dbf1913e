#!/usr/bin/env python3
"""Compares the speed of two or more `tripline` binaries fairly on a noisy machine.

This VM's figures move by up to 8 % between runs of the same binary, and by more from one hour to
the next, so a change is measured binary against binary: their runs alternate (A, B, A, B, ...) on
the same workload, each a fresh `tripline bench measure-pipeline` process, and the medians are
compared as well as the best runs. Each binary's alerts (their `kibana.alert.uuid`s, in order) must
be the same as the first binary's: a faster binary that raises other alerts is a bug, not a speed-up.

Prints, per binary, the events per CPU-second of every run (sorted), their median and best, and
exits with 1 when the alerts differ.

Usage:
  python3 scripts/compare-binaries.py --events-file WORKLOAD.ndjson [--rules linux] [--runs 5]
      [--shards 1] [--cpu 1] BINARY BINARY [BINARY ...]

The workload is any NDJSON events file: `tripline bench --workload WORKLOAD.ndjson` generates the
bench's own there on its first run and keeps it. Keep a binary to compare against with
`cp .build/release/tripline /tmp/tripline-before` before changing the code. `--cpu`
pins every run to one core with `taskset`, so that each one-shard run has the same single core
(unpinned, the kernel may spread its source and shard threads over both cores in one run and not in
the next).
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

UUID = re.compile(rb'"kibana\.alert\.uuid":"([0-9a-f]+)"')


def run_once(binary, args, alerts_path):
    """One measured run; returns (events per CPU-second, digest of the alert uuids in order)."""
    command = [binary, "bench", "measure-pipeline", "--events-file", args.events_file,
               "--rule-set", args.rules, "--shard-count", str(args.shards), "--alerts-file", alerts_path]
    if args.cpu is not None:
        command = ["taskset", "-c", str(args.cpu)] + command
    result = subprocess.run(command, capture_output=True, text=True, cwd=args.directory)
    if result.returncode != 0:
        sys.exit(f"compare-binaries: {binary} failed ({result.returncode}): {result.stderr.strip()[-500:]}")
    measurement = json.loads(result.stdout.strip().splitlines()[-1])
    with open(alerts_path, "rb") as alerts:
        digest = hashlib.sha256(b"\n".join(UUID.findall(alerts.read()))).hexdigest()
    return measurement["events"] / measurement["cpuSeconds"], digest, measurement["alerts"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binaries", nargs="+", help="tripline binaries, the first the reference")
    parser.add_argument("--events-file", required=True, help="the NDJSON workload")
    parser.add_argument("--rules", choices=["founding", "linux"], default="linux", help="rule set (default linux)")
    parser.add_argument("--runs", type=int, default=5, help="runs per binary (default 5)")
    parser.add_argument("--shards", type=int, default=1, help="shards (default 1)")
    parser.add_argument("--cpu", type=int, help="pin the runs to this core with taskset")
    parser.add_argument("--directory", default=".", help="where the runs start (Rules/ and ../shared are found from it)")
    args = parser.parse_args()
    if len(args.binaries) < 2:
        parser.error("give at least two binaries")
    if args.cpu is not None and shutil.which("taskset") is None:
        parser.error("--cpu needs taskset (util-linux)")
    args.events_file = os.path.abspath(args.events_file)

    # By position: the same binary may be given twice (a measure of the noise itself).
    binaries = list(enumerate(args.binaries))
    rates = [[] for _ in binaries]
    digests = [set() for _ in binaries]
    counts = [0 for _ in binaries]
    with tempfile.TemporaryDirectory(prefix="tripline-compare-") as scratch:
        for run in range(args.runs):
            for position, binary in binaries:
                rate, digest, alerts = run_once(binary, args, os.path.join(scratch, f"alerts-{position}.ndjson"))
                rates[position].append(rate)
                digests[position].add(digest)
                counts[position] = alerts
                print(f"compare-binaries: run {run + 1} of {args.runs}, {binary}: {rate:,.0f} events per CPU-second",
                      file=sys.stderr)

    same = True
    reference = statistics.median(rates[0])
    print(f"{args.rules} rules, {args.shards} shard(s), {args.runs} interleaved runs each; events per CPU-second:")
    for position, binary in binaries:
        values = sorted(rates[position])
        median = statistics.median(values)
        change = "" if position == 0 else f" ({median / reference - 1:+.1%} against the first)"
        agrees = len(digests[position]) == 1 and digests[position] == digests[0]
        same = same and agrees
        verdict = "same alerts" if agrees else "ALERTS DIFFER"
        print(f"  {binary}: median {median:,.0f}, best {values[-1]:,.0f}{change}; "
              f"runs {', '.join(f'{value:,.0f}' for value in values)}; {counts[position]} alerts, {verdict}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())

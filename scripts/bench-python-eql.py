#!/usr/bin/env python3
"""Elastic's reference EQL engine (PyPI `eql` 1.0.1) on a Tripline bench workload, for the
side-by-side figure `tripline bench` prints.

Streams the first --limit events of an NDJSON workload through eql's PythonEngine with the founding
rules' queries (Rules/*.toml) and prints one JSON object: events, seconds, events/s with and without
JSON decoding, and results per query. eql 1.0.1 does not know `[stage] with runs=N`; such a stage is
written out N times, which is what `runs` means. A query its dialect still rejects is reported and
skipped.

Dialect note: eql's Python engine compares a multi-valued field (an array such as `process.args`)
as a whole, where Elasticsearch (and Tripline) test each value, so its result counts differ; the
throughput figure is what this script is for.

Usage: python3 scripts/bench-python-eql.py WORKLOAD.ndjson [--limit 20000] [--rules Rules]
"""
import argparse
import datetime
import glob
import json
import os
import re
import sys
import time
import tomllib

import eql


def parse_time(text):
    """ISO 8601 (`2026-11-25T09:00:02.201Z`) to epoch milliseconds."""
    return int(datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def to_event(document):
    category = document.get("event", {}).get("category") or ["generic"]
    if isinstance(category, list):
        category = category[0]
    return eql.Event(category, parse_time(document["@timestamp"]), document)


def load_queries(rules_dir):
    queries = []
    for path in sorted(glob.glob(os.path.join(rules_dir, "**", "*.toml"), recursive=True)):
        with open(path, "rb") as handle:
            rule = tomllib.load(handle)["rule"]
        queries.append((rule["name"], rule["query"]))
    return queries


def expand_runs(text):
    """`[stage] with runs=N` written out as N copies of `[stage]`."""
    match = re.search(r"\]\s*with\s+runs\s*=\s*(\d+)", text)
    if not match:
        return None
    end = match.start()
    depth, start = 0, end
    while start >= 0:
        if text[start] == "]":
            depth += 1
        elif text[start] == "[":
            depth -= 1
            if depth == 0:
                break
        start -= 1
    stage = text[start:end + 1]
    return text[:start] + "\n".join([stage] * int(match.group(1))) + text[match.end():]


def parse(text):
    with eql.parser.elasticsearch_syntax, eql.parser.ignore_missing_functions, eql.parser.ignore_missing_fields:
        return eql.parse_query(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workload")
    parser.add_argument("--limit", type=int, default=20000)
    parser.add_argument("--rules", default="Rules")
    options = parser.parse_args()

    lines = []
    with open(options.workload, "rb") as handle:
        for line in handle:
            if len(lines) >= options.limit:
                break
            if line.strip():
                lines.append(line)

    engine = eql.PythonEngine({"time_unit": 1000})
    accepted, rejected = [], []
    counts = {}
    for name, text in load_queries(options.rules):
        try:
            try:
                query = parse(text)
            except eql.EqlError:
                expanded = expand_runs(text)
                if expanded is None:
                    raise
                query = parse(expanded)
                name += " (runs written out)"
        except eql.EqlError as error:
            rejected.append({"rule": name, "reason": " ".join(str(error).split())})
            continue
        counts[name] = 0
        engine.add_analytic(eql.ast.EqlAnalytic(query=query, metadata={"id": name}))
        accepted.append(name)

    def count(output):
        counts[output.analytic_id] += 1

    engine.add_output_hook(count)

    started = time.perf_counter()
    events = [to_event(json.loads(line)) for line in lines]
    decoded = time.perf_counter()
    engine.stream_events(events)
    finished = time.perf_counter()

    total = finished - started
    engine_only = finished - decoded
    print(json.dumps({
        "engine": "eql " + getattr(eql, "__version__", "?"),
        "events": len(events),
        "seconds": round(total, 4),
        "events_per_second": round(len(events) / total) if total > 0 else 0,
        "engine_events_per_second": round(len(events) / engine_only) if engine_only > 0 else 0,
        "queries": accepted,
        "rejected": rejected,
        "results": counts,
    }))


if __name__ == "__main__":
    sys.exit(main())

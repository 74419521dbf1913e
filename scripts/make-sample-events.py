#!/usr/bin/env python3
"""Writes Config/sample-events.ndjson: a reproducible stream of Elastic Defend (Endpoint) Linux
process events — benign background activity on several hosts, plus activity that trips each of
the two founding rules, and near misses that must not.

Arrival order is event order with small jitter (up to 2 s), as events arrive from a Kafka topic;
sequence rules must give the same alerts as on sorted input.

Usage: python3 scripts/make-sample-events.py > Config/sample-events.ndjson
"""
import datetime
import hashlib
import json
import random

rng = random.Random(20261125)
BASE = datetime.datetime(2026, 11, 25, 9, 0, 0, tzinfo=datetime.timezone.utc)

HOSTS = [
    ("web-01", "Ubuntu", "22.04.4 LTS (Jammy Jellyfish)", "5.15.0-105-generic"),
    ("web-02", "Ubuntu", "22.04.4 LTS (Jammy Jellyfish)", "5.15.0-105-generic"),
    ("db-01", "Debian GNU/Linux", "12 (bookworm)", "6.1.0-21-amd64"),
    ("build-07", "Red Hat Enterprise Linux", "9.3 (Plow)", "5.14.0-362.24.1.el9_3.x86_64"),
    ("bastion", "Amazon Linux", "2023", "6.1.82-99.168.amzn2023.x86_64"),
]
USERS = {"web-01": ["www-data", "deploy"], "web-02": ["www-data", "deploy"], "db-01": ["postgres", "root"],
         "build-07": ["jenkins", "root"], "bastion": ["alice", "bob", "root"]}


def host_id(name):
    return hashlib.md5(name.encode()).hexdigest()


def entity_id(*parts):
    return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()[:32]


class Clock:
    def __init__(self):
        self.t = BASE

    def tick(self, seconds):
        self.t += datetime.timedelta(seconds=seconds)
        return self.t


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


counter = [0]


def process_event(t, host, user, executable, args, parent, pid=None, cwd="/"):
    """One `process` start event, shaped like Elastic Defend's logs-endpoint.events.process."""
    name, os_name, os_version, kernel = host
    counter[0] += 1
    pid = pid or rng.randint(2000, 60000)
    proc_name = executable.rsplit("/", 1)[-1]
    ingested = t + datetime.timedelta(milliseconds=rng.randint(300, 1500))
    return {
        "@timestamp": iso(t),
        "agent": {"id": entity_id("agent", name), "type": "endpoint", "version": "8.15.2"},
        "data_stream": {"dataset": "endpoint.events.process", "namespace": "default", "type": "logs"},
        "ecs": {"version": "8.10.0"},
        "event": {
            "action": "exec", "category": ["process"], "type": ["start"], "kind": "event",
            "dataset": "endpoint.events.process", "module": "endpoint", "outcome": "unknown",
            "id": "NVk" + hashlib.sha1(f"{name}{counter[0]}".encode()).hexdigest()[:21],
            "created": iso(t), "ingested": iso(ingested),
        },
        "host": {
            "id": host_id(name), "name": name, "hostname": name, "architecture": "x86_64",
            "os": {"type": "linux", "family": "debian" if "Ubuntu" in os_name or "Debian" in os_name else "rhel",
                   "name": os_name, "version": os_version, "kernel": kernel, "platform": os_name.split()[0].lower()},
            "ip": [f"10.20.{HOSTS.index(host)}.{10 + HOSTS.index(host)}"],
        },
        "process": {
            "entity_id": entity_id("proc", name, counter[0]), "pid": pid, "name": proc_name,
            "executable": executable, "args": [executable] + args, "args_count": len(args) + 1,
            "command_line": " ".join([executable] + args), "working_directory": cwd,
            "start": iso(t), "interactive": parent["name"] in ("bash", "zsh", "sh"),
            "parent": parent,
            "user": {"id": "0" if user == "root" else str(1000 + len(user)), "name": user},
        },
        "user": {"id": "0" if user == "root" else str(1000 + len(user)), "name": user,
                 "group": {"id": "0" if user == "root" else "1000", "name": user}},
        "message": "Endpoint process event",
    }


def parent_of(host, name, executable, user, args=None):
    return {"entity_id": entity_id("parent", host[0], name, user, rng.random()), "pid": rng.randint(300, 1999),
            "name": name, "executable": executable, "args": args or [executable],
            "command_line": " ".join(args or [executable])}


BENIGN = [
    ("/usr/bin/ls", ["-la", "/var/log"]), ("/usr/bin/cat", ["/etc/os-release"]), ("/usr/bin/grep", ["-r", "error", "/var/log/syslog"]),
    ("/usr/bin/curl", ["-s", "https://internal.example.com/health"]), ("/usr/bin/python3", ["/opt/app/worker.py"]),
    ("/usr/bin/systemctl", ["status", "nginx"]), ("/usr/bin/ps", ["aux"]), ("/usr/bin/tar", ["-czf", "/backup/www.tgz", "/var/www"]),
    ("/usr/bin/find", ["/tmp", "-mtime", "+7", "-delete"]), ("/usr/bin/git", ["pull", "--ff-only"]),
    ("/usr/bin/openssl", ["x509", "-in", "/etc/ssl/certs/site.pem", "-noout", "-enddate"]),
    ("/usr/bin/openssl", ["rand", "-hex", "16"]), ("/usr/bin/sha256sum", ["/opt/app/release.tgz"]),
    ("/usr/sbin/logrotate", ["/etc/logrotate.conf"]), ("/usr/bin/df", ["-h"]), ("/usr/bin/du", ["-sh", "/var/lib/postgresql"]),
]

events = []
clock = Clock()

# Benign background: ~1,100 process starts over 10 minutes, spread over the hosts.
for _ in range(1100):
    t = clock.tick(rng.uniform(0.1, 0.9))
    host = rng.choice(HOSTS)
    user = rng.choice(USERS[host[0]])
    executable, args = rng.choice(BENIGN)
    parent = parent_of(host, rng.choice(["bash", "cron", "systemd", "sshd"]), "/usr/bin/bash", user)
    events.append(process_event(t, host, user, executable, args, parent))


def at(seconds):
    return BASE + datetime.timedelta(seconds=seconds)


web01, web02, db01, build07, bastion = HOSTS

# Rule 1, positive: openssl s_client to a remote host:port (reverse shell style) on the bastion.
shell = parent_of(bastion, "bash", "/usr/bin/bash", "bob")
events.append(process_event(at(120.25), bastion, "bob", "/usr/bin/openssl",
                            ["s_client", "-quiet", "-connect", "203.0.113.66:443"], shell))
# Rule 1, positive: openssl s_server listening on a port on web-02.
shell = parent_of(web02, "sh", "/usr/bin/sh", "www-data")
events.append(process_event(at(240.5), web02, "www-data", "/usr/bin/openssl",
                            ["s_server", "-quiet", "-key", "/tmp/k.pem", "-cert", "/tmp/c.pem", "-port", "8443"], shell))
# Rule 1, near miss: an administrator checking a certificate chain (-showcerts) is excluded.
shell = parent_of(bastion, "bash", "/usr/bin/bash", "alice")
events.append(process_event(at(300.75), bastion, "alice", "/usr/bin/openssl",
                            ["s_client", "-connect", "intranet.example.com:443", "-showcerts"], shell))

# Rule 2, positive: twelve files encrypted with a password in 2.4 s from one shell on db-01
# (runs=10: ten events make one sequence; the last two start a partial sequence that never completes).
shell = parent_of(db01, "bash", "/usr/bin/bash", "root")
for i in range(12):
    f = f"/var/lib/postgresql/backup/part{i:02d}.sql"
    events.append(process_event(at(400 + i * 0.2), db01, "root", "/usr/bin/openssl",
                                ["enc", "-aes-256-cbc", "-salt", "-in", f, "-out", f + ".enc", "-k", "R4ns0m!"], shell,
                                cwd="/var/lib/postgresql/backup"))
# Rule 2, near miss: base64 encoding ten files (-a) is excluded.
shell = parent_of(build07, "bash", "/usr/bin/bash", "jenkins")
for i in range(10):
    f = f"/srv/artifacts/blob{i}.bin"
    events.append(process_event(at(500 + i * 0.3), build07, "jenkins", "/usr/bin/openssl",
                                ["enc", "-aes-256-cbc", "-a", "-in", f, "-out", f + ".b64", "-pass", "env:KEY"], shell))
# Rule 2, near miss: ten encryptions, but slower than maxspan=5s (one per second).
shell = parent_of(web01, "bash", "/usr/bin/bash", "deploy")
for i in range(10):
    f = f"/home/deploy/secrets/{i}.env"
    events.append(process_event(at(560 + i * 1.0), web01, "deploy", "/usr/bin/openssl",
                                ["enc", "-aes-256-cbc", "-in", f, "-out", f + ".enc", "-k", "s3cret"], shell))

# Arrival order: event time plus up to 2 s of jitter (as from a partitioned topic).
events.sort(key=lambda e: e["@timestamp"])
arrival = sorted(range(len(events)), key=lambda i: (datetime.datetime.fromisoformat(
    events[i]["@timestamp"].replace("Z", "+00:00")) + datetime.timedelta(seconds=rng.uniform(0, 2))))
for i in arrival:
    print(json.dumps(events[i], separators=(",", ":")))

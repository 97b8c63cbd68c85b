"""The goals table of issue 18 in one run: every bench behind it, one after another, then the table.

    .venv/bin/python bench/goals.py --out /tmp/goals.json       # full sizes, on an idle machine
    .venv/bin/python bench/goals.py --quick                     # tiny sizes, 1 round: checks the plumbing
    .venv/bin/python bench/goals.py --only receiver,alerts --redis redis://127.0.0.1:6379/6

Until this script, each row of the goals table was measured by its own bench in its own session, at
its own load (bench/README.md, "Issue 18 measurements"), so no run could say where the whole table
stands on one machine at one time. This runs the existing benches as child processes, with the
arguments those sections used, one after another:

* ``sync``: ``full_sync.py`` at 1k, 10k, 50k (each round: raw paging floor, first sync, bulk insert
  floor, second sync with nothing changed);
* ``rss``: ``stream_devices.py`` (peak RSS of the client streaming 50k devices against 5k);
* ``receiver``: ``webhook_ingest.py`` (max throughput with wrk against the durable floor; p99 at a
  fixed 200/s; it profiles the receiver in-process when a target of its own is missed);
* ``alerts``: ``alert_storm.py --rq``, one RQ worker on one tenant and two workers on two tenants,
  alternated, the order flipped every round, each run on a fresh database;
* ``inventory``: ``inventory_refresh.py --no-search`` (first, no-change, floor, interleaved);
* ``search``: ``software_search.py --fill`` (every search kind on 822k rows, against count(*)).

It reads the JSON the benches print, and prints the goals table (What | Goal | Measured: median
[min–max] of the per-round values, rounds | Met?) with the load average before and after every
child, then writes every child's command line, JSON records, timings and loads to ``--out``. The
thresholds are in ``GOALS`` (the issue's words), the figures in ``FIGURES`` (how each is read from
the benches' output). A goal is met when the median of its per-round values meets it (goals that
must hold every time, such as "0 rows written", in every round); "Met?" also says in how many
rounds it did. Ratios are taken within one round, as the benches interleave what they compare.

``--quick`` runs every bench at tiny sizes and one round, to check this plumbing end to end in a
few minutes: its figures mean nothing. WARNING: the database of ``--database-url`` is dropped and
created again (many times) and the Redis database of ``--redis`` flushed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import operator
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

from bench_support import DEFAULT_DATABASE_URL, recreate_database, sqlalchemy_url  # noqa: E402
from webhook_ingest import REDIS_URL  # noqa: E402

#: Generous: the full sync bench at 50k takes the longest (minutes idle, most of an hour loaded).
CHILD_TIMEOUT = 3 * 3600


@dataclass(frozen=True)
class Goal:
    """One row of the issue's goals table: what is measured, the goal in the issue's words, the threshold
    (``None``: reported, no goal). ``every_round``: must hold in every round, not only in the median."""

    key: str
    bench: str
    what: str
    goal: str
    op: str | None = None
    limit: float = 0.0
    unit: str = "×"
    digits: int = 2
    every_round: bool = False


#: The thresholds, as issue 18 words them ("keep" rows: the bound the benches check, named in the row).
#: ``{small}``, ``{mid}``, ``{large}`` are the full sync's sizes, ``{rss_small}``/``{rss_large}`` the
#: streaming ones, ``{search_rows}`` the software rows searched, ``{storm}`` the stored deliveries.
# fmt: off
GOALS: tuple[Goal, ...] = (
    Goal("sync_small", "sync", "Full sync {small} devices, first sync ÷ floor (raw paging + bulk insert)",
         "—"),
    Goal("sync_mid", "sync", "Full sync {mid} devices, first sync ÷ floor", "≤ 2.0× floor", "<=", 2.0),
    Goal("sync_large", "sync", "Full sync {large} devices, first sync ÷ floor", "≤ 2.5× floor", "<=", 2.5),
    Goal("sync_linear", "sync", "Full sync, wall per device at {large} ÷ at {mid}",
         "cost linear in N (≤ 1.2: this script's tolerance)", "<=", 1.2),
    Goal("sync_requests", "sync",
         "API requests, full sync: `devices-detailed` requests ÷ (ceil(N/1000) + 1), every size",
         "keep (≤ 1)", "<=", 1.0, every_round=True),
    Goal("inventory_requests", "inventory", "API requests, inventory refresh: requests per fleet device",
         "keep (paged: < 0.1; session 15: 0.067 at 10k)", "<", 0.1, "", 3, every_round=True),
    Goal("resync_rows", "sync", "No-change re-sync: rows written, every size", "keep (0)", "<=", 0,
         "rows", 0, every_round=True),
    Goal("rss", "rss", "Streaming `devices-detailed`: peak RSS {rss_large} ÷ {rss_small}",
         "keep (≤ 1.3, issue 3)", "<=", 1.3),
    Goal("receiver_floor", "receiver",
         "Webhook receiver, max throughput ÷ the durable floor (INSERT + COMMIT + RPUSH)",
         "≥ 0.8× floor", ">=", 0.8),
    Goal("receiver_p99", "receiver", "Webhook receiver, p99 at a fixed 200/s (from the scheduled send)",
         "< 50 ms", "<", 50.0, "ms", 1),
    Goal("alerts_one", "alerts", "Alert processing, one RQ worker ({storm} stored deliveries)", "≥ 200/s",
         ">=", 200.0, "/s", 1),
    Goal("alerts_two", "alerts", "Alert processing, two workers on two tenants ÷ one worker (same round)",
         "≥ 1.7× one", ">=", 1.7),
    Goal("inventory_no_change", "inventory", "Inventory refresh, no change ÷ first (wall)",
         "≤ 0.3× the first", "<=", 0.3),
    Goal("inventory_no_change_cpu", "inventory",
         "Inventory refresh, no change ÷ first (the refreshing process's CPU)", "≤ 0.3× the first",
         "<=", 0.3),
    Goal("inventory_floor", "inventory",
         "Inventory refresh, first ÷ floor (the five report walks through the client + one INSERT of "
         "every row)", "≤ 2× the floor", "<=", 2.0),
    Goal("search", "search",
         "Software search, first page with its counts: the slowest kind of each round ({search_rows} rows)",
         "every kind < 150 ms", "<", 150.0, "ms", 0),
)
# fmt: on

OPS: dict[str, Callable[[float, float], bool]] = {"<=": operator.le, "<": operator.lt, ">=": operator.ge}


@dataclass(frozen=True)
class Sizes:
    """Everything that differs between the full run and ``--quick``."""

    sync: tuple[int, int, int]
    stream: tuple[int, int]
    rounds: int
    receiver_seconds: float
    storm: tuple[int, int]  # alert_storm.py --devices, --deliveries
    inventory_devices: int
    search_fill: int


#: The sizes of the README's runs; ``--fill 14000`` writes 821,965 software rows of 13,535 devices (the
#: issue's table: 815k; ``--fill 10000`` wrote 584k in sessions 14 and 16).
FULL = Sizes((1_000, 10_000, 50_000), (5_000, 50_000), 3, 15.0, (40, 1500), 10_000, 14_000)
QUICK = Sizes((100, 300, 600), (300, 1_500), 1, 3.0, (5, 60), 200, 300)


@dataclass
class Run:
    """One child: its command line, what it printed as JSON, its time and the load around it."""

    bench: str
    label: str
    argv: list[str]
    started: str = ""
    seconds: float = 0.0
    returncode: int | None = None
    load_before: list[float] = field(default_factory=list)
    load_after: list[float] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    output_tail: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0


@dataclass
class Plan:
    """One bench: its children, in order, and whether each needs a freshly created database."""

    name: str
    script: str
    runs: list[tuple[str, list[str], bool]]


def plans(sizes: Sizes, url: str, redis: str, quick: bool) -> list[Plan]:
    """The benches' command lines, as the README's sections ran them (sizes from ``sizes``)."""
    rounds = str(sizes.rounds)
    sync = [url, "--sizes", ",".join(map(str, sizes.sync)), "--reps", rounds]
    stream = ["--sizes", ",".join(map(str, sizes.stream))]
    receiver = [url, "--redis", redis, "--rounds", rounds, "--duration", str(sizes.receiver_seconds)]
    if quick:
        receiver += ["--profile", "never"]
    devices, deliveries = sizes.storm
    storm = [url, "--rq", redis, "--devices", str(devices), "--deliveries", str(deliveries)]
    configs = {"one worker": [], "two workers, two tenants": ["--workers", "2", "--tenants", "2"]}
    alerts = []
    for number in range(sizes.rounds):  # alternated, the order flipped every round
        order = list(configs) if number % 2 == 0 else list(reversed(configs))
        alerts += [(f"round {number}: {name}", storm + configs[name], True) for name in order]
    inventory = [url, "--reset", "--devices", str(sizes.inventory_devices), "--reps", rounds, "--no-search"]
    search = [url, "--fill", str(sizes.search_fill), "--reps", rounds, "--json"]
    return [
        Plan("sync", "full_sync.py", [("all sizes", sync, False)]),
        Plan("rss", "stream_devices.py", [("both sizes", stream, False)]),
        Plan("receiver", "webhook_ingest.py", [("all servers", receiver, False)]),
        Plan("alerts", "alert_storm.py", alerts),
        Plan("inventory", "inventory_refresh.py", [("first / no-change / floor", inventory, True)]),
        Plan("search", "software_search.py", [("every kind", search, False)]),
    ]


# ---------------------------------------------------------------------------------------------------------
# running the children
# ---------------------------------------------------------------------------------------------------------


def child_environment() -> dict[str, str]:
    """This environment without ``NINJAONE_*`` (as ``bench_support`` drops them: the benches configure the
    app themselves and the extension rejects settings it does not know), unbuffered so lines stream, and
    this checkout first on ``PYTHONPATH``: a script's own directory is its ``sys.path[0]``, so a bench
    that does not put the checkout there itself would import whatever ``flask_ninjaone`` the venv has."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NINJAONE_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def json_records(text: str) -> list[dict[str, Any]]:
    """Every JSON object printed from the start of a line: one-line records and indented ones."""
    decoder = json.JSONDecoder()
    records: list[dict[str, Any]] = []
    offset, end = 0, 0
    for line in text.splitlines(keepends=True):
        if offset >= end and line.startswith("{"):
            try:
                record, end = decoder.raw_decode(text, offset)
            except ValueError:
                end = offset
            else:
                if isinstance(record, dict):
                    records.append(record)
        offset += len(line)
    return records


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def run_child(run: Run, url: str, fresh_database: bool) -> None:
    """Run one bench child, its output streamed to stderr (prefixed) and kept; killed (its process group:
    the fakes and servers it started) after ``CHILD_TIMEOUT`` or when this process is interrupted."""
    if fresh_database:
        recreate_database(url)
    run.started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    run.load_before = load_average()
    print(f"\n### {run.bench}: {run.label}\n$ {' '.join(run.argv)}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    process = subprocess.Popen(
        run.argv,
        cwd=ROOT,
        env=child_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    timer = threading.Timer(CHILD_TIMEOUT, os.killpg, (process.pid, signal.SIGTERM))
    timer.start()
    lines: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            print(f"  [{run.bench}] {line}", end="", file=sys.stderr, flush=True)
        run.returncode = process.wait()
    finally:
        timer.cancel()
        if process.poll() is None:  # interrupted (Ctrl-C reaches only this process: the child has its
            os.killpg(process.pid, signal.SIGTERM)  # own session), so its fakes and servers go too
    run.seconds = round(time.perf_counter() - started, 1)
    run.load_after = load_average()
    output = "".join(lines)
    run.records = json_records(output)
    if not run.ok:
        run.output_tail = output[-4000:]


# ---------------------------------------------------------------------------------------------------------
# the figures: per-round values of every goal, read from the benches' JSON
# ---------------------------------------------------------------------------------------------------------

#: What one bench's runs yield: per goal key, the per-round values and a note for the table.
Figures = dict[str, tuple[list[float], str]]


def _records(runs: list[Run], event: str | None = None) -> list[dict[str, Any]]:
    found = [r for run in runs if run.ok for r in run.records]
    return [r for r in found if r.get("event") == event] if event else found


def sync_figures(runs: list[Run], context: dict[str, str]) -> Figures:
    """``full_sync.py``'s ``round`` records: each round's first sync against that round's floors."""
    by_size: dict[int, list[dict[str, Any]]] = {}
    for record in _records(runs, "round"):
        by_size.setdefault(record["size"], []).append(record)
    if len(by_size) < 3:
        return {}
    small, mid, large = sorted(by_size)
    context.update(small=f"{small:,}", mid=f"{mid:,}", large=f"{large:,}")

    def floor(r: dict[str, Any]) -> float:
        return float(r["floor_paging"]["wall_seconds"] + r["floor_insert"]["wall_seconds"])

    def per_device(r: dict[str, Any], key: str = "wall_seconds") -> float:
        return float(r["A"]["first_sync"][key]) / max(1, r["A"]["first_sync"]["processed"])

    out: Figures = {}
    for key, size in (("sync_small", small), ("sync_mid", mid), ("sync_large", large)):
        rounds = by_size[size]
        cpu = statistics.median(r["A"]["first_sync"]["cpu_seconds"] for r in rounds)
        floors = ", ".join(f"{floor(r):.2f}" for r in rounds)
        out[key] = (
            [r["A"]["first_sync"]["wall_seconds"] / floor(r) for r in rounds],
            f"floor s {floors}; sync CPU {cpu:.2f} s",
        )
    pairs = list(zip(by_size[mid], by_size[large], strict=False))
    cpu_growth = [per_device(b, "cpu_seconds") / per_device(a, "cpu_seconds") for a, b in pairs]
    out["sync_linear"] = (
        [per_device(b) / per_device(a) for a, b in pairs],
        f"CPU per device {fmt_spread(cpu_growth, 2)}",
    )
    requests, notes = [], []
    for size in (small, mid, large):
        for r in by_size[size]:
            first = r["A"]["first_sync"]
            made = first["api_calls"].get("by_endpoint", {}).get("GET /v2/devices-detailed", 0)
            allowed = math.ceil(first["processed"] / 1000) + 1
            requests.append(made / allowed)
        notes.append(f"{made} of ≤ {allowed} at {size:,}")
    out["sync_requests"] = (requests, "; ".join(notes))
    rows = [float(r["A"]["second_sync"]["rows"]["total"]) for size in by_size for r in by_size[size]]
    out["resync_rows"] = (rows, "second full sync, nothing changed")
    return out


def rss_figures(runs: list[Run], context: dict[str, str]) -> Figures:
    """``stream_devices.py``: one JSON line per size, smallest first."""
    sizes = [r for r in _records(runs) if "peak_rss_mb" in r]
    if len(sizes) < 2:
        return {}
    small, large = sizes[0], sizes[-1]
    context.update(rss_small=f"{small['devices']:,}", rss_large=f"{large['devices']:,}")
    note = f"{small['peak_rss_mb']} → {large['peak_rss_mb']} MB"
    return {"rss": ([large["peak_rss_mb"] / small["peak_rss_mb"]], note)}


def receiver_figures(runs: list[Run], context: dict[str, str]) -> Figures:
    """``webhook_ingest.py``'s ``server`` records: per round, the receiver against the durable floor."""
    rounds: dict[int, dict[str, Any]] = {}
    for record in _records(runs, "server"):
        rounds.setdefault(record["round"], {})[record["app"]] = record
    rounds = {n: servers for n, servers in rounds.items() if {"receiver", "floor"} <= servers.keys()}
    if not rounds:
        return {}
    measured = [rounds[n] for n in sorted(rounds)]
    floors = ", ".join(f"{m['floor']['max']['accepted_per_second']:.0f}" for m in measured)
    inbox = next(iter(_records(runs, "inbox")), {})
    checked = "every 202 stored" if inbox.get("equal_except_wrk_cutoff") else "INBOX CHECK FAILED"
    achieved = ", ".join(f"{m['receiver']['fixed_200']['accepted_per_second']:.0f}" for m in measured)
    return {
        "receiver_floor": (
            [
                m["receiver"]["max"]["accepted_per_second"] / m["floor"]["max"]["accepted_per_second"]
                for m in measured
            ],
            f"floor {floors}/s; {checked}",
        ),
        "receiver_p99": (
            [m["receiver"]["fixed_200"]["latency_ms"]["p99"] for m in measured],
            f"achieved {achieved}/s of 200",
        ),
    }


def alert_figures(runs: list[Run], context: dict[str, str]) -> Figures:
    """``alert_storm.py --rq`` reports, one per run; a run that did not end ``ok`` is left out (and
    reported as failed: the bench exits non-zero)."""
    by_round: dict[str, dict[str, dict[str, Any]]] = {}
    for run in runs:
        reports = [r for r in run.records if "deliveries_per_second" in r]
        if run.ok and reports and reports[-1].get("ok"):
            number, _, config = run.label.partition(": ")
            by_round.setdefault(number, {})[config] = reports[-1]
    ones = [r["one worker"] for r in by_round.values() if "one worker" in r]
    if not ones:
        return {}
    context["storm"] = f"{ones[0]['stored']:,}"
    cpu = fmt_spread([r["net_worker_cpu_ms_per_delivery"] for r in ones], 2)
    out: Figures = {
        "alerts_one": (
            [r["deliveries_per_second"] for r in ones],
            f"worker CPU {cpu} ms per delivery, net of start-up",
        )
    }
    pairs = [r for r in by_round.values() if len(r) == 2]
    if pairs:
        two = [p["two workers, two tenants"]["deliveries_per_second"] for p in pairs]
        out["alerts_two"] = (
            [t / p["one worker"]["deliveries_per_second"] for t, p in zip(two, pairs, strict=True)],
            f"two workers {fmt_spread(two, 1)}/s",
        )
    return out


def inventory_figures(runs: list[Run], context: dict[str, str]) -> Figures:
    """``inventory_refresh.py``'s last line: its rounds (first, no-change, floor, interleaved)."""
    reports = [r for r in _records(runs) if "rounds" in r]
    if not reports:
        return {}
    rounds = reports[-1]["rounds"]

    def seconds(key: str) -> str:
        return fmt_spread([r[key] for r in rounds], 1) + " s"

    return {
        "inventory_no_change": (
            [r["no_change_over_first"] for r in rounds],
            f"first {seconds('first')}, no change {seconds('no_change')}",
        ),
        "inventory_no_change_cpu": (
            [r["cpu_no_change_over_first"] for r in rounds],
            f"CPU first {seconds('cpu_first')}, no change {seconds('cpu_no_change')}",
        ),
        "inventory_floor": ([r["first_over_floor"] for r in rounds], f"floor {seconds('floor')}"),
        "inventory_requests": (
            [r["requests_first"] / reports[-1]["devices"] for r in rounds],
            f"{rounds[0]['requests_first']} requests, {reports[-1]['devices']:,} devices "
            f"({rounds[0]['devices_first']:,} inventoried)",
        ),
    }


def search_figures(runs: list[Run], context: dict[str, str]) -> Figures:
    """``software_search.py --json``: per round, the slowest kind (every kind must be under the goal)."""
    reports = [r for r in _records(runs) if "kinds" in r]
    if not reports:
        return {}
    report = reports[-1]
    context["search_rows"] = f"{report['rows']:,}"
    kinds = report["kinds"]
    slowest = [max(k["search_seconds"][n] for k in kinds.values()) * 1000 for n in range(report["reps"])]
    medians = {label: statistics.median(k["search_seconds"]) for label, k in kinds.items()}
    worst = max(medians, key=lambda label: medians[label])
    over = sum(1 for value in medians.values() if value * 1000 >= 150)
    note = (
        f"slowest median: {worst}, {medians[worst] * 1000:.0f} ms; kinds over 150 ms: {over} of {len(kinds)}"
    )
    return {"search": (slowest, note)}


FIGURES: dict[str, Callable[[list[Run], dict[str, str]], Figures]] = {
    "sync": sync_figures,
    "rss": rss_figures,
    "receiver": receiver_figures,
    "alerts": alert_figures,
    "inventory": inventory_figures,
    "search": search_figures,
}


# ---------------------------------------------------------------------------------------------------------
# the table
# ---------------------------------------------------------------------------------------------------------


def fmt_spread(values: list[float], digits: int) -> str:
    """``median [min–max]``, or the one value."""
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.median(values):.{digits}f} [{min(values):.{digits}f}–{max(values):.{digits}f}]"


def judge(goal: Goal, values: list[float]) -> tuple[bool | None, str]:
    """Met (``None``: no goal) and the Met? cell: the median (or every round) against the threshold."""
    if goal.op is None:
        return None, "—"
    check = OPS[goal.op]
    meeting = sum(1 for value in values if check(value, goal.limit))
    met = meeting == len(values) if goal.every_round else check(statistics.median(values), goal.limit)
    rounds = f" ({meeting} of {len(values)} rounds)" if len(values) > 1 else ""
    return met, ("yes" if met else "no") + rounds


def goals_table(figures: Figures, context: dict[str, str], ran: set[str]) -> list[dict[str, Any]]:
    """The table's rows, in ``GOALS``' order, with their per-round values (raw, for ``--out``)."""
    rows = []
    for goal in (goal for goal in GOALS if goal.bench in ran):
        values, note = figures.get(goal.key, ([], ""))
        row = {"key": goal.key, "what": goal.what.format_map(_Unknown(context)), "goal": goal.goal,
               "values": values, "note": note, "met": None, "met_cell": "—"}  # fmt: skip
        if not values:
            row["measured"] = "no figure: see the bench's output"
        else:
            row["met"], row["met_cell"] = judge(goal, values)
            unit = f" {goal.unit}" if goal.unit[:1].isalpha() else goal.unit  # "12 ms", "1.8×", "46/s"
            rounds = f"{len(values)} round{'s' * (len(values) > 1)}"
            row["measured"] = f"{fmt_spread(values, goal.digits)}{unit}, {rounds}" + (
                f" ({note})" if note else ""
            )
        rows.append(row)
    return rows


class _Unknown(dict[str, str]):
    """Sizes a bench that did not run could not name."""

    def __missing__(self, key: str) -> str:
        return "?"


def print_report(rows: list[dict[str, Any]], runs: list[Run], started: str, quick: bool) -> None:
    print(
        f"\n## Goals of issue 18, one run ({started}; {os.cpu_count()} CPUs"
        f"{'; --quick: tiny sizes, the figures mean nothing' if quick else ''})\n"
    )
    print("| What | Goal | Measured: median [min–max] of the per-round values, rounds | Met? |")
    print("|---|---|---|---|")
    for row in rows:
        print(f"| {row['what']} | {row['goal']} | {row['measured']} | {row['met_cell']} |")
    print("\n| Bench | Run | Started | Seconds | Load 1/5/15 min before | after | Exit |")
    print("|---|---|---|---|---|---|---|")
    for run in runs:
        before, after = " / ".join(map(str, run.load_before)), " / ".join(map(str, run.load_after))
        print(
            f"| {run.bench} | {run.label} | {run.started} | {run.seconds} | {before} | {after} | "
            f"{run.returncode} |"
        )
    for run in runs:
        if not run.ok:  # its whole output went to stderr, its last 4000 characters to --out
            tail = "\n".join(run.output_tail.splitlines()[-8:])
            print(
                f"\nFAILED: {run.bench} ({run.label}), exit {run.returncode}; last lines:\n```\n{tail}\n```"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes, one round: checks the plumbing only"
    )
    parser.add_argument(
        "--only", default="", metavar="NAME[,NAME]", help=f"run only these benches, of: {', '.join(FIGURES)}"
    )
    parser.add_argument("--rounds", type=int, help="rounds of every bench (default: 3, --quick 1)")
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
        help="PostgreSQL database the benches DROP and re-create (default: %(default)s)",
    )
    parser.add_argument(
        "--redis", default=REDIS_URL, help="Redis database to FLUSH and use (default: %(default)s)"
    )
    parser.add_argument(
        "--out", type=Path, help="raw results, JSON (default: /tmp/ninjaone-goals-<time>.json)"
    )
    args = parser.parse_args()
    only = [name.strip() for name in args.only.split(",") if name.strip()] or list(FIGURES)
    unknown = set(only) - FIGURES.keys()
    if unknown:
        parser.error(f"unknown bench {', '.join(sorted(unknown))}: choose from {', '.join(FIGURES)}")
    if "receiver" in only and shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install -y wrk): the receiver bench needs it")
    url = sqlalchemy_url(args.database_url)
    # Services checked now, not after the benches before the one that needs them (the benches drop and
    # create the database too; this also refuses the suite's ``test`` database).
    recreate_database(url)
    if {"receiver", "alerts"} & set(only):
        from redis import Redis

        Redis.from_url(args.redis).ping()
    sizes = QUICK if args.quick else FULL
    if args.rounds:
        sizes = dataclasses.replace(sizes, rounds=args.rounds)
    stamp = datetime.now(UTC)
    out_path = args.out or Path(f"/tmp/ninjaone-goals-{stamp:%Y%m%dT%H%M%SZ}.json")

    runs: list[Run] = []
    figures: Figures = {}
    context: dict[str, str] = {}

    def save(rows: list[dict[str, Any]]) -> None:
        """Everything so far: written after every bench, so a run cut short keeps what it measured."""
        raw = {"started": stamp.isoformat(), "saved": datetime.now(UTC).isoformat(), "argv": sys.argv,
               "quick": args.quick, "sizes": dataclasses.asdict(sizes), "cpus": os.cpu_count(),
               "goals": rows, "runs": [dataclasses.asdict(run) for run in runs]}  # fmt: skip
        out_path.write_text(json.dumps(raw, indent=1, default=str))

    for plan in plans(sizes, url, args.redis, args.quick):
        if plan.name not in only:
            continue
        bench_runs = []
        for label, arguments, fresh in plan.runs:
            run = Run(plan.name, label, [sys.executable, str(HERE / plan.script), *arguments])
            run_child(run, url, fresh)
            bench_runs.append(run)
        runs += bench_runs
        try:
            figures.update(FIGURES[plan.name](bench_runs, context))
        except (KeyError, IndexError, TypeError, ValueError, ZeroDivisionError):
            # A bench's output changed shape: its rows say "no figure"; the raw records are kept.
            traceback.print_exc()
        save([])

    rows = goals_table(figures, context, set(only))
    print_report(rows, runs, f"{stamp:%Y-%m-%d %H:%M} UTC", args.quick)
    save(rows)
    print(f"\nraw results: {out_path}")
    if any(not run.ok for run in runs):
        sys.exit(1)


if __name__ == "__main__":
    main()

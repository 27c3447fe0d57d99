"""A small HTTP load generator, used when ``wrk`` is not installed; run it as a separate
process: ``python -m heedful.bench.loadgen URL --duration 10 --connections 16``.
Prints one JSON object with the same fields as the wrk script of heedful.bench.server_bench.

Two modes:

- closed loop (the default): each connection sends its next request as soon as the
  previous answer is in. It finds the maximum throughput, but its latency is mostly
  queueing: with C connections at X requests/s each request waits about C / X.
- open loop, ``--rate R``: request i is due at ``start + i / R`` whatever the server
  does, and goes out on the first free connection of the pool. Latency is measured from
  the due time, not from the send, so a server that falls behind shows it in the
  percentiles (no "coordinated omission"); ``late`` counts the requests that went out
  more than ``--late-ms`` after their due time (no free connection, or the client
  itself behind).
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import resource
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

Request = tuple[str, dict[str, str], bytes | None]


@dataclass
class Tally:
    """What the client threads record; list.append is atomic under the GIL."""

    latencies: list[float] = field(default_factory=list)  # microseconds
    errors: list[int] = field(default_factory=list)  # HTTP status, 0 for a broken connection
    late: list[float] = field(default_factory=list)  # microseconds behind the due time


class Connection:
    def __init__(self, url: str, request: Request) -> None:
        parts = urlsplit(url)
        self.path = parts.path + (f"?{parts.query}" if parts.query else "")
        self.method, self.headers, self.body = request
        self.http = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port, timeout=30
        )

    def send(self, tally: Tally) -> None:
        """One request and its whole answer; http.client reconnects after a close."""
        try:
            self.http.request(self.method, self.path, body=self.body, headers=self.headers)
            response = self.http.getresponse()
            response.read()
            if response.status >= 400:
                tally.errors.append(response.status)
        except (OSError, http.client.HTTPException):
            tally.errors.append(0)
            self.http.close()


def _closed_loop(connection: Connection, until: float, tally: Tally) -> None:
    while time.monotonic() < until:
        started = time.perf_counter()
        connection.send(tally)
        tally.latencies.append((time.perf_counter() - started) * 1e6)


@dataclass
class Schedule:
    start: float  # time.perf_counter() when request 0 is due
    rate: float
    count: int
    # Shared by the threads: next() on itertools.count is atomic under the GIL, so each
    # request goes to exactly one connection, the first one free.
    numbers: Iterator[int] = field(default_factory=itertools.count)


def _open_loop(connection: Connection, schedule: Schedule, late_after: float, tally: Tally) -> None:
    while (number := next(schedule.numbers)) < schedule.count:
        due = schedule.start + number / schedule.rate
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        elif -wait > late_after:
            tally.late.append(-wait * 1e6)
        connection.send(tally)
        tally.latencies.append((time.perf_counter() - due) * 1e6)


def _pick(ordered: list[float], share: float) -> int:
    return int(ordered[min(len(ordered) - 1, int(share * len(ordered)))]) if ordered else 0


def run(
    url: str,
    request: Request,
    *,
    duration: float,
    connections: int,
    rate: float | None = None,
    late_ms: float = 1.0,
) -> dict[str, object]:
    tally = Tally()
    pool = [Connection(url, request) for _ in range(connections)]
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    if rate is None:
        until = time.monotonic() + duration
        threads = [threading.Thread(target=_closed_loop, args=(c, until, tally)) for c in pool]
    else:
        # A short lead so that every thread is waiting when the first request is due.
        schedule = Schedule(started + 0.05, rate, int(rate * duration))
        threads = [
            threading.Thread(target=_open_loop, args=(c, schedule, late_ms / 1000, tally))
            for c in pool
        ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu_s = sum(getattr(cpu_after, f) - getattr(cpu_before, f) for f in ("ru_utime", "ru_stime"))
    ordered = sorted(tally.latencies)
    result: dict[str, object] = {
        "requests": len(ordered), "duration_us": int(elapsed * 1e6),
        "p50_us": _pick(ordered, 0.5), "p95_us": _pick(ordered, 0.95),
        "p99_us": _pick(ordered, 0.99), "max_us": int(ordered[-1]) if ordered else 0,
        "errors": len(tally.errors), "status_errors": sum(1 for e in tally.errors if e),
        "timeouts": 0, "client_cpu_us_per_request": int(cpu_s * 1e6 / max(1, len(ordered))),
    }  # fmt: skip
    if rate is not None:
        result.update(
            target_rate=rate,
            late=len(tally.late),
            late_p95_us=_pick(sorted(tally.late), 0.95),
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        help="open loop: this many requests a second, latency from each one's due time",
    )
    parser.add_argument(
        "--late-ms", type=float, default=1.0, help="open loop: 'late' if sent this far behind"
    )
    parser.add_argument("--cookie", default="")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--header", action="append", default=[], help="Name: value")
    parser.add_argument("--body", default=None, help="request body, sent as it is")
    args = parser.parse_args()
    headers = dict(h.split(": ", 1) for h in args.header)
    if args.cookie:
        headers["Cookie"] = args.cookie
    body = args.body.encode() if args.body is not None else None
    result = run(
        args.url,
        (args.method, headers, body),
        duration=args.duration,
        connections=args.connections,
        rate=args.rate,
        late_ms=args.late_ms,
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()

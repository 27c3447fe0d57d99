"""A small HTTP load generator, used when ``wrk`` is not installed; run it as a separate
process: ``python -m heedful.bench.loadgen URL --duration 10 --connections 16``.
Prints one JSON object with the same fields as the wrk script of heedful.bench.server_bench.
"""

from __future__ import annotations

import argparse
import http.client
import json
import threading
import time
from urllib.parse import urlsplit


def _client(
    url: str,
    request: tuple[str, dict[str, str], bytes | None],
    until: float,
    latencies: list[float],
    errors: list[int],
) -> None:
    method, headers, body = request
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    while time.monotonic() < until:
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status >= 400:
                errors.append(response.status)
        except (OSError, http.client.HTTPException):
            errors.append(0)
            connection.close()
        latencies.append((time.perf_counter() - started) * 1e6)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--cookie", default="")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--header", action="append", default=[], help="Name: value")
    parser.add_argument("--body", default=None, help="request body, sent as it is")
    args = parser.parse_args()
    headers = dict(h.split(": ", 1) for h in args.header)
    if args.cookie:
        headers["Cookie"] = args.cookie
    body = args.body.encode() if args.body is not None else None
    request = (args.method, headers, body)
    latencies: list[float] = []
    errors: list[int] = []
    until = time.monotonic() + args.duration
    started = time.monotonic()
    threads = [
        threading.Thread(target=_client, args=(args.url, request, until, latencies, errors))
        for _ in range(args.connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(latencies) or [0.0]

    def pick(share: float) -> int:
        return int(ordered[min(len(ordered) - 1, int(share * len(ordered)))])

    print(json.dumps({
        "requests": len(latencies), "duration_us": int((time.monotonic() - started) * 1e6),
        "p50_us": pick(0.5), "p95_us": pick(0.95), "p99_us": pick(0.99),
        "errors": len(errors), "status_errors": sum(1 for e in errors if e), "timeouts": 0,
    }))  # fmt: skip


if __name__ == "__main__":
    main()

"""Email ingest (parse, thread, store, index) in the suite: the notmuch corpus replayed
under new Message-IDs into the benchmark database (``heedful mail bench`` does the
same on its own; see docs/email.md, "Throughput").

The messages are added to the data set like any mailbox's mail would be: threading
looks its ids up among the generated tickets' references. Run last: it adds tickets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from heedful.bench.context import Context
from heedful.bench.fixtures import Fixtures
from heedful.mail.bench import DEFAULT_CORPUS, run_bench
from heedful.mail.pipeline import default_workers
from heedful.mail.writers import default_writers

TARGET_MESSAGES_PER_S = 200.0
CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "email" / "notmuch"


def corpus_path() -> Path | None:
    for candidate in (CORPUS, DEFAULT_CORPUS):
        if candidate.is_dir():
            return candidate
    return None


def _report(ctx: Context, name: str, found: dict[str, Any]) -> None:
    n = found["n"]
    handled = sum(found.get(k, 0) for k in ("created", "threaded", "duplicate", "failed"))
    if handled != n or found.get("failed", 0):
        ctx.fail(f"{name}: {n} messages in, {handled} handled, {found.get('failed', 0)} failed")
    ctx.result(
        name,
        [found["ms_per_message"]],
        messages=n,
        messages_per_s=found["messages_per_s"],
        cpu_ms_per_message=round(1000 * found["cpu_s"] / max(n, 1), 2),
        parser_cpu_ms_per_message=round(1000 * found["parser_cpu_s"] / max(n, 1), 2),
        workers=found["workers"],
        writers=found["writers"],
        copies=found["copies"],
        **{k: found.get(k, 0) for k in ("created", "threaded", "duplicate", "failed")},
        target_messages_per_s=TARGET_MESSAGES_PER_S,
    )


def bench_mail_ingest(ctx: Context, fixtures: Fixtures) -> None:
    corpus = corpus_path()
    if corpus is None:
        ctx.note(f"mail.ingest skipped: no email corpus at {CORPUS}")
        return
    if ctx.smoke:  # one copy (321 messages) parsed in this process: a few seconds
        _report(ctx, "mail.ingest", run_bench(corpus, 1, workers=0))
        return
    found = run_bench(corpus, 5, workers=default_workers(), writers=default_writers())
    _report(ctx, "mail.ingest", found)
    _report(ctx, "mail.ingest.one-process", run_bench(corpus, 5, workers=0))

"""The web process stays small: the libraries only the worker needs (topics: scikit-learn,
SciPy, NumPy; about 140 MB of memory per process) are imported when a job runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

WORKER_ONLY = ("sklearn", "scipy", "numpy", "pandas")

LOAD_THE_SITE = """
import json, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "heedful.settings"
import heedful.wsgi
from django.urls import get_resolver
from django.test import Client
get_resolver().url_patterns  # every view module of every app
Client().get("/login/")
print(json.dumps(sorted(m for m in sys.modules if "." not in m)))
"""


def test_it_serves_pages_without_the_worker_only_libraries(tmp_path: Path) -> None:
    env = {**os.environ, "HEEDFUL_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)  # the login page reads no table: no database needed
    done = subprocess.run(
        [sys.executable, "-c", LOAD_THE_SITE], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout.splitlines()[-1]))
    assert "heedful" in loaded
    assert sorted(loaded & set(WORKER_ONLY)) == []


START_THE_SERVER_APP = """
import gc, json, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "heedful.settings"
import heedful.wsgi
print(json.dumps([gc.get_freeze_count(), "heedful.web.views.inbox" in sys.modules]))
"""


def test_it_moves_what_start_up_made_out_of_the_collectors_way(tmp_path: Path) -> None:
    env = {**os.environ, "HEEDFUL_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", START_THE_SERVER_APP],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    frozen, views_loaded = json.loads(done.stdout.splitlines()[-1])
    # The view modules were imported before the freeze: tens of thousands of objects.
    assert views_loaded is True
    assert frozen > 10_000

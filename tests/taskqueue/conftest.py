"""Every test here runs jobs through the database queue, as the real worker does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.taskqueue import tasks

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture(autouse=True)
def database_queue(settings: Any) -> Iterator[None]:
    settings.TASKS = DB_TASKS
    tasks.RUNS.clear()
    tasks.AFTER_RUN.clear()
    yield
    tasks.AFTER_RUN.clear()

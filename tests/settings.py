"""Settings for the test run: the production settings read with a test environment."""

import os
import tempfile

os.environ.setdefault("HEEDFUL_VAR_DIR", tempfile.mkdtemp(prefix="heedful-test-"))
os.environ.setdefault("SECRET_KEY", "test-secret-key-that-is-long-enough-for-django-checks")
os.environ["HEEDFUL_TASKS_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
# Each run gets its own PostgreSQL test database, so concurrent runs never collide.
os.environ.setdefault("HEEDFUL_TEST_DATABASE", f"test_heedful_{os.getpid()}")

from heedful.settings import *  # noqa: F403

# Topics are computed in this process: a child process per computation would add seconds
# to each test that computes them; tests/feedback/test_topics_child.py covers the child.
TOPICS_IN_CHILD_PROCESS = False

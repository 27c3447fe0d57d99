"""The task queue's database table, tuned for Heedful's load.

The queue itself is django-tasks-db (``db_worker``); this app only holds migrations that
its own migrations lack. See ``migrations/0001_ready_index_for_postgresql.py``.
"""

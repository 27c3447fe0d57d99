"""The task queue, tuned for Heedful's load.

The queue is django-tasks-db. This app adds an index its migrations lack
(``migrations/0001_ready_index_for_postgresql.py``) and a faster worker
(``worker.py``, run by ``heedful worker`` through the ``task_worker`` command).
"""

"""The REST API at /api/v1 (django-ninja): token auth, one error shape, idempotent creates."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heedful.settings")
application = get_wsgi_application()
# Import every view module now (the URL patterns), then move everything start-up made out
# of the garbage collector's generations: those objects live as long as the process, and a
# full collection during a request would otherwise walk all of them again
# (docs/performance-history.md, "Inbox page cost").
get_resolver().url_patterns  # noqa: B018
gc.freeze()

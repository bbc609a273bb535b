"""gunicorn settings for production; each can be overridden on the command line."""

import multiprocessing
import os
import sys

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
worker_class = "gthread"
timeout = 30
graceful_timeout = 30
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
wsgi_app = "partyportal.wsgi:application"
# Load the portal once in the master (imports, URL tables, catalogues: partyportal/wsgi.py)
# and fork warm workers: otherwise every worker, and every worker restarted by max_requests,
# pays ~100 ms on its first request of each page type. New code needs a restart, not a HUP.
preload_app = True


def on_starting(server):
    """Refuse several workers on a cache of one process: each would count failed logins on
    its own (partyportal/checks.py). The default cache (the database) is shared."""
    if server.cfg.workers <= 1:
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partyportal.settings")
    from partyportal.checks import per_process_cache

    if per_process_cache():
        sys.exit(
            f"gunicorn: {server.cfg.workers} workers would each keep their own cache "
            "(CACHE_URL=locmem:// or dummy://), so each would allow the full number of failed "
            "logins. Leave CACHE_URL unset (the database) or point it at Redis, or run one "
            "worker (GUNICORN_WORKERS=1)."
        )

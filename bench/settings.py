"""Settings for the benchmark: the production settings plus a baseline page.

Everything comes from `partyportal.settings` (read from the environment as in production);
only what a benchmark over plain HTTP on the loopback needs is changed here.
"""

from partyportal.settings import *  # noqa: F403
from partyportal.settings import BASE_DIR, TEMPLATES

ROOT_URLCONF = "bench.urls"
# The in-process requests use this host name; gunicorn is reached on 127.0.0.1.
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
# wrk speaks plain HTTP to gunicorn; production terminates TLS at nginx in front.
SECURE_SSL_REDIRECT = False
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]

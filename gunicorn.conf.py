"""Gunicorn settings, read from the project folder by `gunicorn kcs_site.wsgi` (and `make run`).

Sizing for a 2-core server: two worker processes, one per core, so page rendering (CPU-bound
Python under the GIL) uses both cores; four threads in each, so a request that waits (on the
database, on SQLite's busy timeout while another process writes, on a slow client) does not
hold its core's only slot: 8 requests in flight. More processes would not add CPU but would
each carry their own memory (Django, and up to KCS_SEARCH_POSTINGS_CACHE_MB of Whoosh postings).
More cores: WEB_CONCURRENCY = cores. Every value can be overridden on the command line or with
GUNICORN_CMD_ARGS; the bind address comes from the command line (`--bind`).
"""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Above SQLite's 20 s busy timeout, so a waiting writer gets its clear error before the worker is killed.
timeout = 30
graceful_timeout = 30
keepalive = 5  # behind a load balancer that reuses connections
# Recycle a worker now and then (jittered, so not all at once): bounds slow memory growth.
max_requests = 2000
max_requests_jitter = 200
# Access log on stdout, gunicorn's own messages on stderr; the app logs to stdout (settings.LOGGING).
accesslog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
errorlog = "-"
# No runtime control socket: its default path is shared by every gunicorn of the same user.
control_socket_disable = True

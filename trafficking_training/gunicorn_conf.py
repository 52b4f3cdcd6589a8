"""gunicorn's configuration, the one place that sets the web worker model.

The Procfile (`make run`), the Dockerfile (and so docker-compose's web) and
.ci/production_smoke.py all start gunicorn with `-c python:trafficking_training.gunicorn_conf`;
each passes only its own --bind (and the image its --workers).

gthread workers: each process serves several requests at once on threads. A
registration waits up to SESSION_LOCK_TIMEOUT (3 s) for a busy session's lock; with
sync workers, two such waits held both processes and every other page queued behind
them. With 2 processes of 4 threads, six more requests keep being answered while two
wait. Django keeps one database connection per thread (CONN_MAX_AGE reuses it).
"""

from trafficking_training.configuration import from_environ
from trafficking_training.logs import formatter_config

worker_class = "gthread"
# WEB_CONCURRENCY is gunicorn's own variable for the number of processes; the defaults
# are in trafficking_training/configuration.py.
workers = int(from_environ("WEB_CONCURRENCY"))
threads = int(from_environ("WEB_THREADS"))
# gunicorn 25+ opens a control socket at one path per user (~/.gunicorn/gunicorn.ctl), which
# every other gunicorn on the machine would take over; nothing here uses gunicornc.
control_socket_disable = True

# Access lines carry no time of their own: the formatter puts the shared one in front.
# %(M)s is the request's duration in milliseconds.
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": formatter_config()},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "line"},
        "access": {
            "class": "logging.StreamHandler",
            "formatter": "line",
            "stream": "ext://sys.stdout",
        },
    },
    "root": {"level": "INFO", "handlers": ["console"]},
    # Not propagated: Django's LOGGING gives the root logger a handler of its own in
    # each worker, which would print every gunicorn line a second time. No level on
    # gunicorn.error: --log-level sets it.
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
    },
}

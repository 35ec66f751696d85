"""gunicorn settings for the web processes: `gunicorn -c ops/gunicorn.conf.py 'app:create_app()'`.

With PROMETHEUS_MULTIPROC_DIR set (an empty directory, emptied before each start), /metrics sums
the request counters of every web worker; a worker that exits is marked so its gauges go.
"""

import os

bind = os.environ.get("HOTLINE_BIND", "0.0.0.0:5580")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))


def child_exit(server, worker):  # gunicorn calls it with both
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

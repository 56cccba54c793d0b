"""The one gunicorn configuration every benchmark scenario runs under (the
hello-world ceiling included), so that ratios compare like with like."""

import multiprocessing
import os

bind = os.environ.get("BENCH_BIND", "127.0.0.1:8765")
workers = int(os.environ.get("BENCH_WORKERS") or multiprocessing.cpu_count())
worker_class = os.environ.get("BENCH_WORKER_CLASS", "sync")
threads = int(os.environ.get("BENCH_THREADS", "1"))
backlog = 2048
# The 1,000,000-ballot export streams for a while on a slow machine.
timeout = 600
graceful_timeout = 5
accesslog = None
errorlog = "-"
loglevel = "warning"
control_socket_disable = (
    True  # gunicorn 27: no shared ~/.gunicorn/gunicorn.ctl between masters
)

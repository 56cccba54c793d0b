"""Load drivers: gunicorn servers, wrk runs, a concurrent vote burst, a streamed
download, and the worker memory they leave behind."""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
REPORT_LUA = Path(__file__).with_name("report.lua")
GUNICORN_CONF = Path(__file__).with_name("gunicorn_conf.py")


def ensure_wrk() -> str:
    """Path to wrk, installed from Debian when missing (needs root)."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk manquant : apt-get install -y wrk", file=sys.stderr)
    apt = ["apt-get", "install", "-y", "-q", "wrk"]
    if os.geteuid() != 0:
        apt.insert(0, "sudo")
    subprocess.run(apt, check=True)  # noqa: S603  (fixed command)
    return shutil.which("wrk") or "wrk"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A gunicorn master serving ``app`` with the bench configuration."""

    def __init__(self, app: str, env: dict[str, str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        conf = os.environ.get("BENCH_GUNICORN_CONF", str(GUNICORN_CONF))
        self.command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "-c",
            conf,
            "--bind",
            f"127.0.0.1:{self.port}",
            app,
        ]
        self.env = {**os.environ, **env, "BENCH_BIND": f"127.0.0.1:{self.port}"}
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env)  # noqa: S603
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn s'est arrêté : {self.command}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn ne répond pas après 60 s")
        # Wait until every worker has booted (they import the app).
        workers = int(self.env.get("BENCH_WORKERS") or os.cpu_count() or 1)
        while len(self.workers()) < workers and time.monotonic() < deadline:
            time.sleep(0.2)
        return self

    def __exit__(self, *exc) -> None:
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def workers(self) -> list[int]:
        assert self.process is not None
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in children.split()]

    def peak_rss_mb(self) -> float:
        """The largest peak resident memory (VmHWM) among the workers, in MB."""
        peaks = []
        for pid in self.workers():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        return max(peaks, default=0.0)


def fetch(url: str, cookie: str | None = None) -> tuple[int, bytes]:
    """One GET, redirects not followed."""
    host, _, path = url.removeprefix("http://").partition("/")
    connection = http.client.HTTPConnection(host, timeout=120)
    headers = {"Cookie": f"session={cookie}"} if cookie else {}
    connection.request("GET", "/" + path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


@dataclass
class Load:
    """A wrk measure: median of the runs."""

    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    runs: list[dict] = field(default_factory=list)


def wrk(url: str, duration: int, runs: int, cookie: str | None = None) -> Load:
    """Warm up, check the page answers 200, then ``runs`` wrk runs of
    ``duration`` seconds (8 connections, 1 thread); keep the medians."""
    status, body = fetch(url, cookie)
    if status != 200:
        raise RuntimeError(f"{url} répond {status} au lieu de 200")
    for _ in range(5):
        fetch(url, cookie)
    command = [
        ensure_wrk(),
        "-t1",
        f"-c{os.environ.get('BENCH_CONNECTIONS', '8')}",
        f"-d{duration}s",
        "--timeout",
        "60s",  # a slow page counts in the latencies, not as a socket error
        "--latency",
        "-s",
        str(REPORT_LUA),
    ]
    if cookie:
        command += ["-H", f"Cookie: session={cookie}"]
    results = []
    for _ in range(runs):
        output = subprocess.run(  # noqa: S603
            [*command, url], capture_output=True, text=True, check=True
        ).stdout
        line = next(li for li in output.splitlines() if li.startswith("BENCH_JSON "))
        result = json.loads(line.removeprefix("BENCH_JSON "))
        result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
        results.append(result)
    return Load(
        rps=statistics.median(r["rps"] for r in results),
        p50_ms=statistics.median(r["p50_us"] for r in results) / 1000,
        p95_ms=statistics.median(r["p95_us"] for r in results) / 1000,
        p99_ms=statistics.median(r["p99_us"] for r in results) / 1000,
        errors=sum(r["status_errors"] + r["socket_errors"] for r in results)
        + sum(1 for r in results if not r["requests"]),  # nothing answered in time
        runs=results,
    )


@dataclass
class Burst:
    ballots: int
    requests: int
    seconds: float
    latencies_ms: list[float]
    statuses: Counter

    @property
    def ballots_per_second(self) -> float:
        return self.ballots / self.seconds if self.seconds else 0.0

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


def vote_burst(
    base: str,
    consultation_id: int,
    voters: list[tuple[str, str]],
    proposal_ids: list[int],
    concurrency: int,
    twice: float = 0.1,
    seed: int = 2,
) -> Burst:
    """Waves of ``concurrency`` logged-in residents released at once, each
    POSTing a ballot; ``twice`` of them send the same ballot twice in parallel.
    Time runs from each release to the wave's last response."""
    rng = random.Random(seed)  # noqa: S311
    port = int(base.rsplit(":", 1)[1])
    path = f"/consultations/{consultation_id}/vote"
    latencies: list[float] = []
    statuses: Counter = Counter()
    lock = threading.Lock()
    seconds = 0.0
    requests = 0
    for start in range(0, len(voters), concurrency):
        wave = voters[start : start + concurrency]
        jobs = []
        for cookie, csrf in wave:
            picks = rng.sample(proposal_ids, rng.randint(1, 3))
            body = urlencode([("csrf_token", csrf), *(("choices", p) for p in picks)])
            jobs.append((cookie, body))
        jobs += jobs[: round(len(wave) * twice)]
        barrier = threading.Barrier(len(jobs) + 1)
        ends: list[float] = []

        def post(cookie: str, body: str, barrier=barrier, ends=ends) -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            connection.connect()
            barrier.wait()
            began = time.perf_counter()
            try:
                connection.request(
                    "POST",
                    path,
                    body=body,
                    headers={
                        "Cookie": f"session={cookie}",
                        "Content-Type": "application/x-www-form-urlencoded",
                    },
                )
                response = connection.getresponse()
                response.read()
                status = response.status
            except OSError:
                status = 599
            ended = time.perf_counter()
            connection.close()
            with lock:
                latencies.append((ended - began) * 1000)
                statuses[status] += 1
                ends.append(ended)

        threads = [threading.Thread(target=post, args=job) for job in jobs]
        for thread in threads:
            thread.start()
        barrier.wait()
        released = time.perf_counter()
        for thread in threads:
            thread.join()
        seconds += max(ends) - released
        requests += len(jobs)
    return Burst(len(voters), requests, seconds, latencies, statuses)


@dataclass
class Download:
    status: int
    first_byte_s: float
    first_row_s: float
    total_s: float
    rows: int
    megabytes: float


def download(url: str, cookie: str) -> Download:
    """Stream a CSV export: time to the first byte, to the first data row (after
    the header line), to the end; data rows counted."""
    host, _, path = url.removeprefix("http://").partition("/")
    connection = http.client.HTTPConnection(host, timeout=600)
    began = time.perf_counter()
    connection.request("GET", "/" + path, headers={"Cookie": f"session={cookie}"})
    response = connection.getresponse()
    first_byte = first_row = 0.0
    newlines = size = 0
    while chunk := response.read1(65536):
        now = time.perf_counter() - began
        if not size:
            first_byte = now
        size += len(chunk)
        newlines += chunk.count(b"\n")
        if not first_row and newlines >= 2:
            first_row = now
    total = time.perf_counter() - began
    connection.close()
    return Download(
        response.status, first_byte, first_row, total, max(newlines - 1, 0), size / 1e6
    )

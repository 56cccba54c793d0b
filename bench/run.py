"""``make bench``: seed each database at scale, serve it with gunicorn, measure
S1–S5 against a hello-world served the same way, print the table.

Settings (environment):
    BENCH_SCALE       tiny | small (default) | full
    BENCH_DATABASES   sqlite,postgresql (default) — either or both
    BENCH_POSTGRES_URL  server to create the ``faireavec_bench`` database on
                      (default postgresql://postgres@127.0.0.1:5432/postgres)
    BENCH_WORKERS     gunicorn workers (default: number of CPUs); see gunicorn_conf.py
    BENCH_REDIS_URL   Redis for the app's fragment cache, as in production
                      (default redis://127.0.0.1:6379/0; without it, per worker)
    BENCH_OUTPUT      also write the Markdown report to this file
    BENCH_PROFILE     1: profile S1 (last page), S3 and S4 in-process (pyinstrument
                      if installed, else cProfile) into bench/profiles/
"""

from __future__ import annotations

import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench import drive
from bench.seed import SCALES, Scale, Seeded, seed, session_cookie

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE_NAME = "faireavec_bench"
REDIS_URL = "redis://127.0.0.1:6379/0"
#: Where the app kept its rendered fragments in this run (for the report).
FRAGMENT_CACHE = {"backend": "?"}


def _ok(load: drive.Load) -> bool:
    """A measure counts only when every request got its answer."""
    return load.errors == 0 and load.rps > 0


@dataclass
class Row:
    """One line of the report."""

    scenario: str
    database: str
    measure: str
    value: str
    ratio: str
    target: str
    met: bool | None

    def markdown(self) -> str:
        verdict = {True: "oui", False: "**NON**", None: "—"}[self.met]
        cells = (
            self.scenario,
            self.database,
            self.measure,
            self.value,
            self.ratio,
            self.target,
            verdict,
        )
        return "| " + " | ".join(cells) + " |"


def main() -> int:
    scale = SCALES[os.environ.get("BENCH_SCALE", "small")]
    databases = os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(",")
    drive.ensure_wrk()
    started, load = time.monotonic(), os.getloadavg()[0]
    rows: list[Row] = []
    for database in databases:
        rows += run_database(database.strip(), scale)
    report = render(rows, scale, time.monotonic() - started, load)
    print(report)
    if os.environ.get("BENCH_OUTPUT"):
        Path(os.environ["BENCH_OUTPUT"]).write_text(report)
    return 0 if all(row.met is not False for row in rows) else 1


def _database(kind: str, workdir: Path) -> tuple[str, callable]:
    """A fresh empty database and what drops it."""
    if kind == "sqlite":
        path = workdir / "bench.db"
        return f"sqlite:///{path}", lambda: None
    if kind != "postgresql":
        raise SystemExit(f"base inconnue : {kind}")
    import psycopg

    admin = os.environ.get("BENCH_POSTGRES_URL", POSTGRES_URL)

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {DATABASE_NAME} WITH (FORCE)")

    drop()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {DATABASE_NAME}")
    base = admin.rsplit("/", 1)[0]
    uri = f"{base}/{DATABASE_NAME}".replace("postgresql://", "postgresql+psycopg://")
    return uri, drop


def run_database(kind: str, scale: Scale) -> list[Row]:
    """Every scenario on one database; the database is dropped afterwards."""
    from flask_migrate import upgrade

    from participation import create_app
    from participation.extensions import db

    workdir = Path(tempfile.mkdtemp(prefix="faireavec-bench-"))
    uri, drop = _database(kind, workdir)
    secret = secrets.token_urlsafe(48)
    env = {
        "PARTICIPATION_DATABASE_URL": uri,
        "PARTICIPATION_SECRET_KEY": secret,
        "PARTICIPATION_RATELIMIT_ENABLED": "false",
        **_redis_env(),
    }
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": uri,
            "SECRET_KEY": secret,
            "RATELIMIT_ENABLED": False,
        },
        instance_path=str(workdir / "instance"),
    )
    try:
        with app.app_context():
            upgrade()
            began = time.perf_counter()
            seeded = seed(scale, datetime.now(UTC))
            seconds = time.perf_counter() - began
            db.session.remove()
            _analyze(kind)
        _log(f"{kind} : base remplie en {seconds:.1f} s")
        rows = [
            Row("—", kind, "seed (bulk inserts)", f"{seconds:.1f} s", "—", "—", None)
        ]
        rows += _scenarios(app, kind, scale, seeded, env)
        if os.environ.get("BENCH_PROFILE") == "1":
            _profile(app, kind, seeded, -(-scale.proposals // 20))
        return rows
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop()
        for path in sorted(workdir.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        workdir.rmdir()


def _redis_env() -> dict[str, str]:
    """Production's Redis (rendered fragments shared by the workers) when it
    answers at ``BENCH_REDIS_URL``; else each worker keeps its own fragments.
    The key prefix is this run's own, so no earlier run's fragments are read."""
    import redis

    url = os.environ.get("BENCH_REDIS_URL", REDIS_URL)
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except (redis.RedisError, OSError):
        _log(f"Redis injoignable ({url}) : fragments gardés par chaque worker")
        FRAGMENT_CACHE["backend"] = "mémoire de chaque worker (Redis injoignable)"
        return {}
    FRAGMENT_CACHE["backend"] = f"Redis ({url})"
    return {
        "PARTICIPATION_REDIS_URL": url,
        "PARTICIPATION_CACHE_KEY_PREFIX": f"faireavec-bench-{secrets.token_hex(6)}:",
    }


def _analyze(kind: str) -> None:
    """Planner statistics (and PostgreSQL's visibility map, for index-only scans)
    as autovacuum would have them after a bulk load."""
    from participation.extensions import db

    with db.engine.connect() as connection:
        if kind == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM ANALYZE"
            )
        else:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()


def _log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def _scenarios(app, kind: str, scale: Scale, seeded: Seeded, env: dict) -> list[Row]:
    viewer, _ = session_cookie(app, seeded.viewer_token)
    staff, _ = session_cookie(app, seeded.staff_token)
    runs, duration = scale.runs, scale.duration
    rows: list[Row] = []

    with drive.Server("bench.hello:app", env) as server:
        hello = drive.wrk(server.url + "/", duration, runs)
    _log(f"{kind} hello-world : {hello.rps:.0f} req/s, p95 {hello.p95_ms:.1f} ms")
    rows.append(Row("hello", kind, "req/s · p95", _load(hello), "1", "(plafond)", None))

    def ratio(load: drive.Load) -> str:
        return f"{load.rps / hello.rps:.2f} × débit"

    with drive.Server("participation:create_app()", env) as server:
        base = f"{server.url}/consultations"
        pages = scale.proposals // 20 + (scale.proposals % 20 > 0)
        first = drive.wrk(f"{base}/{seeded.large}?tri=support", duration, runs, viewer)
        last = drive.wrk(
            f"{base}/{seeded.large}?tri=support&page={pages}", duration, runs, viewer
        )
        small = drive.wrk(
            f"{base}/{seeded.reference}?tri=support", duration, runs, viewer
        )
        _log(f"{kind} S1 : {first.rps:.0f} / {last.rps:.0f} / {small.rps:.0f} req/s")
        n = f"{scale.proposals:,} prop., {scale.votes:,} votes".replace(",", " ")
        rows += [
            Row(
                "S1",
                kind,
                f"liste p. 1 par soutien ({n})",
                _load(first),
                ratio(first),
                "≥ 0.25 × ; p95 ≤ 50 ms",
                _ok(first) and first.rps >= 0.25 * hello.rps and first.p95_ms <= 50,
            ),
            Row(
                "S1",
                kind,
                f"dernière page (p. {pages})",
                _load(last),
                ratio(last),
                "≥ 0.85 × p. 1 ; p95 ≤ 50 ms",
                _ok(last) and last.rps >= 0.85 * first.rps and last.p95_ms <= 50,
            ),
            Row(
                "S1",
                kind,
                f"même page, {scale.reference_proposals} propositions",
                _load(small),
                f"p. 1 = {first.rps / max(small.rps, 1e-9):.2f} × celle-ci",
                "p. 1 ≥ 0.85 × celle-ci",
                _ok(first) and _ok(small) and first.rps >= 0.85 * small.rps,
            ),
        ]

        plain, deferred = _last_page_sql(app, seeded.large, pages)
        rows.append(
            Row(
                "S1",
                kind,
                f"SQL de la dernière page (p. {pages}, en processus)",
                f"OFFSET sur les lignes {plain:.1f} ms → sur les ids {deferred:.1f} ms",
                "—",
                "(information)",
                None,
            )
        )

        results = drive.wrk(
            f"{base}/{seeded.results}/resultats", duration, runs, viewer
        )
        rows.append(
            Row(
                "S3",
                kind,
                f"page résultats ({scale.result_ballots:,} bulletins)".replace(
                    ",", " "
                ),
                _load(results),
                ratio(results),
                "p95 ≤ 30 ms",
                _ok(results) and results.p95_ms <= 30,
            )
        )
        seconds, equal = _recount(app, seeded.large)
        rows.append(
            Row(
                "S3",
                kind,
                f"recomptage ({scale.votes:,} bulletins)".replace(",", " "),
                f"{seconds:.2f} s, {'égal' if equal else 'DIFFÉRENT'} aux totaux",
                "—",
                "≤ 1 s, égal",
                seconds <= 1 and equal,
            )
        )

        objective = drive.wrk(
            f"{server.url}/objectifs/{seeded.objective}", duration, runs, staff
        )
        board = drive.wrk(
            f"{server.url}/lieux/{seeded.place}/tableau-de-bord", duration, runs, staff
        )
        label = f"{scale.measurements:,} mesures + {scale.actions:,} actions"
        rows += [
            Row(
                "S4",
                kind,
                f"page objectif ({label.replace(',', ' ')})",
                _load(objective),
                ratio(objective),
                "p95 ≤ 100 ms",
                _ok(objective) and objective.p95_ms <= 100,
            ),
            Row(
                "S4",
                kind,
                "tableau de bord du lieu",
                _load(board),
                ratio(board),
                "p95 ≤ 100 ms",
                _ok(board) and board.p95_ms <= 100,
            ),
        ]
        _log(f"{kind} S3/S4 : {results.p95_ms:.1f} / {objective.p95_ms:.1f} ms")

        rows += _vote_burst(app, kind, scale, seeded, server, hello, env)

    rows += _exports(app, kind, scale, seeded, env, staff)
    return rows


def _load(load: drive.Load) -> str:
    errors = f", {load.errors} erreurs" if load.errors else ""
    return f"{load.rps:,.0f} req/s · p95 {load.p95_ms:.1f} ms{errors}".replace(",", " ")


def _last_page_sql(app, consultation_id: int, page: int) -> tuple[float, float]:
    """SQL time of the last page sorted by support: ``db.paginate`` (OFFSET over
    whole rows) against ``proposals.paginate`` (OFFSET over ids); best of five."""
    from sqlalchemy import event

    from participation.extensions import db
    from participation.models import Consultation
    from participation.services import proposals

    spent: list[float] = []

    def before(conn, *args) -> None:
        conn.info["bench_began"] = time.perf_counter()

    def after(conn, *args) -> None:
        spent.append(time.perf_counter() - conn.info.pop("bench_began"))

    timings = {}
    with app.test_request_context(f"/?page={page}"):
        event.listen(db.engine, "before_cursor_execute", before)
        event.listen(db.engine, "after_cursor_execute", after)
        try:
            consultation = db.session.get(Consultation, consultation_id)
            query = proposals.proposals_query(consultation, sort="support")
            paginators = {
                "plain": lambda: db.paginate(query, per_page=20, max_per_page=20),
                "deferred": lambda: proposals.paginate(query, 20),
            }
            for name, paginate in paginators.items():
                best = []
                for _ in range(5):
                    spent.clear()
                    paginate()
                    best.append(sum(spent))
                timings[name] = min(best) * 1000
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
            event.remove(db.engine, "after_cursor_execute", after)
            db.session.remove()
    return timings["plain"], timings["deferred"]


def _recount(app, consultation_id: int) -> tuple[float, bool]:
    """Median of three full recounts, and whether they equal the stored totals."""
    from participation.extensions import db
    from participation.models import Consultation
    from participation.services import voting

    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id)
        timings, counted = [], {}
        for _ in range(3):
            began = time.perf_counter()
            counted = voting.recount(consultation)
            timings.append(time.perf_counter() - began)
        equal = (
            counted == voting.stored_totals(consultation)
            and voting.full_recount(consultation).equal
        )
        db.session.remove()
    return statistics.median(timings), equal


def _vote_burst(
    app, kind, scale: Scale, seeded: Seeded, server, hello, env: dict
) -> list[Row]:
    from sqlalchemy import func, select

    from participation.extensions import db
    from participation.models import Ballot, Consultation
    from participation.services import voting

    voters = [session_cookie(app, token) for token in seeded.voter_tokens]
    burst = drive.vote_burst(
        server.url, seeded.vote, voters, seeded.vote_proposals, scale.concurrency
    )
    with app.app_context():
        consultation = db.session.get(Consultation, seeded.vote)
        stored = db.session.scalar(
            select(func.count()).where(Ballot.consultation_id == consultation.id)
        )
        duplicates = db.session.scalar(
            select(func.count()).select_from(
                select(Ballot.voter_key)
                .where(Ballot.consultation_id == consultation.id)
                .group_by(Ballot.voter_key)
                .having(func.count() > 1)
                .subquery()
            )
        )
        equal = voting.full_recount(consultation).equal
        db.session.remove()
    _log(f"{kind} S2 : {burst.ballots_per_second:.0f} bulletins/s, {burst.statuses}")
    statuses = ", ".join(f"{s}×{n}" for s, n in sorted(burst.statuses.items()))
    return [
        Row(
            "S2",
            kind,
            f"rafale de vote ({len(voters)} habitants, {scale.concurrency} à la fois, "
            "10 % en double)",
            f"{burst.ballots_per_second:.0f} bulletins/s · p95 {burst.p95_ms:.0f} ms",
            f"{burst.ballots_per_second / hello.rps:.3f} × débit",
            "≥ 220/s ; p95 ≤ 150 ms",
            burst.ballots_per_second >= 220 and burst.p95_ms <= 150,
        ),
        Row(
            "S2",
            kind,
            f"contrôles ({burst.requests} requêtes : {statuses})",
            f"{stored} bulletins, {duplicates} doublon, {burst.server_errors} 5xx, "
            f"totaux {'=' if equal else '≠'} recomptage",
            "—",
            f"{len(voters)} bulletins, 0 doublon, 0 5xx, =",
            stored == len(voters)
            and duplicates == 0
            and burst.server_errors == 0
            and equal,
        ),
        _burst_ceiling(kind, voters, seeded, scale, env),
    ]


def _burst_ceiling(kind, voters, seeded: Seeded, scale: Scale, env: dict) -> Row:
    """The same waves against the hello-world (each POST answered 404 at once):
    what this machine, this driver and this gunicorn configuration allow a burst
    of nothing, the ceiling S2 is read against."""
    with drive.Server("bench.hello:app", env) as server:
        burst = drive.vote_burst(
            server.url, seeded.vote, voters, seeded.vote_proposals, scale.concurrency
        )
    rate, p95 = burst.ballots_per_second, burst.p95_ms
    _log(f"{kind} S2 plafond : {rate:.0f}/s, p95 {p95:.0f} ms")
    return Row(
        "S2",
        kind,
        "même rafale contre le hello-world (plafond de la rafale)",
        f"{burst.ballots_per_second:.0f} réponses/s · p95 {burst.p95_ms:.0f} ms",
        "—",
        "(plafond)",
        None,
    )


def _exports(app, kind, scale: Scale, seeded: Seeded, env, staff) -> list[Row]:
    """Each export on freshly started workers, so each peak RSS is its own."""
    measured = []
    for consultation_id, ballots in (
        (seeded.results, scale.result_ballots),
        (seeded.large, scale.votes),
    ):
        with drive.Server("participation:create_app()", env) as server:
            # Warm every worker (imports, templates) before reading its memory.
            drive.wrk(f"{server.url}/consultations/{consultation_id}", 1, 1, staff)
            idle = server.peak_rss_mb()
            url = f"{server.url}/consultations/{consultation_id}/export/bulletins.csv"
            result = drive.download(url, staff)
            peak = server.peak_rss_mb()
        measured.append((ballots, result, idle, peak))
        _log(f"{kind} S5 {ballots} : {result.first_row_s:.2f} s, {peak:.0f} Mo")
    rows = []
    (_, _, _, small_peak), (_, _, _, large_peak) = measured
    for ballots, result, idle, peak in measured:
        rows.append(
            Row(
                "S5",
                kind,
                f"export CSV {ballots:,} bulletins ({result.rows:,} lignes)".replace(
                    ",", " "
                ),
                f"1re ligne {result.first_row_s:.2f} s, total {result.total_s:.1f} s, "
                f"{result.megabytes:.0f} Mo ; RSS {idle:.0f} → {peak:.0f} Mo",
                "—",
                "1re ligne ≤ 1 s",
                result.status == 200 and result.first_row_s <= 1,
            )
        )
    rows.append(
        Row(
            "S5",
            kind,
            "mémoire plate (pic RSS grand / petit export)",
            f"{large_peak:.0f} Mo / {small_peak:.0f} Mo",
            "—",
            "≤ petit + 10 %",
            large_peak <= small_peak * 1.10,
        )
    )
    return rows


def _profile(app, kind: str, seeded: Seeded, last_page: int) -> None:
    """Profile the heaviest pages in-process, one file per page."""
    folder = Path(__file__).with_name("profiles")
    folder.mkdir(exist_ok=True)
    pages = {
        "s1-last": f"/consultations/{seeded.large}?tri=support&page={last_page}",
        "s3-results": f"/consultations/{seeded.results}/resultats",
        "s4-objective": f"/objectifs/{seeded.objective}",
    }
    client = app.test_client()
    cookie, _ = session_cookie(app, seeded.staff_token)
    client.set_cookie("session", cookie)
    for name, url in pages.items():
        client.get(url)
        target = folder / f"{kind}-{name}.txt"
        try:
            from pyinstrument import Profiler
        except ImportError:
            import cProfile
            import io
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(20):
                client.get(url)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
            target.write_text(out.getvalue())
        else:
            profiler = Profiler(interval=0.0005)
            with profiler:
                for _ in range(20):
                    client.get(url)
            target.write_text(profiler.output_text(unicode=True))
        _log(f"profil : {target}")


def render(rows: list[Row], scale: Scale, seconds: float, load: float) -> str:
    """The report: machine, settings, then the table."""
    from bench.gunicorn_conf import threads, worker_class, workers

    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.1f} Go"
    except (OSError, ValueError, IndexError):
        pass
    lines = [
        f"Échelle `{scale.name}` · {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · "
        f"durée {seconds / 60:.1f} min",
        "",
        f"Machine : {cpu}, {os.cpu_count()} cœurs, {memory} ; {platform.platform()} ; "
        f"Python {platform.python_version()} ; charge au départ "
        f"{load:.2f}, à la fin {os.getloadavg()[0]:.2f}",
        f"gunicorn : {workers} workers `{worker_class}` × {threads} thread(s) ; wrk "
        f"-t1 -c{os.environ.get('BENCH_CONNECTIONS', '8')} -d{scale.duration}s, "
        f"médiane de {scale.runs} passe(s) ; fragments en cache : "
        f"{FRAGMENT_CACHE['backend']}",
        "",
        "| Scénario | Base | Mesure | Valeur | Rapport au hello-world | Cible "
        "| Atteinte |",
        "|---|---|---|---|---|---|---|",
        *(row.markdown() for row in rows),
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())

"""Inbox benchmark on PostgreSQL: many human tasks across partners and users, the inbox JSON API and HTML page
under concurrent clients (a second process), p50/p95 latency and requests/s, and the query plans.

    python bench/inbox.py [--tasks 1000000] [--open 50000] [--partners 50] [--users 2000] [--clients 32]
                          [--seconds 10] [--rounds 3] [--rate 300] [--workers 4] [--threads 1] [--profile 200] [--json]

The data is generated inside PostgreSQL (generate_series), the app is served by gunicorn, the load comes from wrk
(a second process, in C: Debian's package) over one connection per client (sync workers, as the README deploys a
web node, close it after each response and wrk opens the next), each request signed in as one of the clients'
partner operators. Each endpoint is loaded twice: as fast as the server answers (its capacity in
requests/s) and paced to `--rate` requests a second (the latency users see at that load; at full speed a closed loop
of 32 clients only measures its own queue, latency = clients / throughput). Before the load, the same requests run
in-process: the SQL statements each one sends, and where a request's Python time goes (cProfile, the functions of
the largest cumulative time).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from sqlalchemy import create_engine, event, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.postgres import fresh_database  # noqa: E402
from db import Base  # noqa: E402
from engine import worklist  # noqa: E402
from engine.scope import Scope  # noqa: E402
from identity.passwords import hash_password  # noqa: E402
from web import create_app  # noqa: E402

PG_URL = os.environ.get("REGLAMENT_BENCH_PG_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
DATABASE = "reglament_bench_inbox"
PASSWORD = "bench-password"


def generate(url: str, tasks: int, open_tasks: int, partners: int, users: int) -> float:
    """Fill the database; returns the seconds it took."""
    started = time.perf_counter()
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    per_partner = max(1, users // partners)
    every = max(1, tasks // open_tasks)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO partner (id, code, name, created_at) SELECT p, 'p' || p, 'Партнёр ' || p, "
                          "now() FROM generate_series(1, :n) p"), {"n": partners})
        conn.execute(text("INSERT INTO app_user (username, full_name, password_hash, partner_id, active, created_at) "
                          "SELECT 'u' || p || '_' || k, 'Оператор ' || p || '-' || k, :h, p, true, now() "
                          "FROM generate_series(1, :n) p, generate_series(1, :k) k"),
                     {"h": hash_password(PASSWORD), "n": partners, "k": per_partner})
        conn.execute(text("INSERT INTO user_role (user_id, role) SELECT id, 'partner_operator' FROM app_user"))
        conn.execute(text("INSERT INTO deployment (id, name, deployed_at) VALUES ('d', 'bench', now())"))
        conn.execute(text("INSERT INTO resource (id, deployment_id, name, content, sha256) "
                          "VALUES ('r', 'd', 'bench.bpmn', '', '')"))
        conn.execute(text("INSERT INTO process_definition (id, key, version, name, deployment_id, resource_id, sha256, "
                          "bundle, suspended, deployed_at) VALUES ('debtor_claim:1', 'debtor_claim', 1, "
                          "'Работа с должником', 'd', 'r', '', '[]', false, now())"))
        # One instance per ten tasks: the projection only needs its row to exist.
        conn.execute(text("INSERT INTO process_instance (id, definition_id, definition_key, business_key, partner_id, "
                          "status, state, state_version, started_at, version) SELECT md5('i' || i)::uuid::text, "
                          "'debtor_claim:1', 'debtor_claim', 'ЛС-' || i, i % :p + 1, 'active', '', '1', now(), 1 "
                          "FROM generate_series(0, :n - 1) i"), {"n": (tasks + 9) // 10, "p": partners})
        conn.execute(text(
            "INSERT INTO human_task (id, instance_id, definition_id, definition_key, task_key, name, business_key, "
            "partner_id, status, assignee, candidate_groups, candidate_users, priority, due_at, created_at) "
            "SELECT md5('t' || i)::uuid::text, md5('i' || (i / 10))::uuid::text, 'debtor_claim:1', 'debtor_claim', "
            "'Task_reminder', 'Напомнить клиенту о долге', 'ЛС-' || (i / 10), (i / 10) % :p + 1, "
            "CASE WHEN i % :every = 0 THEN 'open' ELSE 'completed' END, "
            "CASE WHEN i % :every = 0 AND i % 3 = 0 "
            "     THEN 'u' || ((i / 10) % :p + 1) || '_' || (i % :k + 1) END, "
            "'[\"partner_operator\"]', '[]', CASE WHEN i % 7 = 0 THEN 70 ELSE 50 END, "
            "now() + ((i % 11) - 4) * interval '1 day', now() - (i % 1000) * interval '1 minute' "
            "FROM generate_series(0, :n - 1) i"), {"n": tasks, "p": partners, "every": every, "k": per_partner})
        # Every instance's client fields, as the engine projects them: the search reads them, a page shows the names.
        conn.execute(text("INSERT INTO task_search (instance_id, partner_id, client_name, address, contract_number, "
                          "text) SELECT md5('i' || i)::uuid::text, i % :p + 1, 'ООО «Клиент ' || i || '»', "
                          "'г. Новосибирск, ул. Ленина, д. ' || i, 'Д-' || i, lower('ООО «Клиент ' || i || '» | "
                          "г. Новосибирск, ул. Ленина, д. ' || i || ' | Д-' || i) FROM generate_series(0, :n - 1) i"),
                     {"n": (tasks + 9) // 10, "p": partners})
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def plans(url: str) -> dict[str, str]:
    """EXPLAIN ANALYZE of each tab's page and count query for one partner operator."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    engine = create_engine(url)
    scope = Scope(username="u1_1", partner_id=1, groups=frozenset({"partner_operator"}))
    found = {}
    with app.app_context(), engine.connect() as conn:
        now = worklist.clock.now()
        for tab in ("mine", "group", "overdue"):
            query = worklist.InboxQuery(tab=tab)
            count, page = worklist.view_statements(scope, query)
            values = worklist.view_values(scope, query, now)
            for name, statement in ((tab, page.params(**values, offset=0, limit=25)),
                                    (f"{tab} (count)", count.params(**values))):
                sql = str(statement.compile(conn, compile_kwargs={"literal_binds": True}))
                rows = conn.execute(text("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)).scalars().all()
                found[name] = "\n".join(rows)
    engine.dispose()
    return found


def profile(url: str, paths: list[str], requests: int) -> dict[str, dict]:
    """Per path: the SQL statements of one request and the top of a cProfile of `requests` requests, in-process."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    statements: list[str] = []
    found = {}
    with app.app_context():
        from web.extensions import db  # noqa: PLC0415 — the engine exists only once the app is configured

        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    client = app.test_client()
    token = client.get("/login").get_data(as_text=True).split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    client.post("/login", data={"username": "u1_1", "password": PASSWORD, "csrf_token": token})
    for path in paths:
        client.get(path)  # warm the caches and compiled statements
        statements.clear()
        client.get(path)
        sent = list(statements)
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for _ in range(requests):
            client.get(path)
        profiler.disable()
        per_request = (time.perf_counter() - started) / requests * 1000
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(18)
        found[path] = {"queries": len(sent), "statements": sent, "ms_per_request": round(per_request, 2),
                       "profile": out.getvalue()}
    return found


def serve(url: str, port: int, workers: int, threads: int) -> subprocess.Popen:
    """gunicorn as the README deploys a web node: sync workers, or with `threads` > 1 gthread workers."""
    environment = {**os.environ, "DATABASE_URL": url, "REGLAMENT_SECRET_KEY": "bench"}
    kind = ["-k", "gthread", "--threads", str(threads)] if threads > 1 else ["-k", "sync"]
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers), *kind,
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "web:create_app()"],
        cwd=ROOT, env=environment)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
            return process
        except OSError:  # refused, reset or timed out while the workers boot
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


# wrk's Lua: each request signed in as one of the clients' users in turn; paced, each of wrk's threads sends its
# requests on a fixed schedule (a connection that is free waits for the next slot: an arrival rate, not a closed
# loop); at the end one JSON line of figures.
WRK_SCRIPT = """
local cookies = {%s}
local interval = %s  -- ms between one thread's requests; 0: as fast as the server answers
local turn = math.random(#cookies)
local ffi = require("ffi")
ffi.cdef("typedef struct { long tv_sec; long tv_nsec; } timespec; int clock_gettime(int, timespec *);")
local clock = ffi.new("timespec")
local function now_ms()
  ffi.C.clock_gettime(1, clock)  -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end
local slot = nil
request = function()
  turn = turn %% #cookies + 1
  return wrk.format("GET", nil, {["Cookie"] = cookies[turn]})
end
if interval > 0 then
  delay = function()
    local now = now_ms()
    slot = math.max((slot or now) + interval, now - interval)  -- behind schedule: no burst to catch up
    return math.max(0, slot - now)
  end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests": %%d, "seconds": %%.3f, "errors": %%d, "p50_us": %%d, "p95_us": %%d}\\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(95)))
end
"""
WRK_THREADS = 2


def load(base: str, clients: int, seconds: float, path: str, partners: int, rate: float | None = None) -> dict:
    """`clients` connections from wrk (a second process, in C), for `seconds`, as fast as the server answers or,
    with `rate`, paced to that many requests a second in all; every request is signed in as one of `clients`
    operators of different partners. A short first run warms the server up. Paced latencies run from a request's
    sending, not from its slot, and a slot missed is dropped: near the server's capacity they understate what a
    user would wait (wrk2 would correct that; Debian does not package it)."""
    cookies = [_session_cookie(base, f"u{i % partners + 1}_{i // partners + 1}") for i in range(clients)]
    interval = WRK_THREADS * 1000 / rate if rate else 0
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT % (", ".join(json.dumps(cookie) for cookie in cookies), f"{interval:.4f}"))
        script.flush()
        for duration in (3, seconds):
            out = subprocess.run(["wrk", "-t", str(WRK_THREADS), "-c", str(clients), "-d", f"{duration:g}s",
                                  "--timeout", "10s", "-s", script.name, base + path],
                                 capture_output=True, text=True, check=True)
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    if figures["errors"]:
        raise SystemExit(f"{path}: {figures['errors']} of {figures['requests']} requests failed")
    return {"requests": figures["requests"], "seconds": round(figures["seconds"], 2),
            "rps": round(figures["requests"] / figures["seconds"], 1), "p50_ms": round(figures["p50_us"] / 1000, 1),
            "p95_ms": round(figures["p95_us"] / 1000, 1)}


def _median(runs: list[dict]) -> dict:
    """Each figure's median over the runs."""
    return {name: statistics.median(run[name] for run in runs) for name in ("rps", "p50_ms", "p95_ms")}


def _session_cookie(base: str, username: str) -> str:
    """The Cookie header of a signed-in session of `username`."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    token = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrf_token": token}).encode()
    opener.open(f"{base}/login", data=form).read()
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=50_000)
    parser.add_argument("--partners", type=int, default=50)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0, help="of each load (after a 3 s warm-up)")
    parser.add_argument("--rounds", type=int, default=3, help="of the four loads; the median round is shown")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="per worker; above 1, gthread workers")
    parser.add_argument("--rate", type=float, default=300.0,
                        help="requests/s in all of the paced run, where the latencies are read")
    parser.add_argument("--profile", type=int, default=200, help="requests profiled in-process per endpoint")
    parser.add_argument("--port", type=int, default=5091)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    url = fresh_database(PG_URL, DATABASE)
    seconds = generate(url, args.tasks, args.open, args.partners, args.users)
    query_plans = plans(url)
    profiles = profile(url, ["/inbox.json?tab=group", "/inbox?tab=group"], args.profile)
    server = serve(url, args.port, args.workers, args.threads)
    base = f"http://127.0.0.1:{args.port}"
    endpoints = {"inbox API (/inbox.json?tab=group)": "/inbox.json?tab=group",
                 "inbox HTML (/inbox?tab=group)": "/inbox?tab=group"}
    try:
        # Rounds alternate the endpoints and the two loads, so that a busy spell of a shared host falls on all.
        rounds: dict[str, dict[str, list[dict]]] = {name: {"saturated": [], "paced": []} for name in endpoints}
        for _ in range(args.rounds):
            for name, path in endpoints.items():
                rounds[name]["saturated"].append(load(base, args.clients, args.seconds, path, args.partners))
                rounds[name]["paced"].append(load(base, args.clients, args.seconds, path, args.partners, args.rate))
        results = {name: {kind: {**_median(runs), "rounds_rps": [run["rps"] for run in runs]}
                          for kind, runs in kinds.items()} for name, kinds in rounds.items()}
    finally:
        server.terminate()
        server.wait()
    report = {"tasks": args.tasks, "open": args.open, "partners": args.partners, "users": args.users,
              "clients": args.clients, "rate": args.rate, "rounds": args.rounds, "workers": args.workers,
              "threads": args.threads,
              "generate_seconds": round(seconds, 1), "results": results, "plans": query_plans,
              "in_process": {path: {k: v for k, v in found.items() if k != "profile"}
                             for path, found in profiles.items()}}
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return
    print(f"{args.tasks:,} human tasks ({args.open:,} open), {args.partners} partners, {args.users:,} users; "
          f"generated in {seconds:.1f} s; {args.clients} clients, gunicorn {args.workers} "
          + (f"gthread workers × {args.threads} threads" if args.threads > 1 else "sync workers"))
    print(f"as fast as it answers, then paced to {args.rate:g} requests/s in all (the latency at that load); "
          f"the median of {args.rounds} rounds")
    print(f"{'endpoint':<36} {'max req/s':>10} {'p50 ms':>7} {'p95 ms':>7} │ {'paced req/s':>11} {'p50 ms':>7} "
          f"{'p95 ms':>7} │ {'queries':>7} {'1 client ms':>11}")
    for (name, row), found in zip(results.items(), profiles.values(), strict=True):
        top, paced = row["saturated"], row["paced"]
        print(f"{name:<36} {top['rps']:>10} {top['p50_ms']:>7} {top['p95_ms']:>7} │ {paced['rps']:>11} "
              f"{paced['p50_ms']:>7} {paced['p95_ms']:>7} │ {found['queries']:>7} {found['ms_per_request']:>11}")
    for name, row in results.items():
        print(f"  {name}: max req/s by round {row['saturated']['rounds_rps']}, paced {row['paced']['rounds_rps']}")
    for path, found in profiles.items():
        print(f"\n-- {path}: the {found['queries']} statements of one request")
        for statement in found["statements"]:
            print("   " + " ".join(statement.split())[:160])
        print(f"-- {path}: cProfile of {args.profile} requests in-process\n{found['profile']}")
    for tab, plan in query_plans.items():
        print(f"\n-- plan of the «{tab}» page query (partner operator u1_1)\n{plan}")


if __name__ == "__main__":
    main()

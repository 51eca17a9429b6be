#!/usr/bin/env python3
"""Throughput, latency, SQL queries and worker memory of the public pages under gunicorn.

Run: .venv/bin/python bench/http.py [--quick] [--python-client]. See bench/README.md.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This file is called http.py: keep its folder off sys.path so the standard library's wins.
if Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path.pop(0)
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import http.client  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from statistics import median  # noqa: E402

from bench.bench_rows import delete_bench_rows  # noqa: E402

os.environ["DJANGO_SETTINGS_MODULE"] = "ncasite.settings"
os.environ["DJANGO_DEBUG"] = "true"  # in-process work only; the measured servers run production
PY = sys.executable
PAGES = {
    "home": "/",
    "news list": "/news/",
    "article": "/news/bench-post-000500/",
    "members": "/members/",
    "member page": "/members/bench-org-01/",
    "RSS feed": "/news/feed/",
}
MEMORY_PAGE, MEMORY_REQUESTS = "home", 10_000
SHARED_LINK_PAGE = "article"
COUNTRIES = ["PE", "BR", "CO", "ID", "KE", "CD", "GB", "DE", "US", "AU", "VN", ""]
PARAGRAPH = (
    "<p>Rangers and prosecutors from {} traced the shipment through three ports, and the case "
    "file now runs to {} pages of evidence on illegal logging and timber laundering.</p>"
)


def build_data() -> None:
    """Replace the bench rows: 1,000 posts, 60 organisations, 10,000 subscribers."""
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from members.models import Organisation as Org
    from members.regions import region_for_country
    from news.models import Category, Post
    from newsletter.models import Subscriber

    def bulk(model, rows, **common):
        return model.objects.bulk_create((model(**common, **r) for r in rows), batch_size=2000)

    delete_bench_rows()
    now, kinds, countries = timezone.now(), Org.Kind.values, COUNTRIES * 5
    with transaction.atomic():
        cats = bulk(Category, ({"name": f"Bench {i}", "slug": f"bench-cat-{i}"} for i in range(5)))
        orgs = bulk(Org, (
            {"name": f"Bench organisation {i:02d}", "slug": f"bench-org-{i:02d}",
             "short_name": f"BO{i:02d}" if i % 3 else "", "kind": kinds[i % len(kinds)],
             "country": c, "region": region_for_country(c) if c else "global",
             "description": "<p>A member against nature crime.</p>" if i % 2 else "",
             "joined_on": now.date() - timedelta(days=30 * i + 1), "ordering": i}
            for i, c in enumerate(countries)
        ))  # fmt: skip
        posts = bulk(Post, (
            {"title": f"Bench story {i}: alliance members act on nature crime",
             "slug": f"bench-post-{i:06d}", "category": cats[i % 5],
             "standfirst": f"Summary of bench story {i}." if i % 3 else "",
             "body": "".join(PARAGRAPH.format(COUNTRIES[i % 11], i + k) for k in range(4)),
             "published_at": now - timedelta(hours=6 * i + 1), "is_featured": i % 97 == 5,
             "byline": "The Secretariat" if i % 2 else ""}
            for i in range(1000)
        ), status=Post.Status.PUBLISHED)  # fmt: skip
        links = bulk(Post.organisations.through, (
            {"post_id": post.pk, "organisation_id": orgs[(i * 7 + k * 13) % 60].pk}
            for i, post in enumerate(posts) for k in range(1 + i % 3)
        ))  # fmt: skip
        bulk(Subscriber, ({"email": f"bench-{i:05d}@bench.invalid"} for i in range(10_000)),
             status=Subscriber.Status.CONFIRMED, confirmed_at=now, consent_at=now,
             consent_text=settings.NEWSLETTER_CONSENT_TEXT)  # fmt: skip
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # statistics, as autovacuum keeps them in service
            cursor.execute("ANALYZE")
    print(f"data: 1000 posts, 60 organisations, {len(links)} links, 10000 subscribers")


def capture_queries() -> dict[str, list[str]]:
    """Render each page in-process with the page cache off; the second render's SQL."""
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    found = {}
    with override_settings(PAGE_CACHE_SECONDS=0, ALLOWED_HOSTS=["testserver"]):
        client = Client()
        for name, path in PAGES.items():
            client.get(path)  # the first render fills per-process caches
            with CaptureQueriesContext(connection) as ctx:
                status = client.get(path).status_code
            if status != 200:
                raise SystemExit(f"{path} answered {status} in-process")
            found[name] = [q["sql"] for q in ctx.captured_queries]
    return found


def fetch(url: str) -> tuple[int, dict]:
    host, _, path = url.removeprefix("http://").partition("/")
    conn = http.client.HTTPConnection(host, timeout=10)
    try:
        conn.request("GET", "/" + path)
        response = conn.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()


def start(name: str, module: str, cwd: Path, env: dict, procs: list, logdir: str):
    """Start gunicorn (2 sync workers) in its own process group; wait until it answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**env, "GUNICORN_WORKERS": "2", "GUNICORN_WORKER_CLASS": "sync"}
    env.update(GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_ACCESS_LOG="")
    cmd = [str(Path(PY).parent / "gunicorn"), module, "-c", str(ROOT / "gunicorn.conf.py")]
    log = Path(logdir) / f"{name}.log"
    with log.open("wb") as out:  # several servers at once: no shared control socket
        proc = subprocess.Popen(
            [*cmd, "--no-control-socket"], cwd=cwd, env=env, stdout=out, stderr=out,
            start_new_session=True,
        )  # fmt: skip
    procs.append(proc)
    url, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if fetch(url + "/")[0] == 200:
                return url, proc
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the {name} server did not start; see {log}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# Each request asks for the page with its own ?fbclid=, as clicks on a link shared on a social
# network do.
SHARED_LINK_LUA = """
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, wrk.path .. "?fbclid=IwAR" .. n .. "x" .. math.random(1, 1000000000))
end
"""


def run_wrk(url: str, seconds: int, shared_link: bool = False) -> dict:
    # --timeout 10s: wrk's 2 s default drops slow answers from the latency figures.
    cmd = ["wrk", "-t2", "-c32", f"-d{seconds}s", "--timeout", "10s", "--latency", url]
    if shared_link:
        script = Path(tempfile.gettempdir()) / "ncasite-bench-shared-link.lua"
        script.write_text(SHARED_LINK_LUA)
        cmd[1:1] = ["-s", str(script)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    lat = {p: float(v) * unit[u] for p, v, u in re.findall(r"(50|99)%\s+([\d.]+)(us|ms|s)", out)}
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read \d+, write \d+, timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": lat.get("50"),
        "p99": lat.get("99"),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "bad": (int(bad.group(1)) if bad else 0) + sum(map(int, errors.groups() if errors else [])),
    }


def run_python(
    url: str, seconds: int, limit: int = 0, conns: int = 32, shared_link: bool = False
) -> dict:
    """Fallback without wrk: threads with http.client for a fixed time (or request count)."""
    stop_at, latencies, counts = time.monotonic() + seconds, [], [0, 0]  # sent, failed

    def worker():
        while time.monotonic() < stop_at and not (limit and counts[0] >= limit):
            counts[0] += 1
            began = time.perf_counter()
            target = (
                f"{url}?fbclid=IwAR{counts[0]}x{random.randrange(10**9)}" if shared_link else url
            )
            try:
                ok = 200 <= fetch(target)[0] < 400  # gunicorn's sync workers close every connection
            except (OSError, http.client.HTTPException):
                ok = False
            if ok:
                latencies.append((time.perf_counter() - began) * 1000)  # atomic under the GIL
            else:
                counts[1] += 1

    began, threads = time.monotonic(), [threading.Thread(target=worker) for _ in range(conns)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lat, elapsed = sorted(latencies) or [0.0], time.monotonic() - began
    p99 = lat[min(len(lat) - 1, len(lat) * 99 // 100)]
    return {"rps": len(latencies) / elapsed, "p50": lat[len(lat) // 2], "p99": p99,
            "requests": len(latencies), "bad": counts[1]}  # fmt: skip


def worker_rss(master: int) -> dict[int, int]:
    """VmRSS in kB of each child of the gunicorn master, from /proc."""
    found = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines())
        except (OSError, ValueError):
            continue
        if fields.get("PPid") == str(master) and "VmRSS" in fields:
            found[int(status.parent.name)] = int(fields["VmRSS"].split()[0])
    return found


def prime(url: str) -> bool:
    """Fill every worker's page cache; True when the last answers were all cache hits."""
    answers = [fetch(url)[1].get("x-page-cache") for _ in range(24)]
    return answers[-4:] == ["hit"] * 4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 s runs, one round")
    parser.add_argument("--python-client", action="store_true", help="do not use wrk")
    args = parser.parse_args()
    seconds, rounds = (5, 1) if args.quick else (15, 2)
    use_wrk = bool(shutil.which("wrk")) and not args.python_client
    load = run_wrk if use_wrk else run_python
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that finally: stops servers

    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, check=True)
    import django

    django.setup()
    from django.db import connection

    build_data()
    queries = capture_queries()
    if connection.vendor == "postgresql":
        vendor = f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}"
    else:
        vendor = f"{connection.vendor} {connection.Database.sqlite_version}"
    connection.close()

    prod = {**os.environ, "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": secrets.token_urlsafe(64)}
    prod.update(DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost", DJANGO_SECURE_SSL_REDIRECT="false")
    prod.update(DJANGO_LOG_LEVEL="WARNING", NCASITE_PAGE_CACHE_SECONDS="600")
    collect = [PY, "manage.py", "collectstatic", "--noinput", "-v0"]
    subprocess.run(collect, cwd=ROOT, env=prod, check=True)
    cold_env = {**prod, "NCASITE_PAGE_CACHE_SECONDS": "0"}
    # Django's own per-site cache middleware in place of ours, on the same pages.
    stock_env = {**prod, "DJANGO_SETTINGS_MODULE": "stock_cache_settings"}
    stock_env["PYTHONPATH"] = f"{ROOT / 'bench/stockcache'}:{ROOT}"
    pool_env = {**cold_env, "DJANGO_DB_POOL": "true"}  # psycopg's pool, not kept connections
    variants = ["warm", "stock", "cold"] + (["pool"] if connection.vendor == "postgresql" else [])
    hello_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hellosite.settings"}
    logdir, procs, runs, hits = tempfile.mkdtemp(prefix="bench-http-"), [], {}, {}
    try:
        hello, _ = start("hello", "hellosite.wsgi", ROOT / "bench/hello", hello_env, procs, logdir)
        envs = {"warm": prod, "stock": stock_env, "cold": cold_env, "pool": pool_env}
        urls = {v: start(v, "ncasite.wsgi", ROOT, envs[v], procs, logdir)[0] for v in variants}
        for path in PAGES.values():
            status, headers = fetch(urls["cold"] + path)
            assert status == 200 and "x-page-cache" not in headers, f"cold {path}: {status}"
        for r in range(rounds):
            print(f"round {r + 1}/{rounds} with {'wrk' if use_wrk else 'the python client'}")
            runs.setdefault("hello", []).append(load(hello + "/", seconds))
            for name, path in PAGES.items():
                hits[name] = prime(urls["warm"] + path)
                prime(urls["stock"] + path)
                for variant in variants:
                    result = load(urls[variant] + path, seconds)
                    runs.setdefault((name, variant), []).append(result)
            shared = urls["warm"] + PAGES[SHARED_LINK_PAGE]
            runs.setdefault("shared link", []).append(load(shared, seconds, shared_link=True))
        for proc in procs:
            stop(proc)
        mem_env = {**cold_env, "GUNICORN_MAX_REQUESTS": "0"}  # no recycling while we watch
        mem_url, mem = start("memory", "ncasite.wsgi", ROOT, mem_env, procs, logdir)
        run_python(mem_url + PAGES[MEMORY_PAGE], 60, limit=200, conns=4)  # warm-up
        before = worker_rss(mem.pid)
        # A fixed number of requests: the python client (wrk only knows durations).
        run = run_python(mem_url + PAGES[MEMORY_PAGE], 1200, limit=MEMORY_REQUESTS, conns=8)
        done = run["requests"]
        after = worker_rss(mem.pid)
    finally:
        for proc in procs:
            stop(proc)
    memory = (before, after, done)
    report(runs, queries, hits, memory, vendor, use_wrk, seconds, rounds, logdir, variants)


def report(runs, queries, hits, memory, vendor, use_wrk, seconds, rounds, logdir, variants):
    def med(key, field):
        values = [r[field] for r in runs[key] if r[field] is not None]
        return median(values) if values else float("nan")

    def ok(passed: bool) -> str:
        return "✅" if passed else "❌"

    base = med("hello", "rps")
    cache = "Redis" if os.environ.get("REDIS_URL") else "local memory (one per worker)"
    client = "wrk -t2 -c32" if use_wrk else "python client, 32 threads"
    print(f"\n## HTTP benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n")
    print(f"- `uname -m` {os.uname().machine}, `nproc` {os.cpu_count()}, database {vendor}")
    print(f"- gunicorn.conf.py, 2 sync workers, DEBUG off, no access log; page cache: {cache}")
    print(f"- load: {client}, {seconds} s per run, median of {rounds} round(s); logs: {logdir}")
    print(f"- hello world: {base:.0f} req/s, p50 {med('hello', 'p50'):.1f} ms, ", end="")
    print(f"p99 {med('hello', 'p99'):.1f} ms\n")
    has_pool = "pool" in variants
    print(
        "| page | warm req/s | warm p99 | warm ÷ hello | stock cache ÷ hello | cold req/s | ",
        end="",
    )
    print("cold p99 | cold ÷ hello |" + (" pool ÷ hello |" if has_pool else "") + " queries |")
    print("|---|" + "---:|" * (9 if has_pool else 8))
    for name, path in PAGES.items():
        w, c, q = (name, "warm"), (name, "cold"), len(queries[name])
        wr, cr, wp99 = med(w, "rps") / base, med(c, "rps") / base, med(w, "p99")
        sr = med((name, "stock"), "rps") / base
        pool = f" {med((name, 'pool'), 'rps') / base:.3f}× |" if has_pool else ""
        print(
            f"| {name} `{path}` | {med(w, 'rps'):.0f} | {wp99:.1f} ms {ok(wp99 < 50)} | "
            f"{wr:.2f}× {ok(wr >= 0.8)} | {sr:.2f}× | {med(c, 'rps'):.0f} | "
            f"{med(c, 'p99'):.1f} ms | {cr:.3f}× {ok(cr >= 0.05)} |{pool} {q} {ok(q <= 6)} |"
        )
    link, link_rps = "shared link", med("shared link", "rps")
    print(
        f"| {SHARED_LINK_PAGE} with a new `?fbclid=` on every request (page cache on) | "
        f"{link_rps:.0f} | {med(link, 'p99'):.1f} ms | {link_rps / base:.2f}× "
        f"{ok(link_rps / base >= 0.8)} |" + " |" * (5 if has_pool else 4)
    )
    print("\nTargets: warm ≥ 0.8× hello; cold article ≥ 0.05× hello; ≤ 6 queries.")
    print("Warm: our page cache; stock: Django's per-site cache middleware instead; cold: no page")
    print("cache, persistent connections with health checks; pool: no page cache, psycopg's pool.")
    for key, results in runs.items():
        if bad := sum(r["bad"] for r in results):
            print(f"- warning: {key}: {bad} errors (non-2xx/3xx, connect, timeout)")
    for name in (name for name, hit in hits.items() if not hit):
        print(f"- warning: {name}: no `X-Page-Cache: hit` while priming, so warm is not cached")
    before, after, done = memory
    print(f"\nWorker memory (VmRSS) around {done} cold requests to {PAGES[MEMORY_PAGE]}:\n")
    for pid, kb in sorted(before.items()):
        if pid not in after:
            print(f"- worker {pid}: {kb / 1024:.1f} MB, then gone (recycled or died)")
            continue
        change = (after[pid] - kb) / kb * 100
        print(f"- worker {pid}: {kb / 1024:.1f} MB → {after[pid] / 1024:.1f} MB ", end="")
        print(f"({change:+.1f}%) {ok(abs(change) <= 10)} (target: within 10%)")
    for name, sqls in queries.items():
        if len(sqls) > 6:
            print(f"\nQueries on {name}:\n" + "\n".join(f"- `{sql[:240]}`" for sql in sqls))


if __name__ == "__main__":
    main()

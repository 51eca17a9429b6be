#!/usr/bin/env python3
"""How render time and SQL queries of the public pages change as the posts grow (PostgreSQL).

Run: DATABASE_URL=postgres://.../NAME .venv/bin/python bench/scale.py [--posts 1000,100000]
Each size gets a database of its own, NAME_<size>, created beside NAME when missing.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/http.py would shadow the standard library's http package: keep bench/ off sys.path.
if Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path.pop(0)
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from statistics import median  # noqa: E402
from urllib.parse import urlsplit, urlunsplit  # noqa: E402

from bench.bench_rows import delete_bench_rows  # noqa: E402

os.environ["DJANGO_SETTINGS_MODULE"] = "ncasite.settings"
os.environ["DJANGO_DEBUG"] = "true"  # data building; timing below runs with DEBUG off
ARTICLE = 500  # the article page shows the 501st newest post at every size
PAGES = {
    "home": "/",
    "news list": "/news/",
    "article": f"/news/bench-post-{ARTICLE:06d}/",
    "members": "/members/",
    "member page": "/members/bench-org-01/",
    "RSS feed": "/news/feed/",
}
WARMUP, TIMED, ROUNDS, BATCH = 5, 20, 5, 5000
COUNTRIES = ["PE", "BR", "CO", "ID", "KE", "CD", "GB", "DE", "US", "AU", "VN", ""]
PARAGRAPH = (
    "<p>Rangers and prosecutors from {} traced the shipment through three ports, and the case "
    "file now runs to {} pages of evidence on illegal logging and timber laundering.</p>"
)


def build(size: int) -> None:
    """Replace the bench rows with `size` published posts, 5 categories and 60 members."""
    from django.db import connection
    from django.utils import timezone

    from members.models import Organisation as Org
    from members.regions import region_for_country
    from news.models import Category, Post

    delete_bench_rows()
    now, kinds, through = timezone.now(), Org.Kind.values, Post.organisations.through
    cats = Category.objects.bulk_create(
        Category(name=f"Bench {i}", slug=f"bench-cat-{i}") for i in range(5)
    )
    orgs = Org.objects.bulk_create(
        Org(name=f"Bench organisation {i:02d}", slug=f"bench-org-{i:02d}", kind=kinds[i % 8],
            country=c, region=region_for_country(c) if c else "global", ordering=i,
            joined_on=now.date() - timedelta(days=30 * i + 1))
        for i, c in enumerate(COUNTRIES * 5)
    )  # fmt: skip
    started = time.monotonic()
    for first in range(0, size, BATCH):
        posts = Post.objects.bulk_create(
            [
                Post(title=f"Bench story {i}: alliance members act on nature crime",
                     slug=f"bench-post-{i:06d}", category=cats[i % 5],
                     standfirst=f"Summary of bench story {i}." if i % 3 else "",
                     body="".join(PARAGRAPH.format(COUNTRIES[i % 11], i + k) for k in range(4)),
                     status=Post.Status.PUBLISHED, published_at=now - timedelta(hours=i + 1),
                     is_featured=i % 97 == 5, byline="The Secretariat" if i % 2 else "")
                for i in range(first, min(size, first + BATCH))
            ],
            batch_size=BATCH,
        )  # fmt: skip
        through.objects.bulk_create(
            [
                through(post_id=post.pk, organisation_id=orgs[(post.pk * 7 + k * 13) % 60].pk)
                for post in posts
                for k in range(1 + post.pk % 3)
            ],
            batch_size=BATCH,
        )
    tables = [Post._meta.db_table, through._meta.db_table, Org._meta.db_table]
    with connection.cursor() as cursor:  # fresh statistics and visibility map, as autovacuum
        for table in tables:  # would leave them on a live site
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")
    print(f"{size:,} posts built in {time.monotonic() - started:.0f} s")


def measure(client) -> dict[str, dict]:
    """One round: the median time of TIMED renders of each page, and each query's median."""
    from django.db import connection

    found, runs = {}, []  # runs: one list of (ms, sql) per timed request

    def timed(execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            runs[-1].append(((time.perf_counter() - began) * 1000, sql))

    for name, path in PAGES.items():
        runs.clear()
        times = []
        with connection.execute_wrapper(timed):
            for _ in range(TIMED):
                runs.append([])
                began = time.perf_counter()
                status = client.get(path).status_code
                times.append((time.perf_counter() - began) * 1000)
        if status != 200:
            raise SystemExit(f"{path} answered {status}")
        alike = [run for run in runs if len(run) == len(runs[0])]
        queries = [(median(r[i][0] for r in alike), sql) for i, (_, sql) in enumerate(runs[0])]
        found[name] = {"ms": median(times), "queries": queries}
    return found


def child(size: int) -> None:
    """Build `size` posts in this process's database, then measure a round per "measure" line
    read from the parent, until "quit"."""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client, override_settings

    build(size)
    off = {"PAGE_CACHE_SECONDS": 0}  # every render from scratch
    try:
        with override_settings(DEBUG=False, **off, ALLOWED_HOSTS=["testserver"]):
            client = Client()
            for path in PAGES.values():
                for _ in range(WARMUP):
                    client.get(path)
            pg = f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}"
            print("READY " + json.dumps(pg), flush=True)
            for command in sys.stdin:
                if command.strip() != "measure":
                    break
                print("RESULT " + json.dumps(measure(client)), flush=True)
    finally:
        delete_bench_rows()


def database_for(url: str, size: int) -> str:
    """A database of its own for each size, beside the one in DATABASE_URL (created if need be)."""
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/')}_{size}"
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as db:
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            db.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def read_line(proc: subprocess.Popen, prefix: str) -> str:
    for line in proc.stdout:
        if line.startswith(prefix):
            return line[len(prefix) :]
        print(line, end="")  # the child's own news ("100,000 posts built in 40 s")
    raise SystemExit(f"a measuring process stopped early (exit code {proc.wait()})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", default="1000,100000", help="comma-separated post counts")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    sizes = [int(n) for n in args.posts.replace("_", "").split(",")]
    if min(sizes) <= ARTICLE or len(sizes) < 2:
        raise SystemExit(f"give two or more sizes, each above {ARTICLE}")
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        raise SystemExit(
            "bench/scale.py measures PostgreSQL: set DATABASE_URL, for example "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/ncabench .venv/bin/python "
            "bench/scale.py"
        )
    children, rounds = {}, {size: [] for size in sizes}
    try:
        for size in sizes:  # one at a time: building is the heavy part
            env = {**os.environ, "DATABASE_URL": database_for(url, size)}
            migrate = [sys.executable, "manage.py", "migrate", "--noinput", "-v0"]
            subprocess.run(migrate, cwd=ROOT, env=env, check=True)
            command = [sys.executable, str(Path(__file__).resolve()), "--child", str(size)]
            children[size] = subprocess.Popen(
                command, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                text=True, bufsize=1,
            )  # fmt: skip
            pg = json.loads(read_line(children[size], "READY "))
        for r in range(ROUNDS):  # interleaved, so the VM's slow spells hit every size alike
            for size in sizes if r % 2 == 0 else reversed(sizes):
                children[size].stdin.write("measure\n")
                rounds[size].append(json.loads(read_line(children[size], "RESULT ")))
    finally:
        for proc in children.values():
            if proc.poll() is None:
                proc.stdin.write("quit\n")
                proc.stdin.close()
                proc.wait(120)
        print("bench rows deleted")
    results = {size: combine(rounds[size]) for size in sizes}
    report(results, sizes, pg)


def combine(rounds: list[dict]) -> dict:
    """Each page's lowest round median (the least disturbed round), and its queries' medians."""
    combined = {}
    for name in PAGES:
        best = min(rounds, key=lambda found: found[name]["ms"])
        combined[name] = {"ms": best[name]["ms"], "queries": best[name]["queries"]}
    return combined


def report(results: dict, sizes: list[int], pg: str) -> None:
    first, last = sizes[0], sizes[-1]
    print(f"\n## Scale benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n")
    print(f"- `uname -m` {os.uname().machine}, `nproc` {os.cpu_count()}, {pg}")
    print(
        f"- in-process test Client, DEBUG off, page cache off; each size in its own "
        f"database and process, {ROUNDS} rounds interleaved between the sizes; time = the lowest "
        f"round median of {TIMED} requests ",
        end="",
    )
    print(f"after {WARMUP} warm-up requests; tables VACUUM ANALYZEd after each build\n")
    head = [f"time at {n:,}" for n in sizes] + ["change"] + [f"queries at {n:,}" for n in sizes]
    print("| page | " + " | ".join(head) + " | time ≤ +20% | queries equal |")
    print("|---|" + "---:|" * len(head) + ":---:|:---:|")
    failed = []
    for name, path in PAGES.items():
        ms = [results[n][name]["ms"] for n in sizes]
        counts = [len(results[n][name]["queries"]) for n in sizes]
        change = (ms[-1] - ms[0]) / ms[0] * 100
        time_ok, queries_ok = change <= 20, len(set(counts)) == 1
        cells = [f"{t:.1f} ms" for t in ms] + [f"{change:+.0f}%"] + [str(c) for c in counts]
        marks = ["✅" if time_ok else "❌", "✅" if queries_ok else "❌"]
        print(f"| {name} `{path}` | " + " | ".join(cells + marks) + " |")
        if not (time_ok and queries_ok):
            failed.append(name)
    print("\nTargets: render time at the largest size within 20% of the smallest; same queries.")
    for name in failed:
        print(f"\nQueries on {name} (median ms at {first:,} → {last:,} posts):")
        pairs = zip(results[first][name]["queries"], results[last][name]["queries"], strict=False)
        for (small, _), (large, sql) in pairs:
            print(f"- {small:.2f} → {large:.2f} ms: `{sql[:300]}`")


if __name__ == "__main__":
    main()

"""Benchmark: what the exact per-token rate limit costs an API request.

The limit is counted in the database by one INSERT … ON CONFLICT … RETURNING statement
(core.ratelimits), instead of django-ninja's read-then-write in the cache, which let 892 of 1,500
concurrent requests through a 600/min limit on the file cache. Prints the time of one count, and
of GET /api/v1/moi with the token, one request after another and from 16 threads at once (each
thread its own client and database connection, as server workers have).

Targets: under a limit of 40 % of the requests, the 16 threads get exactly that many through
(the promise of the database count); a count < 10 ms and a request < 50 ms (median), a budget
chosen here (no issue sets one) that a per-request cost gone wrong would exceed. Exits with 1
when a target is missed.

    python benchmarks/api_rate.py [--requests 2000] [--database-url postgres://…]
"""

import argparse
import tempfile

from child import FRESH_DATABASE, SERVING_PAGES, Targets, production_env, run_child

TARGET_COUNT_MS, TARGET_REQUEST_MS = 10, 50

CHILD = (
    FRESH_DATABASE
    + SERVING_PAGES
    + """
import json, statistics, sys, time
from concurrent.futures import ThreadPoolExecutor
from django.conf import settings
from django.db import connection, connections
from django.test import Client
from cqpilot.api.tokens import create_token
from cqpilot.core.models import User
from cqpilot.core.ratelimits import Rate, hit

requests = int(sys.argv[1])
settings.API_RATE = f"{10 * requests}/h"  # measured, never refused
user = User.objects.create_user("bench", password="x")
_jeton, key = create_token(user, "bench")

start = time.perf_counter()
for n in range(requests):
    hit("bench", "one-key", Rate(10 * requests, 3600))
count_ms = (time.perf_counter() - start) * 1000 / requests

client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
client.get("/api/v1/moi")
timings = []
for _ in range(requests):
    t = time.perf_counter()
    assert client.get("/api/v1/moi").status_code == 200
    timings.append((time.perf_counter() - t) * 1000)


def worker(share):
    mine = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    statuses = [mine.get("/api/v1/moi").status_code for _ in range(share)]
    connections.close_all()
    return statuses


start = time.perf_counter()
with ThreadPoolExecutor(16) as pool:
    statuses = [s for batch in pool.map(worker, [requests // 16] * 16) for s in batch]
threaded_s = time.perf_counter() - start
refused = len([s for s in statuses if s != 200])

# The same threads under a limit of 40 % of their requests, with a token of its own (a count of
# its own). A day's window: a window ending during the run would start the count again.
limit = len(statuses) * 2 // 5
settings.API_RATE = f"{limit}/d"
_jeton, key = create_token(user, "limite")
with ThreadPoolExecutor(16) as pool:
    limited = [s for batch in pool.map(worker, [requests // 16] * 16) for s in batch]
print(json.dumps({
    "vendor": connection.vendor,
    "count_ms": count_ms,
    "median_ms": statistics.median(timings),
    "threaded_per_s": len(statuses) / threaded_s,
    "refused": refused,
    "limit": limit,
    "sent": len(limited),
    "allowed": limited.count(200),
    "too_many": limited.count(429),
}))
"""
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        result = run_child(CHILD, str(args.requests), env=production_env(database))
    print(f"Base : {'PostgreSQL' if result['vendor'] == 'postgresql' else 'SQLite'}")
    print(f"GET /api/v1/moi, 16 fils à la fois : {result['threaded_per_s']:.0f} requêtes/s")
    targets = Targets()
    targets.below(
        "Un décompte (INSERT … ON CONFLICT … RETURNING)",
        result["count_ms"],
        TARGET_COUNT_MS,
        "ms",
        2,
    )
    targets.below(
        "GET /api/v1/moi, requêtes successives (médiane)",
        result["median_ms"],
        TARGET_REQUEST_MS,
        "ms",
        1,
    )
    targets.holds(
        "16 fils sous une limite large",
        result["refused"] == 0,
        f"{result['refused']} refusée(s)",
        "0",
    )
    targets.holds(
        f"Limite de {result['limit']} requêtes, {result['sent']} envoyées par 16 fils",
        result["allowed"] == result["limit"]
        and result["too_many"] == result["sent"] - result["limit"],
        f"{result['allowed']} acceptées, {result['too_many']} refusées (429)",
        f"exactement {result['limit']} acceptées, les autres refusées",
    )
    targets.finish()


if __name__ == "__main__":
    main()

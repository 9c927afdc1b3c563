"""Partner network benchmark (issue 16): a seeded network file of 500 organisations and 20,000
ties imported into a new database, then its map drawn (layout, node and edge frames, Plotly
figure serialised as the page sends it). Prints one line per stage and the total; not a test.

    python bench/network.py [--organisations 500] [--ties 20000] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics.ingest.commit import Target  # noqa: E402
from analytics.ingest.network import commit_network, prepare_network, read_network  # noqa: E402
from analytics.measures.network import network_map  # noqa: E402
from analytics.store.connection import Store  # noqa: E402
from analytics.views.network_view import network_map_figure  # noqa: E402
from tests.users import ADMIN  # noqa: E402


def network_file(organisations: int, ties: int, seed: int = 16) -> bytes:
    """Our long template: `ties` distinct ordered pairs among `organisations`."""
    rng = np.random.default_rng(seed)
    pairs = set()
    while len(pairs) < ties:
        a, b = rng.integers(0, organisations, 2)
        if a != b:
            pairs.add((int(a), int(b)))
    lines = ["respondent_organisation,partner_organisation,level,trust,value"]
    for a, b in sorted(pairs):
        level, trust, value = rng.integers(1, 6), rng.integers(1, 5), rng.integers(1, 5)
        lines.append(f"Organisation {a:04d},Organisation {b:04d},{level},{trust},{value}")
    return ("\n".join(lines) + "\n").encode()


def run_once(data: bytes) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "network.duckdb")
        times = {}
        start = time.perf_counter()
        prepared = prepare_network(read_network(data, "network.csv"), data)
        times["read and check"] = time.perf_counter() - start
        start = time.perf_counter()
        commit_network(store, Target("Bench", create=True), prepared, user=ADMIN, wave="W1")
        times["commit"] = time.perf_counter() - start
        start = time.perf_counter()
        nodes, edges = network_map(store, ADMIN, 1)
        times["map data (layout)"] = time.perf_counter() - start
        start = time.perf_counter()
        network_map_figure(nodes, edges, "W1").to_json()
        times["map figure"] = time.perf_counter() - start
        store.close()
    times["total"] = sum(times.values())
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--organisations", type=int, default=500)
    parser.add_argument("--ties", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    data = network_file(args.organisations, args.ties)
    runs = [run_once(data) for _ in range(args.runs)]
    print(f"{args.organisations} organisations, {args.ties} ties, median of {args.runs} runs")
    for stage in runs[0]:
        print(f"{stage:<20} {statistics.median(r[stage] for r in runs):6.2f} s")


if __name__ == "__main__":
    main()

"""Benchmark: one update of the trade-off explorer (notebook 08) against the 200 ms goal.

    .venv/bin/python benchmarks/explorer.py [--profile full|smoke] [--changes 60]

Builds the variant grid if it is not cached (minutes the first time), then moves the
explorer's controls one at a time, in turns, and times each update three ways: the pure
``explorer.compute`` (everything the views show), the two plots drawn to PNG, and the whole
update a control change triggers (compute, plots, sentences, budget table), the link's outages
and the distance to the data centre included. Prints the median, p95 and slowest of each; the
goal is the whole update in at most 200 ms.
"""

import argparse
import itertools
import time

from utils import config, measure

GOAL_MS = 200


def summary(name: str, times_ms: list[float]) -> str:
    p50, p95 = measure.percentile(times_ms, [50, 95])  # the course's one percentile
    return f"{name:<34}median {p50:6.1f} ms   p95 {p95:6.1f} ms   slowest {max(times_ms):6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="full", choices=sorted(config.PROFILES))
    parser.add_argument("--changes", type=int, default=60, help="control changes to time")
    args = parser.parse_args()
    config.use_profile(args.profile)
    from utils import explorer, latency, quantization

    grid = quantization.grid()
    devices = latency.devices(rows=quantization.reference_latencies())
    smallest = min(explorer.device_bytes(row) for row in grid)  # file + peak activations
    app = explorer.Explorer(
        grid, devices, explorer.Settings(network="LTE", max_bytes=2 * smallest, min_accuracy=0.5)
    )
    c = app.controls
    moves = itertools.cycle(
        [
            ("variant", [value for _, value in explorer.variant_choices(grid)]),
            ("format", list(c["format"].options)),
            ("uplink_mbps", [1.0, 6.0, 50.0, 300.0]),
            ("rtt_ms", [5.0, 50.0, 250.0, 600.0]),
            ("network", list(c["network"].options)),
            ("device", list(c["device"].options)),
            ("fps", [1, 15, 30, 60]),
            ("distance_km", [0.0, 50.0, 1000.0, 5000.0]),
            ("availability", [100.0, 99.0, 95.0, 89.4]),
            ("mean_outage_s", [2.0, 30.0, 60.0]),
            ("deadline_ms", [10.0, 50.0, 200.0]),
            ("max_kb", [20.0, 60.0, c["max_kb"].max]),
            ("min_accuracy", [0.3, 0.6, 0.9]),
        ]
    )
    compute_ms, draw_ms, update_ms = [], [], []
    for index in range(args.changes):
        name, values = next(moves)
        if hasattr(c[name], "options"):  # an int8-only device offers only the int8 format
            values = [v for v in values if v in c[name].options] or [c[name].value]
        value = values[(index // 10 + 1) % len(values)]
        if c[name].value == value:
            value = values[(index // 10 + 2) % len(values)]
        start = time.perf_counter()
        c[name].value = value  # observe → app.update(): what a user's change costs
        update_ms.append(1000 * (time.perf_counter() - start))
        settings = app.settings()
        start = time.perf_counter()
        view = explorer.compute(grid, devices, settings)
        compute_ms.append(1000 * (time.perf_counter() - start))
        fresh = explorer.SizeAccuracyPlot(grid), explorer.LatencyPlot()  # no cached picture
        start = time.perf_counter()
        for plot in fresh:
            plot.png(view)
        draw_ms.append(1000 * (time.perf_counter() - start))
    print(f"\nprofile {args.profile}: {len(grid)} variants, {args.changes} control changes")
    print(summary("explorer.compute", compute_ms))
    print(summary("both plots drawn (worst case)", draw_ms))
    print(summary("whole update (a control change)", update_ms))
    verdict = "meets" if max(update_ms) <= GOAL_MS else "misses"
    print(f"goal: an update in at most {GOAL_MS} ms; the slowest update {verdict} it")


if __name__ == "__main__":
    main()

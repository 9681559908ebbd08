import time

import pytest

from utils import measure
from utils.measure import Timing, time_calls


def test_calls_fn_warmup_plus_runs_times():
    calls = []
    time_calls(lambda: calls.append(1), runs=7, warmup=3)
    assert len(calls) == 10


def test_only_timed_runs_are_kept():
    timing = time_calls(lambda: None, runs=7, warmup=3, threads=2)
    assert len(timing.times_ms) == 7
    assert timing.warmup == 3
    assert timing.threads == 2


def test_sleep_is_measured_in_milliseconds():
    timing = time_calls(lambda: time.sleep(0.005), runs=5, warmup=1)
    assert timing.median_ms >= 5
    assert timing.p95_ms >= timing.median_ms


@pytest.mark.parametrize("runs", [0, 1])
def test_too_few_runs_rejected(runs):
    with pytest.raises(ValueError):
        time_calls(lambda: None, runs=runs, warmup=0)


def test_median_and_p95_of_known_times():
    times = tuple(float(t) for t in range(100, 0, -1))  # 100 .. 1, unsorted on purpose
    timing = Timing(times, warmup=0, threads=1)
    assert timing.median_ms == pytest.approx(50.5)
    assert 90 <= timing.p95_ms <= 100


def test_p95_catches_a_slow_tail():
    timing = Timing((1.0,) * 90 + (50.0,) * 10, warmup=0, threads=1)
    assert timing.median_ms == pytest.approx(1.0)
    assert timing.p95_ms == pytest.approx(50.0)


def test_str_states_runs_warmup_and_threads():
    text = str(Timing((1.0, 2.0, 3.0), warmup=4, threads=6))
    assert "3 runs" in text
    assert "4 warm-up" in text
    assert "6 threads" in text


def test_percentile_interpolates_between_ranks():
    # 5 sorted values: the p-th percentile sits at rank 4 * p / 100, counted from 0
    values = [10.0, 40.0, 20.0, 30.0, 50.0]
    assert measure.percentile(values, 50) == 30.0  # rank 2 exactly
    assert measure.percentile(values, 95) == pytest.approx(48.0)  # rank 3.8: 40 + 0.8 * 10
    assert measure.percentile(values, [0, 25, 100]) == [10.0, 20.0, 50.0]


def test_percentile_is_numpys_default_and_statistics_inclusive():
    import statistics

    import numpy as np

    rng = np.random.default_rng(0)
    values = rng.lognormal(size=37)
    assert measure.percentile(values, 95) == pytest.approx(float(np.percentile(values, 95)))
    assert measure.percentile(values, 95) == pytest.approx(
        statistics.quantiles(values, n=20, method="inclusive")[-1]
    )


def test_percentile_reaching_a_dropped_frame_is_infinite():
    values = [1.0] * 8 + [float("inf")] * 2
    assert measure.percentile(values, 50) == 1.0
    assert measure.percentile(values, 99) == float("inf")  # rank 8.91, between two inf


@pytest.mark.parametrize(
    "values, q, says",
    [([], 50, "No values"), ([1.0, float("nan")], 50, "NaN"), ([1.0], 101, "between 0 and 100")],
)
def test_percentile_rejects_bad_input(values, q, says):
    with pytest.raises(ValueError, match=says):
        measure.percentile(values, q)

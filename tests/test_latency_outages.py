"""Notebooks 06 and 08: distance and outages; expectations derived by hand, in the comments."""

import math

import numpy as np
import pytest

from utils import latency


def test_propagation_is_10_ms_per_1000_km_of_straight_fibre_times_the_route_inflation():
    assert latency.FIBRE_KM_PER_MS == 200  # 2/3 of 300,000 km/s = 200 km per ms
    assert latency.ROUTE_INFLATION == 2.1  # Bozkurt et al. 2018's rule of thumb
    assert latency.propagation_rtt_ms(1000, inflation=1) == pytest.approx(10.0)  # 2 x 1000 / 200
    # 2 x d x 2.1 / 200 = 0.021 ms per km
    assert latency.propagation_rtt_ms(100) == pytest.approx(2.1)
    assert latency.propagation_rtt_ms(1000) == pytest.approx(21.0)
    assert latency.propagation_rtt_ms(5000) == pytest.approx(105.0)
    assert latency.propagation_rtt_ms(0) == 0
    np.testing.assert_allclose(latency.propagation_rtt_ms([10, 4000], inflation=1.5), [0.15, 60.0])


@pytest.mark.parametrize(
    "bad, says",
    [
        (dict(distance_km=-1), "0 or more"),
        (dict(distance_km=100, inflation=0.5), "at least as long as the great circle"),
    ],
)
def test_propagation_refuses_impossible_inputs(bad, says):
    with pytest.raises(ValueError, match=says):
        latency.propagation_rtt_ms(**bad)


def test_great_circle_on_the_equator_and_along_a_meridian():
    # 111.19 km
    assert latency.great_circle_km(0, 0, 0, 1) == pytest.approx(2 * math.pi * 6371 / 360)
    assert latency.great_circle_km(0, 0, 90, 0) == pytest.approx(math.pi / 2 * 6371)  # 10,007.5 km
    assert latency.great_circle_km(10, 20, 10, 20) == 0


def test_a_distant_data_centre_adds_its_propagation_to_the_access_delay():
    lte = latency.network("LTE").rtt_ms  # 53.1 ms, Ofcom
    assert latency.network("LTE", distance_km=1000).rtt_ms == pytest.approx(lte + 21.0)
    assert latency.network("LTE", distance_km=0).rtt_ms == pytest.approx(lte)
    # an rtt_ms override replaces the access delay, then the distance is added: 10 + 2.1
    assert latency.network("LTE", distance_km=100, rtt_ms=10).rtt_ms == pytest.approx(12.1)
    far = latency.network("LTE", distance_km=5000)
    assert latency.network("LTE").uplink_mbps == far.uplink_mbps


def test_region_rtts_put_each_published_figure_beside_the_model():
    rows = latency.region_rtts()
    assert len(rows) >= 5 and all(r["source"] for r in rows)
    for r in rows:
        assert r["model_ms"] == pytest.approx(r["distance_km"] * 2.1 / 100)
        assert r["implied_inflation"] == pytest.approx(r["published_ms"] / (r["distance_km"] / 100))
        assert r["published_ms"] > r["straight_ms"]  # nothing beats light in a straight fibre


def test_outages_mean_up_time_and_rate_follow_from_the_two_numbers():
    link = latency.Outages(0.1, 2.0)
    assert link.mean_up_s == pytest.approx(18.0)  # down 2 s of every 2 + 18 = 20 s: 10 %
    assert link.outages_per_hour == pytest.approx(180.0)  # 3600 / 20
    assert latency.Outages(0, 5).mean_up_s == math.inf
    assert latency.outage_periods(latency.Outages(0, 5), 100).shape == (0, 2)


@pytest.mark.parametrize(
    "args, says",
    [
        ((1.0, 2.0), r"outside \[0, 1\)"),
        ((-0.1, 2.0), r"outside \[0, 1\)"),
        ((0.1, 0.0), "above 0"),
        ((math.nan, 2.0), "a number"),
    ],
)
def test_outages_refuse_impossible_figures(args, says):
    with pytest.raises(ValueError, match=says):
        latency.Outages(*args)


def test_outage_figures_are_sourced_and_say_which_are_assumptions():
    figures = latency.outage_figures()
    assert len(figures) >= 2
    for link, kind, source in figures.values():
        assert isinstance(link, latency.Outages) and kind and source
    assert any("assumption" in kind for _, kind, _ in figures.values())


def test_one_two_second_outage_by_hand():
    # 10 fps for 5 s: frames at 0.0, 0.1, ..., 4.9. The link is down from 1.05 to 3.05 s.
    run = latency.answers([(1.05, 3.05)], 10, 5, deadline_ms=200, cloud_ms=100, edge_ms=30)
    assert run.frames == 50 and run.outages == 1 and run.down_s == pytest.approx(2.0)
    # a frame is lost if its round trip [t, t + 0.1] overlaps the outage: 0.95 < t < 3.05,
    # the frames at 1.0, 1.1, ..., 3.0: 21 frames
    assert run.cloud_missed == 21
    # the last answer before: frame 0.9 answered at 1.0; the first after: frame 3.1 at 3.2
    assert run.cloud_longest_blind_s == pytest.approx(2.2)
    # the edge answers every frame 30 ms after it is sent: the gap is one frame interval
    assert run.edge_missed == 0 and run.edge_longest_blind_s == pytest.approx(0.1)
    # decisions at t + 0.03 inside [1.05, 3.05): t = 1.1 ... 3.0, 20 of them; the first waits
    # from 1.13 to 3.05 = 1.92 s
    assert run.queued_decisions == 20
    assert run.max_staleness_s == pytest.approx(1.92)
    assert run.cloud_missed_fraction == pytest.approx(21 / 50)


def test_without_outages_only_the_deadline_decides():
    fine = latency.answers([], 10, 5, deadline_ms=200, cloud_ms=100, edge_ms=30)
    assert fine.cloud_missed == 0 and fine.cloud_longest_blind_s == pytest.approx(0.1)
    assert fine.queued_decisions == 0 and fine.max_staleness_s == 0
    slow = latency.answers([], 10, 5, deadline_ms=50, cloud_ms=100, edge_ms=60)
    assert slow.cloud_missed == 50 and slow.edge_missed == 50  # every answer arrives, too late


def test_a_run_that_is_down_throughout_has_no_cloud_answer():
    run = latency.answers([(0, 5)], 10, 5, deadline_ms=200, cloud_ms=100, edge_ms=30)
    assert run.cloud_missed == 50 and run.cloud_longest_blind_s == pytest.approx(5.0)


def test_answers_refuse_overlapping_outages():
    with pytest.raises(ValueError, match="non-overlapping"):
        latency.answers([(0, 2), (1, 3)], 10, 5, deadline_ms=200, cloud_ms=100, edge_ms=30)


def test_simulated_outages_match_the_model_in_the_long_run():
    # down 10 % of the time in outages of 2 s: over 100,000 s about 10,000 s down in about
    # 100,000 x 0.1 / 2 = 5,000 outages; the share of lost cloud frames is a little above 10 %
    # (a round trip that starts just before an outage is lost too: 0.1 s more per outage)
    run = latency.simulate_outages(
        latency.Outages(0.1, 2.0), 10, 100_000, seed=0, deadline_ms=200, cloud_ms=100, edge_ms=30
    )
    assert run.down_s / 100_000 == pytest.approx(0.1, abs=0.01)
    assert run.outages == pytest.approx(5000, rel=0.05)
    expected = (run.down_s + run.outages * 0.1) / 100_000
    assert run.cloud_missed_fraction == pytest.approx(expected, abs=0.002)
    assert run.edge_missed == 0 and run.edge_longest_blind_s == pytest.approx(0.1)
    # the longest of about 5,000 exponential outages of mean 2 s: about 2 ln(5000) = 17 s
    assert 10 < run.cloud_longest_blind_s < 30
    same = latency.simulate_outages(
        latency.Outages(0.1, 2.0), 10, 100_000, seed=0, deadline_ms=200, cloud_ms=100, edge_ms=30
    )
    assert same == run

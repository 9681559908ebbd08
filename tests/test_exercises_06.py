"""Notebook 06's checkers accept the right answers and say what is wrong with the usual mistakes."""

import math

import pytest

from utils import exercises, latency

LTE = latency.network("LTE")
BREAK_EVEN = dict(payload_bytes=30_000, network=LTE, server_ms=0.5, edge_ms=314)
STAGES = {"encode": 8.0, "uplink": 40.0, "server": 2.0}


def test_feet_checker_accepts_88_feet_a_second(capsys):
    exercises.check_feet(88.0, 1000)
    exercises.check_feet(latency.feet_travelled(123.4), 123.4)
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer, says",
    [
        (88_000, "divide it by 1,000"),
        (latency.metres_travelled(1000), "that is metres"),
        (88 * 3600, "divide by 3,600"),
        (60 / 3600, "a mile has 5,280 feet"),
        (12, "feet per second"),
        ("far", "should be a number of feet"),
    ],
)
def test_feet_checker_says_what_is_wrong(answer, says):
    with pytest.raises(exercises.NotYet, match=says):
        exercises.check_feet(answer, 1000)


def test_break_even_checker_accepts_the_bandwidth_that_equalises_the_medians(capsys):
    exercises.check_break_even_bandwidth(
        latency.break_even_uplink_mbps(30_000, LTE, 0.5, 314), **BREAK_EVEN
    )
    assert "Correct" in capsys.readouterr().out


def test_break_even_checker_accepts_inf_when_no_bandwidth_is_enough(capsys):
    exercises.check_break_even_bandwidth(math.inf, **{**BREAK_EVEN, "edge_ms": 10})
    exercises.check_break_even_bandwidth(None, **{**BREAK_EVEN, "edge_ms": 10})
    assert capsys.readouterr().out.count("Correct") == 2
    with pytest.raises(exercises.NotYet, match="answer math.inf"):
        exercises.check_break_even_bandwidth(5.0, **{**BREAK_EVEN, "edge_ms": 10})


@pytest.mark.parametrize(
    "wrong, says",
    [
        (lambda t: t / 8, "multiply the bytes by 8"),
        (lambda t: t * 1000, "mind the units"),
        (lambda t: 30_000 * 8 / (314 * 1e3), "the round trip, the server"),
        (lambda t: t * 3, "solve for the uplink"),
    ],
)
def test_break_even_checker_says_what_is_wrong(wrong, says):
    truth = latency.break_even_uplink_mbps(30_000, LTE, 0.5, 314)
    with pytest.raises(exercises.NotYet, match=says):
        exercises.check_break_even_bandwidth(wrong(truth), **BREAK_EVEN)


def test_max_fps_checker_accepts_the_slowest_stages_rate(capsys):
    exercises.check_max_fps(25, STAGES)
    assert "uplink stage" in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer, says",
    [
        (1000 / 50, "one frame at a time"),
        (125, "not the one that limits"),
        (30, "1000 / m frames per second"),
        ([25], "should be a number of frames per second"),
    ],
)
def test_max_fps_checker_says_what_is_wrong(answer, says):
    with pytest.raises(exercises.NotYet, match=says):
        exercises.check_max_fps(answer, STAGES)


COLD = dict(payload_bytes=300_000, network=LTE, promotion_ms=260, tls="1.2")
COLD_TRUTH = (
    260 + 53.1 + 2 * 53.1 + 47.8
)  # promotion + TCP + TLS 1.2 + slow start (by hand, see test_latency)


def test_cold_extra_checker_accepts_promotion_handshakes_and_slow_start(capsys):
    exercises.check_cold_extra(latency.slow_start_ms(300_000, LTE) + 260 + 3 * 53.1, **COLD)
    exercises.check_cold_extra(COLD_TRUTH, **COLD)
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize(
    "answer, says",
    [
        (COLD_TRUTH / 1000, "give milliseconds"),
        (COLD_TRUTH - 260, "add the promotion"),
        (COLD_TRUTH - 47.8, "add slow start"),
        (COLD_TRUTH - 53.1, "one round trip short"),
        (COLD_TRUTH - 2 * 53.1, "TLS 1.2 has its own handshake"),
        (COLD_TRUTH + 53.1, "the warm request's own round trip"),
        (123.0, "add the promotion, one round trip for TCP"),
        ("slow", "should be a number of ms"),
    ],
)
def test_cold_extra_checker_says_what_is_wrong(answer, says):
    with pytest.raises(exercises.NotYet, match=says):
        exercises.check_cold_extra(answer, **COLD)


LOSSY = dict(ok_ms=60.0, loss=0.02, rtt_ms=100.0)
LOSSY_TRUTH = 60 + 2 * 0.02 * (
    200 + 100
)  # 72 ms: two packets, each lost 2 % of the time, each loss 300 ms


def test_lossy_request_checker_accepts_the_expected_latency(capsys):
    exercises.check_lossy_request(LOSSY_TRUTH, **LOSSY)
    exercises.check_lossy_request(
        60 + (1 - 0.98**2) * 300, **LOSSY
    )  # P(any loss) x RTO: within 0.2 %
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize(
    "answer, says",
    [
        (LOSSY_TRUTH / 1000, "seconds"),
        (60 + 0.02 * 300, "two packets can be lost"),
        (60 + 2 * 0.02 * 200, "needs its round trip again"),
        (0.96 * 60 + 0.04 * 300, "still takes its normal time"),
        (60 + 2 * 0.02 * 1100, "initial timeout of 1 s"),
        (60 + 2 * 2 * 300, "loss is a fraction"),
        (60, "a lost packet costs a timeout"),
        (123, "E\\[T\\] = T_ok"),
        ("slow", "should be a number of ms"),
    ],
)
def test_lossy_request_checker_names_the_mistake(answer, says):
    with pytest.raises(exercises.NotYet, match=says):
        exercises.check_lossy_request(answer, **LOSSY)

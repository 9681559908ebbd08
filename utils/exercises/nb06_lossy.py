"""Notebook 06: the checker of the lossy link's Monte Carlo (``check_lossy_monte_carlo``): the
student's latencies of a small request over a lossy link, checked against the exact distribution
of the course's model (``latency.tail_recovery_ms``, as ``latency.simulate_cloud`` draws it) and
against the typical mistakes' distributions."""

from __future__ import annotations

from utils.exercises.base import NotYet, _correct, close_to


#: The checker's link: its round trip and a request's time without loss (ms), chosen so that a
#: first repair's right cost (RTO = 250 ms) differs from each typical mistake's: one round trip
#: 50, a probe at 2 RTT 100, RTO_MIN alone 200, an uncapped probe 300, the initial RTO 1,000.
LINK = {"rtt_ms": 50.0, "ok_ms": 80.0}
#: Its loss (high, so that lost repairs are frequent; below 1/4, so that a request's latency has
#: a finite variance), requests per case and seed.
LOSS, REQUESTS, SEED = 0.1, 100_000, 6
#: How many standard errors a Monte Carlo share or mean may stray from the model's (a right
#: answer fails one test in about 1.7 million).
STANDARD_ERRORS = 5.0
#: Seconds the loss = 1 case may take (a loop that redraws until a packet arrives never ends).
LOSS_ONE_SECONDS = 10.0
_REPAIRS = 40  # lost repairs k = 0 … 39 per segment: loss^40 is 1e-40 at the checker's loss


class _TooSlow(BaseException):
    """Raised inside the student's function when the loss = 1 case runs out of time."""


def _loss_models(rtt_ms: float) -> dict:
    """Each model of one request as (segments, the ms a lost segment costs when its repair is lost
    again k times, for k = 0, 1, …): the course's (latency.tail_recovery_ms, one segment in
    flight) and the typical mistakes'."""
    import numpy as np

    from utils import latency

    k = np.arange(_REPAIRS)

    def course(recovery):
        lost = np.ones((len(k), 1), bool)
        rtts = np.full(len(k), rtt_ms)
        return latency.tail_recovery_ms(rtts, lost, k[:, None], in_flight=1, recovery=recovery)

    right = course("rack-tlp")
    pto, rto = right[0], rtt_ms + latency.RTO_MIN_MS
    return {
        "right": (2, right),
        "once per request": (1, right),
        "repair never lost": (2, np.full(len(k), pto)),
        "rto": (2, course("rto")),
        "no backoff": (2, pto + rto * k),
        "no minimum RTO": (2, rtt_ms * 2.0**k),
    }


def _delays(loss: float, model: tuple):
    """The model's delays (ms, beyond ok_ms) and their probabilities, sorted, equal ones merged."""
    import numpy as np

    segments, costs = model
    k = np.arange(len(costs))
    values = np.concatenate([[0.0], costs])
    probs = np.concatenate([[1 - loss], loss * loss**k * (1 - loss)])
    total, chance = np.zeros(1), np.ones(1)
    for _ in range(segments):
        total = (total[:, None] + values).ravel()
        chance = (chance[:, None] * probs).ravel()
    levels, where = np.unique(np.round(total, 6), return_inverse=True)
    return levels, np.bincount(where, weights=chance)


def _misfit(delays, levels, probs) -> str | None:
    """Why ``delays`` (ms) do not look drawn from the distribution (``levels``, ``probs``): a
    delay the model never gives, a share above a level or the mean more than
    :data:`STANDARD_ERRORS` standard errors away; None when they fit."""
    import numpy as np

    n = len(delays)
    nearest = np.clip(np.searchsorted(levels, delays), 1, len(levels) - 1)
    gap = np.minimum(abs(delays - levels[nearest - 1]), abs(delays - levels[nearest]))
    odd = gap > 1e-6 * (1 + abs(delays))
    if odd.any():
        return f"a delay of {delays[odd][0]:,.6g} ms, which the model never gives"
    for low, high in zip(levels[:-1], levels[1:]):
        above = probs[levels > low].sum()
        if above < 1e-4:
            break
        share = float(np.mean(delays > (low + high) / 2))
        if abs(share - above) > STANDARD_ERRORS * np.sqrt(above * (1 - above) / n) + 1e-12:
            return f"{share:.3%} of requests slower than ok_ms + {low:,.6g} ms, not {above:.3%}"
    mean = float(levels @ probs)
    spread = float(np.sqrt(probs @ (levels - mean) ** 2))
    if abs(delays.mean() - mean) > STANDARD_ERRORS * spread / np.sqrt(n) + 1e-9:
        return f"a mean delay of {delays.mean():,.2f} ms, not {mean:,.2f} ms"
    return None


def _latencies(simulate_request, loss: float, n: int, seed: int = SEED, **link):
    """The student's n latencies for the link, as a 1-D float array (or NotYet)."""
    import numpy as np

    answer = simulate_request(np.random.default_rng(seed), loss, link["rtt_ms"], link["ok_ms"], n)
    try:
        samples = np.asarray(answer, float)
    except (TypeError, ValueError):
        raise NotYet(f"simulate_request returned {answer!r}; return n latencies in ms.") from None
    if samples.ndim == 0:
        raise NotYet(
            f"simulate_request returned one number ({float(samples):,.4g}): return the n "
            "latencies, one per request, not their mean; the notebook takes their percentiles."
        )
    if samples.shape != (n,):
        raise NotYet(
            f"simulate_request returned an array of shape {samples.shape} for n = {n}: "
            "return one latency (ms) per request, a 1-D array of n."
        )
    return samples


def _first_repair_hint(first: float, rtt_ms: float, models: dict, delays) -> str | None:
    """The mistake a request's smallest delay (one lost segment, repaired at once) reveals."""
    from utils import latency

    pto = models["right"][1][0]
    near = close_to(first, rel_tol=1e-6, abs_tol=1e-6)
    if near(pto):
        return None
    if near(rtt_ms) and _misfit(delays, *_delays(LOSS, models["no minimum RTO"])) is None:
        return (
            f"your timeout is the round trip alone ({rtt_ms:g} ms): Linux's RTO is at least "
            "RTO_MIN_MS (200 ms) above it, RTO = RTT + latency.RTO_MIN_MS."
        )
    if near(rtt_ms):
        return (
            f"the repair waited one round trip ({rtt_ms:g} ms), as fast retransmit would: it "
            "needs 3 later segments, and nothing follows a one-segment message, so the "
            "sender waits for its timer: PTO = min(2·RTT + 200 ms, RTO)."
        )
    if near(2 * rtt_ms):
        return (
            "a probe after 2·RTT is for a message with more segments in flight; with one, "
            "RFC 8985 adds 200 ms for a delayed ACK: PTO = min(2·RTT + 200 ms, RTO)."
        )
    if near(2 * rtt_ms + latency.TLP_DELAYED_ACK_MS):
        return "the probe never waits longer than the RTO: PTO = min(2·RTT + 200 ms, RTO)."
    if near(latency.RTO_MIN_MS):
        return "the timeout includes the round trip: RTO = RTT + latency.RTO_MIN_MS."
    if near(latency.INITIAL_RTO_MS) or near(latency.INITIAL_RTO_MS + rtt_ms):
        return (
            "the 1 s initial timeout applies only before a round trip was measured (a lost "
            "SYN); on this connection RTO = RTT + latency.RTO_MIN_MS."
        )
    return (
        f"one lost segment, repaired at once, costs {first:,.6g} ms in your simulation; the "
        f"probe comes after PTO = min(2·RTT + 200 ms, RTO) = {pto:g} ms here."
    )


def _at_total_loss(simulate_request, n: int = 100):
    """The student's latencies at loss = 1, stopped after :data:`LOSS_ONE_SECONDS` where the
    platform has an interval timer (POSIX, in the main thread)."""
    import signal
    import threading

    def run():
        return _latencies(simulate_request, 1.0, n, **LINK)

    if (
        not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        return run()

    def stop(*_):
        raise _TooSlow

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, LOSS_ONE_SECONDS)
    try:
        return run()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def check_lossy_monte_carlo(
    simulate_request, *, rtt_ms: float | None = None, ok_ms: float | None = None, loss=None
) -> None:
    """Notebook 06: the student's ``simulate_request(rng, loss, rtt_ms, ok_ms, n)``, n latencies
    of a one-segment request and its one-segment answer, each segment lost with probability
    ``loss`` and repaired as the course's simulator does (RACK-TLP's probe after PTO, then the
    RTO, doubled for each lost repair: latency.tail_recovery_ms), run with a seeded rng on cases
    whose distribution is known exactly: loss 0, the checker's :data:`LINK` at :data:`LOSS`, and
    loss 1. It names the first mistake it recognises; ``rtt_ms``, ``ok_ms`` and ``loss`` (the
    notebook's link) only add that link's numbers to the verdict."""
    import numpy as np

    from utils import measure

    if not callable(simulate_request):
        raise NotYet("simulate_request should be a function of (rng, loss, rtt_ms, ok_ms, n).")
    rtt, ok = LINK["rtt_ms"], LINK["ok_ms"]
    calm = _latencies(simulate_request, 0.0, 1000, **LINK)
    if not np.allclose(calm, ok, rtol=1e-9, atol=1e-9):
        if np.allclose(calm, 0):
            raise NotYet(
                "with loss = 0 your latencies are 0: each latency is ok_ms (the time without "
                "loss) plus what the repairs add."
            )
        raise NotYet(
            f"with loss = 0 nothing is lost and every request takes ok_ms = {ok:g} ms; yours "
            f"range from {calm.min():,.6g} to {calm.max():,.6g} ms."
        )
    samples = _latencies(simulate_request, LOSS, REQUESTS, **LINK)
    if not np.array_equal(samples, _latencies(simulate_request, LOSS, REQUESTS, **LINK)):
        raise NotYet(
            "two runs with the same seeded rng gave different latencies: draw every random "
            "number from rng (rng.random, rng.geometric), not from np.random."
        )
    delays, models = samples - ok, _loss_models(rtt)
    if np.any(delays < -1e-9):
        raise NotYet(f"a latency below ok_ms ({samples.min():,.6g} ms): repairs only add time.")
    slowed = delays > 1e-9
    if not slowed.any():
        raise NotYet(
            f"no request was slowed at loss = {LOSS:g}: draw each segment's loss, "
            "rng.random(...) < loss."
        )
    if np.ptp(samples) == 0:
        raise NotYet(
            f"all {REQUESTS:,} latencies are {samples[0]:,.6g} ms: return each request's own "
            "latency, not the mean in every place; the tail is what the notebook looks at."
        )
    hint = _first_repair_hint(float(delays[slowed].min()), rtt, models, delays)
    if hint:
        raise NotYet(hint)
    share, right_share = float(slowed.mean()), 1 - (1 - LOSS) ** 2
    error = STANDARD_ERRORS * np.sqrt(right_share * (1 - right_share) / REQUESTS)
    if abs(share - LOSS) < error:
        raise NotYet(
            f"{share:.1%} of requests lost something, about loss = {LOSS:g}: the loss is drawn "
            "once per request, but each of its two segments (the request and the answer) is "
            f"lost on its own, so 1 − (1 − loss)² = {right_share:.1%} lose at least one."
        )
    if abs(share - right_share) > error:
        raise NotYet(
            f"{share:.1%} of requests lost something; two segments, each lost with probability "
            f"loss, make it 1 − (1 − loss)² = {right_share:.1%}."
        )
    right = _delays(LOSS, models["right"])
    problem = _misfit(delays, *right)
    if problem:
        pto = models["right"][1][0]
        once = float(np.mean(abs(delays[slowed] - pto) < 1e-6))  # one loss, its repair delivered
        if once < right[1][1] / (1 - right[1][0]) / 2:
            raise NotYet(
                f"only {once:.0%} of the slowed requests lost one segment whose first repair "
                "arrived: k lost repairs have probability loss^k (1 − loss), so k = "
                "rng.geometric(1 - loss) - 1 (geometric counts tries up to a success)."
            )
        hints = {
            "repair never lost": "a repair can be lost too (probability loss each time): "
            "draw how many times, k = rng.geometric(1 - loss) - 1.",
            "rto": "a lost probe leaves the RTO timer, re-armed when the probe left, "
            "without backoff yet: PTO + RTO × (2^k − 1), not RTO × (2^(k+1) − 1) (a stack "
            "without RACK-TLP).",
            "no backoff": "each time a repair is lost the RTO doubles (RFC 6298, 5.5): "
            "PTO + RTO × (2^k − 1), not PTO + RTO × k.",
        }
        for name, said in hints.items():
            if _misfit(delays, *_delays(LOSS, models[name])) is None:
                raise NotYet(said)
        if delays.max() <= 2 * pto + 1e-6:
            raise NotYet(hints["repair never lost"])
        raise NotYet(
            f"the latencies do not follow the course's model: {problem}. A lost segment "
            "costs PTO + RTO × (2^k − 1), with k = rng.geometric(1 - loss) - 1 lost repairs."
        )
    try:
        lost = _at_total_loss(simulate_request)
    except _TooSlow:
        raise NotYet(
            f"with loss = 1 simulate_request did not return within {LOSS_ONE_SECONDS:g} s: a "
            "loop that redraws until a packet arrives never ends; return np.inf for every "
            "request when loss is 1."
        ) from None
    except NotYet:
        raise
    except Exception as problem:  # noqa: BLE001 - any error of the student's code at loss = 1
        raise NotYet(
            f"with loss = 1 simulate_request raised {type(problem).__name__}: {problem}. "
            "Nothing ever arrives: return np.inf for every request (rng.geometric needs "
            "1 − loss > 0)."
        ) from None
    if not np.all(np.isinf(lost)):
        raise NotYet(
            "with loss = 1 every segment and every repair is lost: no request ever "
            "completes, so each latency is np.inf."
        )
    p50, p99 = measure.percentile(samples, [50, 99])
    mean = ok + float(right[0] @ right[1])
    said = (
        f"two segments, each lost {LOSS:.0%} of the time, a loss repaired after "
        f"PTO = min(2 × {rtt:g} + 200, {rtt:g} + 200) = {models['right'][1][0]:g} ms, the "
        f"RTO doubled for each lost repair: mean {samples.mean():,.1f} ms (the model's "
        f"{mean:,.1f}), p50 {p50:,.0f}, p99 {p99:,.0f} ms; loss = 1 gives inf."
    )
    if None not in (rtt_ms, ok_ms, loss):
        levels, probs = _delays(loss, _loss_models(rtt_ms)["right"])
        said += (
            f" On the notebook's link ({rtt_ms:g} ms, {loss:.0%} loss) the model's mean is "
            f"{ok_ms + float(levels @ probs):,.2f} ms and {1 - probs[0]:.2%} of requests wait "
            "a timeout or more."
        )
    _correct(said)

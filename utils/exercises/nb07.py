"""Notebook 07: the checker of the serving exercise (an M/M/1 server's load, p99 and the
cameras it can take)."""

from __future__ import annotations

import math

from utils.exercises.base import NotYet, _correct, _number, close_to


def check_server_load(
    rho, p99_ms, max_cameras, *, cameras: int, fps: float, service_ms: float, budget_ms: float
) -> None:
    """Notebook 07: the utilisation ``cameras`` at ``fps`` put on an M/M/1 server taking
    ``service_ms`` on average, its p99 response time, and the most cameras it can take before its
    p99 passes ``budget_ms``."""
    from utils import latency

    rate = cameras * fps  # λ, requests per second
    capacity = 1000 / service_ms  # μ, requests per second
    truth = latency.utilisation(rate, service_ms)
    rho = _number(rho, "utilisation (a fraction)")
    near = close_to(rho)
    if not near(truth):
        if near(truth * 1000):
            hint = (
                "the service time is in milliseconds: divide it by 1,000 before multiplying "
                "by requests per second."
            )
        elif truth and near(1 / truth):
            hint = (
                "that is μ / λ, upside down: ρ = λ / μ, the requests arriving over the "
                "requests the server can answer."
            )
        elif near(fps * service_ms / 1000):
            hint = (
                f"that is one camera's load: λ counts the frames of all {cameras} cameras together."
            )
        else:
            hint = "ρ = λ × service time: requests per second times seconds per request."
        raise NotYet(f"rho = {rho:,.4g} is not it; {hint}")

    spare = capacity - rate  # μ − λ, per second
    p99 = latency.mm1_response_percentile_ms(rate, service_ms)
    p99_ms = _number(p99_ms, "ms")
    near = close_to(p99_ms)
    if not near(p99):
        if near(p99 / 1000):
            hint = "that looks like seconds: give milliseconds."
        elif near(-p99):
            hint = (
                "it came out negative: μ − λ is the service rate minus the arrival rate, not "
                "the other way round."
            )
        elif near(1000 / spare):
            hint = (
                "that is the mean response, 1 / (μ − λ); the p99 is ln(100) ≈ 4.6 times the mean."
            )
        elif near(2 * 1000 / spare):
            hint = "ln is the natural logarithm: ln(100) ≈ 4.61, not log10(100) = 2."
        elif near(math.log(100 * truth) / spare * 1000) or near(p99 - service_ms):
            hint = (
                "that is the wait in the queue alone; the response time also counts the "
                "request's own service: ln(100) / (μ − λ)."
            )
        elif near(math.log(100) * service_ms):
            hint = (
                "that is the service time's own p99, as if no request ever waited; behind a "
                "queue the response is exponential with rate μ − λ, not μ."
            )
        elif near(math.log(100) / (capacity - fps) * 1000):
            hint = f"λ is the rate of all {cameras} cameras, not one camera's."
        else:
            hint = (
                "an M/M/1 response time is exponential with rate μ − λ (per second): p99 = "
                "ln(100) / (μ − λ)."
            )
        raise NotYet(f"p99_ms = {p99_ms:,.4g} is not it; {hint}")

    most = _number(max_cameras, "cameras")
    if most != int(most) or most < 0:
        raise NotYet(f"max_cameras = {max_cameras!r}; answer a whole number of cameras.")
    most = int(most)
    best = max(0, math.floor((capacity - math.log(100) / (budget_ms / 1000)) / fps))
    if most != best:
        at = latency.mm1_response_percentile_ms(most * fps, service_ms) if most else 0.0
        if most > best:
            where = (
                "the server is then at or above full load and its queue never settles"
                if math.isinf(at)
                else f"their p99 is {at:,.1f} ms, over the {budget_ms:g}-ms budget"
            )
            fix = (
                "round down: the camera count is the largest whole number under the limit"
                if most == best + 1
                else "the budget needs spare capacity: μ − λ must stay at least ln(100) / "
                f"{budget_ms / 1000:g} s = {math.log(100) / (budget_ms / 1000):,.1f} requests "
                "per second"
            )
            hint = f"with {most} cameras {where}; {fix}."
        else:
            hint = (
                f"{most + 1} cameras still meet the budget (p99 "
                f"{latency.mm1_response_percentile_ms((most + 1) * fps, service_ms):,.1f} ms): "
                f"solve ln(100) / (μ − λ) ≤ {budget_ms:g} ms for λ, then divide by {fps:g} "
                "frames per second."
            )
        raise NotYet(f"max_cameras = {most} is not it; {hint}")
    _correct(
        f"ρ = {truth:.2f}; p99 = ln(100) / ({capacity:,.0f} − {rate:,.0f} per s) = {p99:,.1f} "
        f"ms; {best} cameras keep it under {budget_ms:g} ms (p99 "
        f"{latency.mm1_response_percentile_ms(best * fps, service_ms):,.1f} ms, ρ = "
        f"{latency.utilisation(best * fps, service_ms):.2f}): the budget, not full load, sets "
        "the limit."
    )

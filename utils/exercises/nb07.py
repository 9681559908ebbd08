"""Notebook 07: the checker of the serving exercise (periodic cameras on a server of fixed
service time, ΣD/D/1: its load, its worst response and the cameras it can take)."""

from __future__ import annotations

import math

from utils.exercises.base import NotYet, _correct, _number, close_to


def _worst_ms(cameras: int, service_ms: float) -> float:
    """The longest response (queue + service) of ``cameras`` periodic sources on one server of
    fixed ``service_ms``, below full load: all frames arrive at once and the last waits for the
    other cameras − 1. No phases do worse: any interval shorter than a period holds at most one
    frame of each other camera, and a longer one brings no more work than the server clears."""
    return cameras * service_ms


def _fits(cameras: int, fps: float, service_ms: float, budget_ms: float) -> bool:
    """Below full load (ρ < 1) and the worst response within the budget."""
    return cameras * fps * service_ms < 1000 and _worst_ms(cameras, service_ms) <= budget_ms


def check_server_load(
    rho, worst_ms, max_cameras, *, cameras: int, fps: float, service_ms: float, budget_ms: float
) -> None:
    """Notebook 07: the utilisation ``cameras`` at ``fps`` put on a server taking exactly
    ``service_ms`` per frame, the worst response time a frame can see (the cameras send on their
    own clocks, without jitter), and the most cameras it can take below full load with every
    response within ``budget_ms``."""
    from utils import queueing

    rate = cameras * fps  # λ, requests per second
    truth = queueing.utilisation(rate, service_ms)
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

    worst = _worst_ms(cameras, service_ms)
    mm1_p99 = queueing.mm1_response_percentile_ms(rate, service_ms)
    worst_ms = _number(worst_ms, "ms")
    near = close_to(worst_ms)
    if not near(worst):
        if near(worst / 1000):
            hint = "that looks like seconds: give milliseconds."
        elif near(mm1_p99):
            hint = (
                "that is M/M/1's p99, for Poisson arrivals and random service times; these "
                "cameras send on a clock and every frame takes the same time."
            )
        elif near(worst - service_ms):
            hint = (
                f"that is the wait in the queue alone, behind the other {cameras - 1} frames; "
                f"the response also counts the frame's own {service_ms:g} ms."
            )
        elif near(service_ms):
            hint = (
                "that is one frame's own service, as if frames never met; cameras on their own "
                "clocks can send at the same instant."
            )
        elif near(1000 / fps):
            hint = "that is the time between one camera's frames, not a response time."
        else:
            hint = (
                f"in the worst case all {cameras} cameras send at the same instant: the last "
                f"frame waits for the other {cameras - 1}, then for its own service."
            )
        raise NotYet(f"worst_ms = {worst_ms:,.4g} is not it; {hint}")

    most = _number(max_cameras, "cameras")
    if most != int(most) or most < 0:
        raise NotYet(f"max_cameras = {max_cameras!r}; answer a whole number of cameras.")
    most = int(most)
    best = 0
    while _fits(best + 1, fps, service_ms, budget_ms):
        best += 1
    mm1_best = math.floor(queueing.mm1_rate_at_budget_per_s(service_ms, budget_ms) / fps)
    if most != best:
        if most == mm1_best:
            hint = (
                "that is M/M/1's answer (a p99 within the budget for Poisson arrivals); periodic "
                f"cameras never see more than cameras × {service_ms:g} ms while ρ < 1."
            )
        elif most > best and most * fps * service_ms >= 1000:
            hint = (
                f"with {most} cameras ρ = {most * fps * service_ms / 1000:.3g}, at or above "
                "full load: the queue grows without end whatever the clocks; ρ must stay "
                f"below 1, fewer than 1000 / ({fps:g} × {service_ms:g}) = "
                f"{1000 / (fps * service_ms):,.4g} cameras."
            )
        elif most > best:
            hint = (
                f"with {most} cameras the worst response is {_worst_ms(most, service_ms):,.4g} "
                f"ms, over the {budget_ms:g}-ms budget."
            )
        else:
            hint = (
                f"{most + 1} cameras still fit: ρ = {(most + 1) * fps * service_ms / 1000:.3g} "
                f"< 1 and their worst response, {_worst_ms(most + 1, service_ms):,.4g} ms, is "
                "within the budget."
            )
        raise NotYet(f"max_cameras = {most} is not it; {hint}")
    _correct(
        f"ρ = {truth:.2f}; the worst response is {cameras} × {service_ms:g} ms = {worst:,.4g} "
        f"ms (M/M/1's p99 would say {mm1_p99:,.1f} ms); {best} cameras fit (ρ = "
        f"{best * fps * service_ms / 1000:.3g}, worst {_worst_ms(best, service_ms):,.4g} ms), "
        f"where M/M/1 would allow {mm1_best}: periodic cameras queue far less than Poisson "
        "arrivals, as long as their clocks keep time."
    )

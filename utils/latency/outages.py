"""Notebooks 06 and 08: a link that goes down, and what a camera sees through its outages.

Outage figures come from ``data/network_outages.csv``; the cloud loses every frame whose round
trip an outage cuts, the edge keeps answering and queues its decisions until the link returns.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from utils import config, validate
from utils.latency.tables import read_table

OUTAGES_CSV = config.DATA_DIR / "network_outages.csv"


@dataclasses.dataclass(frozen=True)
class Outages:
    """A link that is down ``unavailability`` of the time, in outages of ``mean_outage_s`` on
    average.

    A two-state Markov model: up and down periods alternate, each exponentially distributed, the
    down ones with mean ``mean_outage_s`` and the up ones with mean :attr:`mean_up_s`, chosen so
    that the link is down ``unavailability`` of the time in the long run.
    """

    unavailability: float
    mean_outage_s: float

    def __post_init__(self):
        validate.finite(unavailability=self.unavailability, mean_outage_s=self.mean_outage_s)
        if not 0 <= self.unavailability < 1:
            raise ValueError(
                f"unavailability={self.unavailability!r} is outside [0, 1); give the "
                "fraction of time the link is down, e.g. 0.01 for 1 %."
            )
        validate.positive(mean_outage_s=self.mean_outage_s)

    @property
    def mean_up_s(self) -> float:
        """The mean time between outages: mean_outage × (1 − u) / u (``inf`` for a link never
        down)."""
        u = self.unavailability
        return math.inf if u == 0 else self.mean_outage_s * (1 - u) / u

    @property
    def outages_per_hour(self) -> float:
        """How many outages start in an hour, on average: 3,600 × u / mean_outage_s."""
        return 3600 * self.unavailability / self.mean_outage_s


def outage_figures() -> dict[str, tuple[Outages, str, str]]:
    """``{name: (Outages, kind, source)}`` from ``data/network_outages.csv``; ``kind`` says which
    figures are measured and which are assumptions."""
    return {
        row["name"]: (
            Outages(float(row["unavailability"]), float(row["mean_outage_s"])),
            row["kind"],
            row["source"],
        )
        for row in read_table(OUTAGES_CSV)
    }


def outage_periods(outages: Outages, duration_s: float, seed: int = 0) -> np.ndarray:
    """The ``(k, 2)`` array of ``[start, end)`` seconds when the link is down during
    ``[0, duration_s)``: the Markov model's exponential periods, starting down with probability
    ``unavailability`` (its long-run share), the last outage cut at ``duration_s``."""
    validate.positive(duration_s=duration_s)
    if outages.unavailability == 0:
        return np.empty((0, 2))
    rng = np.random.default_rng(seed)
    down = bool(rng.random() < outages.unavailability)
    t, periods = 0.0, []
    while t < duration_s:
        length = rng.exponential(outages.mean_outage_s if down else outages.mean_up_s)
        if down:
            periods.append((t, min(t + length, duration_s)))
        t += length
        down = not down
    return np.array(periods, float).reshape(-1, 2)


@dataclasses.dataclass(frozen=True)
class OutageRun:
    """What a camera at ``fps`` saw during one run with outages (see :func:`answers`)."""

    frames: int
    outages: int  # outages that touch the run
    down_s: float  # seconds the link was down
    # frames the cloud did not answer by their deadline (lost in an outage, or too slow)
    cloud_missed: int
    cloud_longest_blind_s: float  # the longest time without any answer from the cloud
    edge_missed: int  # frames the edge did not answer by their deadline (only if it is too slow)
    edge_longest_blind_s: float  # the same for the edge, which keeps answering through outages
    queued_decisions: int  # edge decisions made while the link was down, sent when it returns
    max_staleness_s: float  # the longest a queued decision waited for the link (store-and-forward)

    @property
    def cloud_missed_fraction(self) -> float:
        return self.cloud_missed / self.frames


def answers(
    down, fps: float, duration_s: float, *, deadline_ms: float, cloud_ms: float, edge_ms: float
) -> OutageRun:
    """Frames sent every ``1/fps`` s during ``[0, duration_s)`` over a link down during the
    ``[start, end)`` intervals ``down`` (sorted, disjoint; seconds).

    - **cloud**: a frame sent at ``t`` is answered at ``t + cloud_ms`` only if the link is up for
      the whole round trip ``[t, t + cloud_ms]``; otherwise it is lost (no answer at all). It misses
      its deadline if it is lost or ``cloud_ms > deadline_ms``.
    - **edge**: every frame is answered at ``t + edge_ms``, outage or not; it misses its deadline
      only if ``edge_ms > deadline_ms``. A decision made while the link is down is queued and sent
      when the link returns (store-and-forward); ``max_staleness_s`` is its longest wait.

    The longest blind time is the longest gap between consecutive answers, counting from 0 (the
    first answer) and up to ``duration_s``: an outage of ``D`` s costs about ``D`` + one round
    trip + one frame interval. Distance on a road: ``feet_travelled(1000 * blind_s)``.
    """
    validate.positive(fps=fps, duration_s=duration_s)
    validate.non_negative(deadline_ms=deadline_ms, cloud_ms=cloud_ms, edge_ms=edge_ms)
    down = np.asarray(down, float).reshape(-1, 2)
    if np.any(down[:, 1] < down[:, 0]) or np.any(down[1:, 0] < down[:-1, 1]):
        raise ValueError("down: give sorted, non-overlapping [start, end) intervals in seconds.")
    starts, ends = down[:, 0], down[:, 1]
    sent = np.arange(math.ceil(duration_s * fps - 1e-9)) / fps
    cloud_s, edge_s = cloud_ms / 1000, edge_ms / 1000
    # the first outage ending after the frame was sent is the only one that can cut its round trip
    first = np.searchsorted(ends, sent, side="right")
    cut = (
        (first < len(ends)) & (starts[np.minimum(first, len(ends) - 1)] < sent + cloud_s)
        if len(ends)
        else np.zeros(sent.size, bool)
    )
    cloud_answers = sent[~cut] + cloud_s
    decided = sent + edge_s
    inside = np.searchsorted(ends, decided, side="right")
    queued = (
        (inside < len(ends)) & (starts[np.minimum(inside, len(ends) - 1)] <= decided)
        if len(ends)
        else np.zeros(sent.size, bool)
    )
    waits = ends[inside[queued]] - decided[queued] if queued.any() else np.zeros(0)
    return OutageRun(
        frames=int(sent.size),
        outages=int(len(ends)),
        down_s=float(np.sum(ends - starts)),
        cloud_missed=int(sent.size if cloud_ms > deadline_ms else cut.sum()),
        cloud_longest_blind_s=_longest_gap(cloud_answers, duration_s),
        edge_missed=int(sent.size if edge_ms > deadline_ms else 0),
        edge_longest_blind_s=_longest_gap(decided, duration_s),
        queued_decisions=int(queued.sum()),
        max_staleness_s=float(waits.max(initial=0.0)),
    )


def _longest_gap(times_s: np.ndarray, duration_s: float) -> float:
    """The longest wait for an answer: between 0, the answers' times and the end of the run."""
    end = max(duration_s, float(times_s.max(initial=0.0)))
    return float(np.max(np.diff(np.concatenate([[0.0], np.sort(times_s), [end]]))))


def simulate_outages(
    outages: Outages,
    fps: float,
    duration_s: float,
    seed: int = 0,
    *,
    deadline_ms: float,
    cloud_ms: float,
    edge_ms: float,
) -> OutageRun:
    """One run of ``duration_s`` seconds of a camera at ``fps`` over a link with ``outages``
    (:func:`outage_periods`), cloud and edge answering as :func:`answers` describes."""
    return answers(
        outage_periods(outages, duration_s, seed),
        fps,
        duration_s,
        deadline_ms=deadline_ms,
        cloud_ms=cloud_ms,
        edge_ms=edge_ms,
    )

"""Notebooks 06-08: what a prediction costs: joules on the device, gigabytes, dollars.

Power draws come from ``data/edge_cloud_energy.csv`` (the offloading model that uses them is
:mod:`~utils.latency.energy`), data prices from ``data/prices.csv``.
"""

from __future__ import annotations

from utils import config, validate
from utils.latency.tables import read_table

ENERGY_CSV = config.DATA_DIR / "edge_cloud_energy.csv"
PRICES_CSV = config.DATA_DIR / "prices.csv"
DEFAULT_PLAN = "United States mobile data (average)"
DAYS_PER_MONTH = 30


# ---------------------------------------------------------------- energy: joules per prediction


def energy_figures() -> dict[str, tuple[float, str, str]]:
    """``{item: (value, unit, source)}`` from ``data/edge_cloud_energy.csv`` (a device's power
    draws, its radio's assumed transmit power and tail, an LTE radio's promotion time)."""
    return {
        row["item"]: (float(row["value"]), row["unit"], row["source"])
        for row in read_table(ENERGY_CSV)
    }


def inference_joules(power_w: float, ms: float) -> float:
    """Energy of one inference: the device's power draw × its inference time."""
    validate.zero_or_more(power_w=power_w, ms=ms)
    return power_w * ms / 1000


# ---------------------------------------------------------------- bandwidth and money


def prices() -> dict[str, float]:
    """US dollars per GB of metered mobile data, by plan, from ``data/prices.csv``."""
    return {row["plan"]: float(row["usd_per_gb"]) for row in read_table(PRICES_CSV)}


def gigabytes_per_hour(payload_bytes: float, fps: float) -> float:
    """GB (10^9 bytes) a camera sending ``payload_bytes`` per frame at ``fps`` uploads in an
    hour."""
    validate.zero_or_more(payload_bytes=payload_bytes, fps=fps)
    return payload_bytes * fps * 3600 / 1e9


def monthly_gigabytes(payload_bytes: float, fps: float, hours_per_day: float = 24) -> float:
    """GB uploaded in a 30-day month, sending ``hours_per_day`` hours a day."""
    if not 0 <= hours_per_day <= 24:
        raise ValueError(f"hours_per_day={hours_per_day!r}: a day has 0 to 24 hours.")
    return gigabytes_per_hour(payload_bytes, fps) * hours_per_day * DAYS_PER_MONTH


def monthly_cost(
    payload_bytes: float, fps: float, price_per_gb: float | None = None, hours_per_day: float = 24
) -> float:
    """US dollars a month on a metered plan (by default the US average of ``data/prices.csv``)."""
    price = prices()[DEFAULT_PLAN] if price_per_gb is None else price_per_gb
    validate.zero_or_more(price_per_gb=price)
    return monthly_gigabytes(payload_bytes, fps, hours_per_day) * price

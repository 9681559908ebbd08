"""Notebooks 06-08: what a prediction costs: joules on the device and the radio, gigabytes, dollars.

Power draws and radio states come from ``data/edge_cloud_energy.csv``, the radio's energy per
bit from ``data/radio_energy.csv``, data prices from ``data/prices.csv``.
"""

from __future__ import annotations

from utils import config, validate
from utils.latency.tables import read_table

ENERGY_CSV = config.DATA_DIR / "edge_cloud_energy.csv"
RADIO_ENERGY_CSV = config.DATA_DIR / "radio_energy.csv"
PRICES_CSV = config.DATA_DIR / "prices.csv"
DEFAULT_PLAN = "United States mobile data (average)"
DAYS_PER_MONTH = 30


# ---------------------------------------------------------------- energy: joules per prediction


def energy_figures() -> dict[str, tuple[float, str, str]]:
    """``{item: (value, unit, source)}`` from ``data/edge_cloud_energy.csv`` (device power,
    radio states)."""
    return {
        row["item"]: (float(row["value"]), row["unit"], row["source"])
        for row in read_table(ENERGY_CSV)
    }


def radio_joules_per_bit(technology: str, kbps: float) -> float:
    """Energy per bit (J) a phone's radio spends moving data at ``kbps``, from the measured
    linear model of ``data/radio_energy.csv``: E_bit = A + B × (rate − C), with the rate clipped
    to the range it was measured over."""
    models = {row["technology"]: row for row in read_table(RADIO_ENERGY_CSV)}
    if technology not in models:
        raise ValueError(
            f"Unknown radio {technology!r}; use one of {', '.join(repr(t) for t in models)}."
        )
    row = models[technology]
    rate = min(max(float(kbps), float(row["min_kbps"])), float(row["max_kbps"]))
    return float(row["a_j_per_bit"]) + float(row["b_j_per_bit_per_kbps"]) * (
        rate - float(row["c_kbps"])
    )


def inference_joules(power_w: float, ms: float) -> float:
    """Energy of one inference: the device's power draw × its inference time."""
    validate.zero_or_more(power_w=power_w, ms=ms)
    return power_w * ms / 1000


def radio_joules(
    payload_bytes: float,
    joules_per_bit: float,
    *,
    promotion_ms: float = 0.0,
    promotion_w: float = 0.0,
    tail_s: float = 0.0,
    tail_w: float = 0.0,
) -> float:
    """Energy the radio spends to send ``payload_bytes``: per bit, plus (a cold radio) the
    promotion from idle and the tail it stays powered for afterwards."""
    validate.zero_or_more(
        payload_bytes=payload_bytes,
        joules_per_bit=joules_per_bit,
        promotion_ms=promotion_ms,
        promotion_w=promotion_w,
        tail_s=tail_s,
        tail_w=tail_w,
    )
    return payload_bytes * 8 * joules_per_bit + promotion_w * promotion_ms / 1000 + tail_w * tail_s


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

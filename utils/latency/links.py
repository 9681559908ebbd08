"""Notebooks 06-08: the access networks, and the distance to the data centre.

Network figures (bandwidth each way, round-trip time, loss) come from
``data/network_presets.csv``; the propagation over a distance from ``data/propagation.csv``,
checked against published round trips between cloud regions (``data/cloud_region_rtts.csv``).
"""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np

from utils import config, validate
from utils.latency.tables import read_table

NETWORKS_CSV = config.DATA_DIR / "network_presets.csv"
PROPAGATION_CSV = config.DATA_DIR / "propagation.csv"
REGION_RTTS_CSV = config.DATA_DIR / "cloud_region_rtts.csv"
EARTH_RADIUS_KM = 6371.0  # the Earth's mean radius
FEET_PER_MILE, METRES_PER_MILE = 5280, 1609.344
KM_PER_MILE = METRES_PER_MILE / 1000


@dataclasses.dataclass(frozen=True)
class Network:
    """An access network: bandwidth each way, round-trip time to the server, packet loss rate."""

    name: str
    uplink_mbps: float
    downlink_mbps: float
    rtt_ms: float
    loss: float
    source: str

    def __post_init__(self):
        for field in ("uplink_mbps", "downlink_mbps"):
            value = getattr(self, field)
            if not value > 0:
                raise ValueError(
                    f"{self.name}: {field}={value!r} is not a usable bandwidth; "
                    "give a positive number of Mbit/s (e.g. 6 for LTE's uplink)."
                )
        if not self.rtt_ms >= 0:
            problem = "is not a number" if math.isnan(self.rtt_ms) else "is negative"
            raise ValueError(
                f"{self.name}: rtt_ms={self.rtt_ms!r} {problem}; a round-trip time is "
                "0 ms or more (e.g. 53 for LTE)."
            )
        if not 0 <= self.loss < 1:
            raise ValueError(
                f"{self.name}: loss={self.loss!r} is outside [0, 1); give the "
                "fraction of packets lost, e.g. 0.01 for 1 %."
            )


@functools.lru_cache(maxsize=1)
def _presets() -> tuple[Network, ...]:
    return tuple(
        Network(
            row["name"],
            float(row["uplink_mbps"]),
            float(row["downlink_mbps"]),
            float(row["rtt_ms"]),
            float(row["loss"]),
            row["source"],
        )
        for row in read_table(NETWORKS_CSV)
    )


def presets() -> dict[str, Network]:
    """The network presets of ``data/network_presets.csv``, by name."""
    return {net.name: net for net in _presets()}


def network(name: str, distance_km: float | None = None, **overrides) -> Network:
    """The preset ``name``, with any fields overridden (``network("LTE", uplink_mbps=20)``).

    ``distance_km``: the data centre is that far away (great circle), and the round trip gains
    :func:`propagation_rtt_ms` of it (2.1 ms per 100 km). The preset's RTT, measured by speed
    tests to a server near the user, is treated as the access network's own delay and the
    propagation is added on top; this counts the few ms to the test server twice at most.
    An ``rtt_ms`` override replaces the access delay before the distance is added.
    """
    known = presets()
    if name not in known:
        raise ValueError(
            f"Unknown network preset {name!r}; use one of {', '.join(repr(n) for n in known)}."
        )
    fields = {f.name for f in dataclasses.fields(Network)} - {"name", "source"}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise ValueError(
            f"{unknown[0]!r} is not a network setting; override one of {', '.join(sorted(fields))}."
        )
    net = dataclasses.replace(known[name], **{k: float(v) for k, v in overrides.items()})
    if distance_km is None:
        return net
    return dataclasses.replace(net, rtt_ms=net.rtt_ms + propagation_rtt_ms(distance_km))


def _propagation_figures() -> dict[str, float]:
    return {row["quantity"]: float(row["value"]) for row in read_table(PROPAGATION_CSV)}


#: Light in glass travels about 200 km per millisecond (about 2/3 of c): 10 ms of round trip per
#: 1,000 km of fibre (``data/propagation.csv``).
FIBRE_KM_PER_MS = _propagation_figures()["fibre_km_per_ms"]
#: Internet latency ≈ great-circle distance × 2.1 / the speed of light in fibre: a rule of thumb
#: from measurement campaigns of the public Internet, quoted by Bozkurt et al.
#: (arXiv:1811.10737, 2018). It lumps longer fibre paths, indirect routing and equipment together
#: (``data/propagation.csv``).
ROUTE_INFLATION = _propagation_figures()["route_inflation"]


def propagation_rtt_ms(distance_km, inflation: float | None = None):
    """Round-trip propagation (ms) to a server ``distance_km`` away along the great circle.

    ``2 × distance × inflation / FIBRE_KM_PER_MS``: 10 ms per 1,000 km for a straight fibre
    (``inflation=1``), times :data:`ROUTE_INFLATION` (2.1) by default. Accepts an array of
    distances.
    """
    validate.non_negative(distance_km=distance_km)
    inflation = ROUTE_INFLATION if inflation is None else inflation
    validate.finite(inflation=inflation)
    if inflation < 1:
        raise ValueError(
            f"inflation={inflation!r} is below 1; a route is at least as long as the "
            "great circle (1 = a straight fibre, 2.1 = the Internet's rule of thumb)."
        )
    rtt = 2 * np.asarray(distance_km, float) * inflation / FIBRE_KM_PER_MS
    return float(rtt) if rtt.ndim == 0 else rtt


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance (km) between two points given in degrees (haversine formula)."""
    validate.finite(lat1=lat1, lon1=lon1, lat2=lat2, lon2=lon2)
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))


def region_rtts(inflation: float | None = None) -> list[dict]:
    """Published round trips between cloud regions (``data/cloud_region_rtts.csv``: Azure's P95
    between regions over its own backbone) beside the model: one dict per pair with ``pair``,
    ``distance_km`` (great circle between the named cities), ``published_ms``, ``model_ms``
    (:func:`propagation_rtt_ms` with ``inflation``), ``straight_ms`` (a straight fibre) and
    ``implied_inflation`` (the inflation that would make the model match)."""
    rows = []
    for row in read_table(REGION_RTTS_CSV):
        km = great_circle_km(*(float(row[k]) for k in ("from_lat", "from_lon", "to_lat", "to_lon")))
        published = float(row["rtt_p95_ms"])
        rows.append(
            {
                "pair": f"{row['from_region']} → {row['to_region']}",
                "cities": f"{row['from_city']} → {row['to_city']}",
                "distance_km": km,
                "published_ms": published,
                "model_ms": propagation_rtt_ms(km, inflation),
                "straight_ms": propagation_rtt_ms(km, 1.0),
                "implied_inflation": published / propagation_rtt_ms(km, 1.0),
                "source": row["source"],
            }
        )
    return rows

"""Notebook 06: the energy one device spends on a prediction, computed on it or offloaded.

The standard computation-offloading model (Kumar & Lu, IEEE Computer 2010; Cuervo et al.,
MAUI, MobiSys 2010), every power that of the **same** device:

- edge:  E_edge  = P_compute × t_compute;
- cloud: E_cloud = P_tx × t_tx + P_idle × t_wait + E_tail,

where t_tx is the upload (payload ÷ uplink, :func:`~utils.latency.requests.transmit_ms`) and
t_wait the rest of the request while the device waits for its answer: the round trip, the
server's queue and inference and the answer's downlink (:func:`cloud_breakdown`). Powers are
whole-device draws from ``data/edge_cloud_energy.csv``; the Wi-Fi transmit power and the tail
are labelled assumptions there. The model charges the device's idle power to the request while
it waits, as if the device could sleep once it has its answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from utils import validate
from utils.latency.costs import energy_figures, inference_joules
from utils.latency.links import Network
from utils.latency.requests import cloud_breakdown, transmit_ms

DEFAULT_DEVICE = "Raspberry Pi 4"
# the rows of data/edge_cloud_energy.csv that describe one device, after its name
POWER_ITEMS = {
    "idle_w": "power at idle",
    "compute_w": "power under load",
    "tx_above_idle_w": "Wi-Fi transmit power above idle",
    "tail_j": "Wi-Fi tail energy",
}


@dataclass(frozen=True)
class DevicePower:
    """One device's whole-board power draws (W) and its radio's tail energy (J)."""

    name: str
    idle_w: float
    compute_w: float
    tx_w: float
    tail_j: float = 0.0

    def __post_init__(self):
        validate.non_negative(
            idle_w=self.idle_w, compute_w=self.compute_w, tx_w=self.tx_w, tail_j=self.tail_j
        )
        for field in ("compute_w", "tx_w"):
            if getattr(self, field) < self.idle_w:
                raise ValueError(
                    f"{field}={getattr(self, field)!r} W is below idle_w={self.idle_w!r} W; a "
                    "whole device draws at least its idle power while it works: give more."
                )


def device_power(
    name: str = DEFAULT_DEVICE,
    *,
    tx_above_idle_w: float | None = None,
    tail_j: float | None = None,
) -> DevicePower:
    """``name``'s powers from ``data/edge_cloud_energy.csv``; ``tx_above_idle_w`` and ``tail_j``
    replace the table's assumptions (the notebook's sliders)."""
    figures = energy_figures()
    rows = {field: f"{name} {item}" for field, item in POWER_ITEMS.items()}
    missing = [row for row in rows.values() if row not in figures]
    if missing:
        raise ValueError(
            f"No power figures for {name!r} (missing {', '.join(missing)}); add its rows to "
            f"data/edge_cloud_energy.csv or use {DEFAULT_DEVICE!r}."
        )
    value = {field: figures[row][0] for field, row in rows.items()}
    above = value["tx_above_idle_w"] if tx_above_idle_w is None else tx_above_idle_w
    tail = value["tail_j"] if tail_j is None else tail_j
    validate.non_negative(tx_above_idle_w=above, tail_j=tail)
    return DevicePower(name, value["idle_w"], value["compute_w"], value["idle_w"] + above, tail)


def offload_joules(
    tx_ms, wait_ms, *, tx_w: float, idle_w: float, tail_j: float = 0.0
) -> dict[str, float]:
    """The terms of E_cloud (J): ``transmit`` P_tx × t_tx, ``idle wait`` P_idle × t_wait and
    ``tail`` E_tail. Times in ms; ``tx_ms`` may be an array (one entry per uplink)."""
    validate.non_negative(tx_ms=tx_ms, wait_ms=wait_ms, tx_w=tx_w, idle_w=idle_w, tail_j=tail_j)
    return {"transmit": tx_w * tx_ms / 1000, "idle wait": idle_w * wait_ms / 1000, "tail": tail_j}


def offload_wait_ms(
    network: Network, server_ms: float, *, result_bytes: float = 64, queue_ms: float = 0.0
) -> float:
    """t_wait: the cloud request after its upload (round trip, queue, server inference,
    downlink of the answer), from :func:`cloud_breakdown`."""
    stages = cloud_breakdown(0, network, server_ms, result_bytes=result_bytes, queue_ms=queue_ms)
    return sum(ms for stage, ms in stages.items() if stage not in ("encode", "uplink"))


def edge_joules(power: DevicePower, compute_ms: float) -> float:
    """E_edge = P_compute × t_compute (J)."""
    return inference_joules(power.compute_w, compute_ms)


def cloud_joules(
    power: DevicePower,
    payload_bytes: float,
    network: Network,
    server_ms: float,
    *,
    uplink_mbps=None,
    result_bytes: float = 64,
    queue_ms: float = 0.0,
) -> dict[str, float]:
    """E_cloud's terms (J) for sending ``payload_bytes`` over ``network`` (its uplink, or
    ``uplink_mbps``, which may be an array) and waiting for the answer."""
    mbps = network.uplink_mbps if uplink_mbps is None else uplink_mbps
    return offload_joules(
        transmit_ms(payload_bytes, mbps),
        offload_wait_ms(network, server_ms, result_bytes=result_bytes, queue_ms=queue_ms),
        tx_w=power.tx_w,
        idle_w=power.idle_w,
        tail_j=power.tail_j,
    )


def energy_break_even_ms(
    power: DevicePower, payload_bytes: float, network: Network, server_ms: float, **request
) -> float:
    """The on-device inference time at which E_edge = E_cloud: E_cloud ÷ P_compute. A device
    that computes faster spends less energy at the edge."""
    return sum(cloud_joules(power, payload_bytes, network, server_ms, **request).values()) * (
        1000 / power.compute_w
    )


def energy_break_even_mbps(
    power: DevicePower,
    payload_bytes: float,
    network: Network,
    server_ms: float,
    compute_ms: float,
    **request,
) -> float:
    """The uplink (Mbit/s) above which sending costs the device less energy than computing:
    P_tx × 8 × bytes ÷ (E_edge − P_idle × t_wait − E_tail); ``math.inf`` when no uplink is
    fast enough (waiting and the tail alone cost more than computing)."""
    validate.non_negative(payload_bytes=payload_bytes, compute_ms=compute_ms)
    fixed = cloud_joules(power, 0, network, server_ms, **request)
    budget = edge_joules(power, compute_ms) - fixed["idle wait"] - fixed["tail"]
    if budget <= 0:
        return math.inf
    return power.tx_w * payload_bytes * 8 / budget / 1e6

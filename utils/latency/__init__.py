"""Notebooks 06-08: how long a prediction takes at the edge and in the cloud, and what it costs.

The model of one request, per path:

- **edge**: the on-device inference time (measured here, scaled by a device's speed factor);
- **cloud**: encode → uplink (payload / bandwidth) → propagation (one round trip) → server
  queue → server inference → downlink of the result.

Network figures (bandwidth, round-trip time), device speed factors and data prices come from
the tables in ``data/``, each row with its source. On top of the medians, the Monte Carlo path
(:func:`simulate_cloud`, vectorised NumPy) adds jitter (a lognormal round-trip time around the
preset's) and packet loss (independent, or bursty with a Gilbert–Elliott chain); the
discrete-event path (:func:`utils.queueing.simulate_server`, SimPy) puts many cameras on one
shared server.

One topic a module: :mod:`~utils.latency.tables` (the sourced tables),
:mod:`~utils.latency.links` (networks, distance), :mod:`~utils.latency.device_profiles`
(devices), :mod:`~utils.latency.requests` (one request in medians, warm or cold),
:mod:`~utils.latency.simulation` (Monte Carlo, percentiles, distance on a road),
:mod:`~utils.latency.payload` (the JPEG a request sends), :mod:`~utils.latency.costs` (joules,
gigabytes, dollars), :mod:`~utils.latency.energy` (edge against offloading, on one device),
:mod:`~utils.latency.outages` (a link that goes down). The queueing of
notebook 07 lives in :mod:`utils.queueing`; its names are re-exported here, so that
``latency.simulate_server(...)`` keeps working.

Pure NumPy, Pillow and SimPy: nothing here imports TensorFlow.
"""

from utils.latency.costs import (
    DAYS_PER_MONTH,
    DEFAULT_PLAN,
    ENERGY_CSV,
    PRICES_CSV,
    energy_figures,
    gigabytes_per_hour,
    inference_joules,
    monthly_cost,
    monthly_gigabytes,
    prices,
)
from utils.latency.device_profiles import (
    ACCEPTS_INT8_ONLY,
    DEVICES_CSV,
    Device,
    devices,
    reference_ms,
)
from utils.latency.energy import (
    DEFAULT_DEVICE,
    DevicePower,
    cloud_joules,
    device_power,
    edge_joules,
    energy_break_even_mbps,
    energy_break_even_ms,
    offload_joules,
    offload_wait_ms,
)
from utils.latency.links import (
    EARTH_RADIUS_KM,
    FEET_PER_MILE,
    FIBRE_KM_PER_MS,
    KM_PER_MILE,
    METRES_PER_MILE,
    NETWORKS_CSV,
    PROPAGATION_CSV,
    REGION_RTTS_CSV,
    ROUTE_INFLATION,
    Network,
    great_circle_km,
    network,
    presets,
    propagation_rtt_ms,
    region_rtts,
)
from utils.latency.outages import (
    OUTAGES_CSV,
    OutageRun,
    Outages,
    answers,
    outage_figures,
    outage_periods,
    simulate_outages,
)
from utils.latency.payload import JPEG_QUALITY, PAYLOAD_CROPS, crop_payload_bytes, encode_jpeg
from utils.latency.requests import (
    DUPACK_THRESHOLD,
    INITIAL_RTO_MS,
    INITIAL_WINDOW_SEGMENTS,
    MSS_BYTES,
    RTO_MIN_MS,
    TLP_DELAYED_ACK_MS,
    TLS_ROUND_TRIPS,
    break_even_uplink_mbps,
    cloud_breakdown,
    loss_recovery_ms,
    pipeline_check,
    request_stages,
    slow_start_ms,
    transmit_ms,
)
from utils.latency.simulation import (
    DEFAULT_JITTER,
    RACK_REORDER_WINDOW_RTTS,
    RECOVERIES,
    Z95,
    deadline_miss_rate,
    feet_travelled,
    lognormal_shape,
    metres_travelled,
    percentiles,
    simulate_cloud,
    simulate_edge,
    tail_recovery_ms,
)
from utils.latency.tables import citation, read_table
from utils.queueing import (
    capacity_per_s,
    md1_mean_response_ms,
    mm1_rate_at_budget_per_s,
    mm1_response_percentile_ms,
    mmc_mean_response_ms,
    rate_at_budget_per_s,
    simulate_server,
    utilisation,
)

__all__ = [
    "ACCEPTS_INT8_ONLY",
    "DAYS_PER_MONTH",
    "DEFAULT_DEVICE",
    "DEFAULT_JITTER",
    "DEFAULT_PLAN",
    "DEVICES_CSV",
    "DUPACK_THRESHOLD",
    "EARTH_RADIUS_KM",
    "ENERGY_CSV",
    "FEET_PER_MILE",
    "FIBRE_KM_PER_MS",
    "INITIAL_RTO_MS",
    "INITIAL_WINDOW_SEGMENTS",
    "JPEG_QUALITY",
    "KM_PER_MILE",
    "METRES_PER_MILE",
    "MSS_BYTES",
    "NETWORKS_CSV",
    "OUTAGES_CSV",
    "PAYLOAD_CROPS",
    "PRICES_CSV",
    "PROPAGATION_CSV",
    "RACK_REORDER_WINDOW_RTTS",
    "RECOVERIES",
    "REGION_RTTS_CSV",
    "ROUTE_INFLATION",
    "RTO_MIN_MS",
    "TLP_DELAYED_ACK_MS",
    "TLS_ROUND_TRIPS",
    "Z95",
    "Device",
    "DevicePower",
    "Network",
    "OutageRun",
    "Outages",
    "answers",
    "cloud_joules",
    "break_even_uplink_mbps",
    "capacity_per_s",
    "cloud_breakdown",
    "crop_payload_bytes",
    "deadline_miss_rate",
    "device_power",
    "devices",
    "edge_joules",
    "encode_jpeg",
    "energy_break_even_mbps",
    "energy_break_even_ms",
    "energy_figures",
    "feet_travelled",
    "gigabytes_per_hour",
    "great_circle_km",
    "inference_joules",
    "lognormal_shape",
    "loss_recovery_ms",
    "md1_mean_response_ms",
    "metres_travelled",
    "mm1_rate_at_budget_per_s",
    "mm1_response_percentile_ms",
    "mmc_mean_response_ms",
    "monthly_cost",
    "monthly_gigabytes",
    "network",
    "offload_joules",
    "offload_wait_ms",
    "outage_figures",
    "outage_periods",
    "percentiles",
    "pipeline_check",
    "presets",
    "prices",
    "propagation_rtt_ms",
    "rate_at_budget_per_s",
    "citation",
    "read_table",
    "reference_ms",
    "region_rtts",
    "request_stages",
    "simulate_cloud",
    "simulate_edge",
    "simulate_outages",
    "simulate_server",
    "slow_start_ms",
    "tail_recovery_ms",
    "transmit_ms",
    "utilisation",
]

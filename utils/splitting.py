"""Notebook 07, appendix A9: where to split a network between device and server (Neurosurgeon).

Run the first layers on the device, send the activation at the split over the network, run the
rest on the server. Each split point costs: device time up to it, plus (unless everything runs
on the device) one request carrying that activation, plus server time for the rest. The best
split depends on the bandwidth, the round trip and how fast each side is: Kang et al.,
"Neurosurgeon", ASPLOS 2017.

:func:`measure_split_points` times the prefixes of a trained Keras model on this machine (a
Keras sub-model from the input to each layer's output); the rest is arithmetic on those times
and on each activation's size, float32 (4 bytes a value) or int8 (1 byte).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from utils import latency, measure

BYTES_PER_VALUE = {"float32": 4, "int8": 1}


@dataclasses.dataclass(frozen=True)
class SplitPoint:
    """Split after ``name`` ("input": send the image; the last layer: everything on the device)."""

    name: str
    layers: int  # layers that run on the device (0: the input is sent as it is)
    values: int  # values of the activation sent at this split, per image
    edge_ms: float  # time here to compute everything up to this point (0 for the input)


def measure_split_points(model, runs: int, warmup: int) -> list[SplitPoint]:
    """Time, on this machine, the model's prefix up to every layer (the model is a chain of
    layers, like the course's CNN). A prefix's time is its measured median less the median of a
    call that computes nothing (the fixed cost of calling a compiled function); the times are
    made non-decreasing, as computing more cannot take less time."""
    import tensorflow as tf
    import tf_keras as keras

    from utils import inference

    sizes = inference.activation_sizes(model)
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    if len(sizes) != len(layers) + 1:
        raise ValueError(
            f"{model.name} is not a plain chain of layers (it has nested models); "
            "split a flat model such as training.small_cnn."
        )
    image = tf.zeros((1, *model.input_shape[1:]))
    calls = {"nothing": tf.function(lambda x: tf.identity(x))}
    for layer in layers:
        prefix = keras.Model(model.input, layer.output)
        calls[layer.name] = tf.function(lambda x, prefix=prefix: prefix(x, training=False))
    timings = measure.time_in_turns(
        {name: (lambda call=call: call(image)) for name, call in calls.items()}, runs, warmup
    )
    overhead = timings.pop("nothing").median_ms
    edge = np.maximum.accumulate([max(0.0, t.median_ms - overhead) for t in timings.values()])
    points = [SplitPoint(sizes[0][0], 0, sizes[0][1], 0.0)]
    return points + [
        SplitPoint(name, index, values, float(ms))
        for index, ((name, values), ms) in enumerate(zip(sizes[1:], edge), start=1)
    ]


def rescaled(points: list[SplitPoint], total_ms: float) -> list[SplitPoint]:
    """The same points with every time scaled so that the whole model takes ``total_ms``: each
    layer keeps its measured share, the total comes from another runtime (e.g. LiteRT)."""
    if not total_ms >= 0 or not points or points[-1].edge_ms <= 0:
        raise ValueError(
            f"total_ms={total_ms!r}: give a time of 0 ms or more for measured split points."
        )
    scale = total_ms / points[-1].edge_ms
    return [dataclasses.replace(point, edge_ms=point.edge_ms * scale) for point in points]


def transfer_bytes(
    point: SplitPoint, dtype: str = "float32", input_bytes: float | None = None
) -> float:
    """Bytes sent at ``point``: an activation of ``dtype`` values, or the input image (its
    uint8 pixels, or ``input_bytes`` such as a JPEG's size)."""
    if dtype not in BYTES_PER_VALUE:
        raise ValueError(f"dtype={dtype!r}; use one of {', '.join(BYTES_PER_VALUE)}.")
    if point.layers == 0:
        return float(point.values if input_bytes is None else input_bytes)
    return float(point.values * BYTES_PER_VALUE[dtype])


def split_latency(
    points: list[SplitPoint],
    network: latency.Network,
    *,
    edge_factor: float = 1.0,
    server_factor: float = 1.0,
    dtype: str = "float32",
    input_bytes: float | None = None,
    result_bytes: float = 64,
    server_floor_ms: float = 0.0,
) -> np.ndarray:
    """Median latency (ms) of one image for each split point, in order. The last point runs
    everything on the device and sends nothing; every other one makes one cloud request
    (:func:`latency.cloud_breakdown`) whose server time is the rest of the model: its time here
    × ``server_factor``, never less than ``server_floor_ms`` (a GPU's per-request time,
    :attr:`latency.Device.floor_ms`)."""
    if not points:
        raise ValueError(
            "No split points: measure them first with measure_split_points(model, ...)."
        )
    if not server_floor_ms >= 0:
        raise ValueError(f"server_floor_ms={server_floor_ms!r}: give a time of 0 ms or more.")
    total = points[-1].edge_ms
    result = []
    for point in points[:-1]:
        server_ms = max((total - point.edge_ms) * server_factor, server_floor_ms)
        request = latency.cloud_breakdown(
            transfer_bytes(point, dtype, input_bytes), network, server_ms, result_bytes=result_bytes
        )
        result.append(point.edge_ms * edge_factor + sum(request.values()))
    return np.array(result + [total * edge_factor])


def best_split(
    points: list[SplitPoint], network: latency.Network, **options
) -> tuple[SplitPoint, float]:
    """The split point with the lowest latency, and that latency (ms)."""
    times = split_latency(points, network, **options)
    best = int(np.argmin(times))
    return points[best], float(times[best])


def phase_diagram(
    points: list[SplitPoint], network: latency.Network, uplinks_mbps, edge_factors, **options
) -> np.ndarray:
    """Index of the best split point for every (edge factor, uplink bandwidth) pair: an array of
    shape ``(len(edge_factors), len(uplinks_mbps))``, for the network's round-trip time."""
    grid = np.empty((len(edge_factors), len(uplinks_mbps)), int)
    for row, factor in enumerate(edge_factors):
        for column, mbps in enumerate(uplinks_mbps):
            link = dataclasses.replace(network, uplink_mbps=float(mbps))
            grid[row, column] = int(
                np.argmin(split_latency(points, link, edge_factor=factor, **options))
            )
    return grid

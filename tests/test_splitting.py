"""Split points: measured prefixes of a Keras model, and the arithmetic of where to split."""

import numpy as np
import pytest

from utils import latency, splitting

POINTS = [  # a hand-made model: two layers, the first one shrinks the data
    splitting.SplitPoint("image", 0, 1000, 0.0),
    splitting.SplitPoint("features", 1, 100, 8.0),
    splitting.SplitPoint("probabilities", 2, 3, 10.0),
]
LINK = latency.Network("test", uplink_mbps=8, downlink_mbps=8, rtt_ms=1, loss=0, source="hand")


def test_transfer_bytes_of_activations_and_of_the_input():
    assert splitting.transfer_bytes(POINTS[1], "float32") == 400
    assert splitting.transfer_bytes(POINTS[1], "int8") == 100
    assert (
        splitting.transfer_bytes(POINTS[0], "float32") == 1000
    )  # uint8 pixels, whatever the dtype
    assert splitting.transfer_bytes(POINTS[0], input_bytes=120) == 120  # e.g. a JPEG
    with pytest.raises(ValueError, match="dtype='int4'"):
        splitting.transfer_bytes(POINTS[1], "int4")


def test_split_latency_by_hand():
    times = splitting.split_latency(
        POINTS, LINK, edge_factor=2, server_factor=0.5, dtype="int8", result_bytes=100
    )
    down = 100 * 8 / 8e3  # ms for the answer
    assert times[0] == pytest.approx(1000 * 8 / 8e3 + 1 + 10 * 0.5 + down)  # send the image
    assert times[1] == pytest.approx(8 * 2 + 100 * 8 / 8e3 + 1 + 2 * 0.5 + down)
    assert times[2] == pytest.approx(10 * 2)  # everything on the device: no network


def test_the_best_split_moves_to_the_server_as_bandwidth_grows():
    slow = latency.Network("slow", 0.01, 0.01, 1, 0, "hand")
    fast = latency.Network("fast", 1000, 1000, 1, 0, "hand")
    assert splitting.best_split(POINTS, slow, server_factor=0.1)[0].name == "probabilities"
    assert splitting.best_split(POINTS, fast, server_factor=0.1)[0].name == "image"
    grid = splitting.phase_diagram(POINTS, LINK, [0.01, 1, 1000], [0.1, 10, 1000])
    assert grid.shape == (3, 3)
    assert (
        grid[0, 0] == 2 and grid[-1, -1] == 0
    )  # fast device, slow link: edge; the opposite: cloud
    assert np.all(np.diff(grid, axis=1) <= 0)  # more bandwidth never moves the split later


def test_rescaled_points_keep_each_layers_share():
    scaled = splitting.rescaled(POINTS, 5.0)
    assert [p.edge_ms for p in scaled] == pytest.approx([0.0, 4.0, 5.0])
    assert [(p.name, p.values) for p in scaled] == [(p.name, p.values) for p in POINTS]
    with pytest.raises(ValueError, match="total_ms=-1"):
        splitting.rescaled(POINTS, -1)


def test_no_points_is_named():
    with pytest.raises(ValueError, match="measure them first"):
        splitting.split_latency([], LINK)


def test_measured_split_points_follow_the_models_layers():
    from utils import inference, training

    model = training.small_cnn(3, 16, (4, 8))
    points = splitting.measure_split_points(model, runs=3, warmup=1)
    sizes = inference.activation_sizes(model)
    assert [(p.name, p.values) for p in points] == sizes
    assert [p.layers for p in points] == list(range(len(sizes)))
    edge = [p.edge_ms for p in points]
    assert edge[0] == 0 and edge == sorted(edge) and edge[-1] > 0


def test_a_nested_model_is_refused():
    import tf_keras as keras

    from utils import training

    inner = training.small_cnn(3, 16, (4,))
    outer = keras.Sequential([keras.Input((16, 16, 3)), inner])
    with pytest.raises(ValueError, match="not a plain chain"):
        splitting.measure_split_points(outer, runs=2, warmup=0)


def test_a_server_floor_is_the_least_any_request_pays_on_the_server():
    free = splitting.split_latency(POINTS, LINK, server_factor=0.0)
    floored = splitting.split_latency(POINTS, LINK, server_factor=0.0, server_floor_ms=0.47)
    assert floored[:-1] == pytest.approx(free[:-1] + 0.47)  # every request pays the floor
    assert floored[-1] == free[-1]  # all on the device: no request, no floor
    with pytest.raises(ValueError, match="server_floor_ms"):
        splitting.split_latency(POINTS, LINK, server_floor_ms=-1)

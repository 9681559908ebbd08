"""The int8 convolution of notebook 05: the course's staged reference (utils.quantization) and the
checker that names the first step a student's version gets wrong (exercises.check_int8_conv).
Expectations worked out by hand on quantization.tie_probe(), a 2×2×2 input and four channels."""

import numpy as np
import pytest

from utils import exercises, quantization

# tie_probe(): x_zero 3, so x − x_zero is [1, −1] [0, 0] / [2, −2] [−1, 3]; y_zero −10, fused ReLU.
ACCUMULATOR = [[[1, 2, -4, 0], [0, 3, -1, 0]], [[2, 1, -7, 0], [-1, 9, 2, 254]]]
SCALED = [
    [[0.5, 1.0, -1.0, 0.0], [0.0, 1.5, -0.25, 0.0]],
    [[1.0, 0.5, -1.75, 0.0], [-0.5, 4.5, 0.5, 254.0]],
]
# rint (a tie to even) + (−10), clamped to [−10, 127]: 0.5 → 0, 1.5 → 2, 4.5 → 4, 254 − 10 → 127.
OUTPUT = [[[-10, -9, -10, -10], [-10, -8, -10, -10]], [[-9, -10, -10, -10], [-10, -6, -10, 127]]]


def solution(
    x,
    layer,
    *,
    rounding=np.rint,
    x_zero=None,
    bias=True,
    y_zero=None,
    low=None,
    pad_raw=False,
    float64=False,
    clip=True,
):
    """A student's int8 convolution; each keyword plants one typical mistake."""
    zx = layer["x_zero"] if x_zero is None else x_zero
    w = layer["weights"].astype(np.int64)
    if pad_raw:  # pads the stored int8 values with 0, then subtracts the zero point
        shifted = np.pad(x.astype(np.int64), ((0, 0), (1, 1), (1, 1), (0, 0))) - zx
    else:
        shifted = np.pad(x.astype(np.int64) - zx, ((0, 0), (1, 1), (1, 1), (0, 0)))
    h, wd = x.shape[1:3]
    acc = np.zeros(x.shape[:3] + (len(w),), np.int64)
    for i in range(3):
        for j in range(3):
            acc += np.einsum("nhwc,oc->nhwo", shifted[:, i : i + h, j : j + wd], w[:, i, j])
    if bias:
        acc += layer["bias"]
    if float64:
        multiplier = layer["x_scale"] * layer["w_scales"].astype(np.float64) / layer["y_scale"]
        scaled = acc * multiplier
    else:
        multiplier = (
            np.float32(layer["x_scale"]) * layer["w_scales"].astype(np.float32)
        ) / np.float32(layer["y_scale"])
        scaled = acc.astype(np.float32) * multiplier
    zy = layer["y_zero"] if y_zero is None else y_zero
    out = rounding(scaled) + zy
    if clip:
        out = np.clip(out, layer["y_zero"] if low is None else low, 127)
    return {
        "accumulator": acc.astype(np.int32),
        "multiplier": multiplier,
        "scaled": scaled,
        "output": out.astype(np.int8),
    }


def test_the_staged_reference_by_hand():
    x, layer = quantization.tie_probe()
    stages = quantization.int8_conv_stages(x, layer)
    assert stages["accumulator"][0].tolist() == ACCUMULATOR
    assert stages["multiplier"].tolist() == [0.5, 0.5, 0.25, 1.0]
    assert stages["scaled"][0].tolist() == SCALED
    assert stages["output"][0].tolist() == OUTPUT and stages["output"].dtype == np.int8


def test_tflite_fixed_point_rounds_ties_otherwise():
    # × 0.5 (quantized 2^30, shift 0): the doubling high multiply rounds a tie up: 0.5 → 1, 1.5 → 2,
    # −0.5 → 0, −1.5 → −1; np.rint gives 0, 2, −0, −2.
    assert quantization.multiply_by_quantized_multiplier([[1, 3, -1, -3]], [0.5] * 4).tolist() == [
        [1, 2, 0, -1]
    ]
    # × 0.25 (shift −1): then RoundingDivideByPOT sends the tie away from zero:
    # 0.5 → 1, −0.5 → −1, 1.5 → 2.
    assert quantization.multiply_by_quantized_multiplier([[2, -2, 6]], [0.25] * 3).tolist() == [
        [1, -1, 2]
    ]
    assert quantization.quantize_multiplier(0.25) == (1 << 30, -1)
    x, layer = quantization.tie_probe()
    builtin = quantization.int8_conv_stages(x, layer, "builtin")["output"][0]
    assert builtin[0, 0].tolist() == [-9, -9, -10, -10]  # channel 0: 0.5 → 1, where rint gives 0


def test_the_right_answer_passes(capsys):
    x, layer = quantization.tie_probe()
    exercises.check_int8_conv(solution, x, layer, np.array([OUTPUT], np.int8))
    assert "bit-exact" in capsys.readouterr().out


@pytest.mark.parametrize(
    "mistake, step, words",
    [
        ({"rounding": np.floor}, "rounding", "np.floor"),
        ({"rounding": quantization.round_half_away}, "rounding", "even neighbour"),
        ({"rounding": np.trunc}, "rounding", "astype\\(int\\)"),
        ({"x_zero": 0}, "zero point of the input", "subtract the input's zero point"),
        ({"bias": False}, "bias", "int32 bias"),
        ({"pad_raw": True}, "padding", "pads with the real 0"),
        ({"y_zero": 0}, "output zero point", "add the output zero point"),
        ({"y_zero": 10}, "output zero point", "added, not subtracted"),
        ({"low": -128}, "clamp", "fused ReLU"),
        ({"clip": False}, "clamp", "wrap around"),
    ],
)
def test_a_mistake_is_caught_and_its_step_named(mistake, step, words):
    x, layer = quantization.tie_probe()
    with pytest.raises(exercises.NotYet, match=f"first step that differs is the {step}: .*{words}"):
        exercises.check_int8_conv(
            lambda x_, layer_: solution(x_, layer_, **mistake),
            x,
            layer,
            np.array([OUTPUT], np.int8),
        )


def test_right_on_the_layer_but_wrong_on_ties_is_caught():
    x, layer = quantization.tie_probe()
    layer = {
        **layer,
        "w_scales": np.full(4, 2.0, np.float32),
    }  # multiplier 1: no ties in this layer
    expected = quantization.int8_conv_stages(x, layer)["output"]
    half_away = lambda x_, layer_: solution(x_, layer_, rounding=quantization.round_half_away)  # noqa: E731
    with pytest.raises(exercises.NotYet, match="small layer made of ties.*rounding.*even"):
        exercises.check_int8_conv(half_away, x, layer, expected)


def test_float64_requantization_is_named():
    # Search scales for which float64 and float32 round one accumulator differently (seeded).
    rng = np.random.default_rng(0)
    x = np.array([[[[1]]]], np.int8)
    for _ in range(200_000):
        acc = int(rng.integers(1, 20_000))
        scales = rng.uniform(0.001, 0.1, 3)
        layer = {
            "weights": np.zeros((1, 3, 3, 1), np.int8),
            "bias": np.array([acc], np.int32),
            "x_scale": float(scales[0]),
            "x_zero": 1,
            "w_scales": np.array([scales[1]], np.float32),
            "y_scale": float(scales[2]),
            "y_zero": 0,
            "relu": False,
        }
        f32 = quantization.int8_conv_stages(x, layer)["output"]
        if (
            -128 < int(f32.ravel()[0]) < 127
            and solution(x, layer, float64=True)["output"].ravel()[0] != f32.ravel()[0]
        ):
            break
    else:
        pytest.fail("no case found where float64 and float32 requantization differ")
    with pytest.raises(exercises.NotYet, match="requantize: the kernel computes in float32"):
        exercises.check_int8_conv(
            lambda x_, layer_: solution(x_, layer_, float64=True), x, layer, f32
        )


def test_a_runtime_with_fixed_point_kernels_gets_its_own_hint(capsys):
    x, layer = quantization.tie_probe()
    builtin = quantization.int8_conv_stages(x, layer, "builtin")["output"]
    with pytest.raises(exercises.NotYet, match="fixed-point"):
        exercises.check_int8_conv(solution, x, layer, builtin)
    exercises.check_int8_conv(
        lambda x_, layer_: quantization.int8_conv_stages(x_, layer_, "builtin"), x, layer, builtin
    )
    assert "bit-exact" in capsys.readouterr().out


def test_not_a_function_or_not_stages():
    x, layer = quantization.tie_probe()
    with pytest.raises(exercises.NotYet, match="function"):
        exercises.check_int8_conv(solution(x, layer), x, layer, np.array([OUTPUT], np.int8))
    with pytest.raises(exercises.NotYet, match="dict with the keys"):
        exercises.check_int8_conv(
            lambda x_, layer_: np.zeros((1, 2, 2, 4), np.int8),
            x,
            layer,
            np.array([OUTPUT], np.int8),
        )


def with_stage(**changes):
    """The right solution with some stages replaced, as a student's function returning them."""

    def student(x, layer):
        stages = solution(x, layer)
        for key, change in changes.items():
            stages[key] = change(stages[key])
        return stages

    return student


@pytest.mark.parametrize(
    "changes, step, words",
    [
        ({"multiplier": lambda m: np.float32(m.mean())}, "requantize", "one per output channel"),
        ({"multiplier": lambda m: 1 / m}, "requantize", "inverse"),
        ({"accumulator": lambda a: a[:, :1]}, "accumulate", r"\(out, 3, 3, in\)"),
        ({"output": lambda o: o.astype(np.int32)}, "output", r"astype\(np.int8\)"),
    ],
)
def test_other_stages_are_named(changes, step, words):
    x, layer = quantization.tie_probe()
    student = with_stage(**changes)
    if "output" in changes:  # right values in the wrong dtype: no other stage differs
        with pytest.raises(exercises.NotYet, match=words):
            exercises.check_int8_conv(student, x, layer, np.array([OUTPUT], np.int8))
        return

    # a stage wrong while the output is wrong too: the output is recomputed from the bad stage
    def wrong(x_, layer_):
        stages = student(x_, layer_)
        stages["output"] = np.zeros_like(stages["output"])
        return stages

    with pytest.raises(exercises.NotYet, match=f"first step that differs is the {step}: .*{words}"):
        exercises.check_int8_conv(wrong, x, layer, np.array([OUTPUT], np.int8))

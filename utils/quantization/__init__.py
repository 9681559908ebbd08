"""Notebook 05: int8 with TFLite, converting a Keras model, running it in the LiteRT interpreter,
and measuring what each format does to size, accuracy and latency.

The rooms: :mod:`~utils.quantization.recipe` (generated from notebook 05's ``#@save`` cell: the
formats and :func:`convert`), :mod:`~utils.quantization.conversion` (calibration images and the
float ↔ int8 mapping), :mod:`~utils.quantization.calibration` (the ranges calibration recorded
and the scales and zero points the converter wrote from them),
:mod:`~utils.quantization.litert` (the interpreter: predictions, accuracy,
latency, int8 weights), :mod:`~utils.quantization.footprint` (file sizes and activation memory),
:mod:`~utils.quantization.variants` (the variant grid that notebook 08 reads too),
:mod:`~utils.quantization.references` (reference networks and published figures),
:mod:`~utils.quantization.int8_conv` (one int8 convolution by hand),
:mod:`~utils.quantization.fp8` (8-bit floats against int8), :mod:`~utils.quantization.lowbit`
(appendix A7: weights down to 2 bits, the cliff) and :mod:`~utils.quantization.quantizer`
(appendix A10: the two-step path, a float32 file quantized by ``litert_quantizer``). The names
below are the ones notebooks, tests and the other modules use as ``quantization.<name>``.
"""

from utils.quantization.calibration import (
    calibrate,
    float_weights,
    observed_ranges,
    requantize,
    written_for,
    written_params,
)
from utils.quantization.conversion import calibration_images, dequantize, quantize, round_half_away
from utils.quantization.footprint import activation_bytes, peak_live_bytes, sizes
from utils.quantization.fp8 import FP8_DTYPES, WEIGHT_FORMATS, round_weights, rounding_errors
from utils.quantization.lowbit import (
    GRANULARITIES,
    LOWBIT_BITS,
    cliff,
    cliff_verdict,
    fake_quantize,
    lowbit_row,
    lowbit_sweep,
    quantized_weights_model,
)
from utils.quantization.int8_conv import (
    CONV_STAGES,
    conv_accumulator,
    conv_multiplier,
    int8_conv_stages,
    multiply_by_quantized_multiplier,
    quantize_multiplier,
    tie_probe,
)
from utils.quantization.litert import (
    APIS,
    KERNELS,
    api_latencies,
    check_api,
    LiteModel,
    evaluate,
    latencies,
    quantize_in_litert,
    quantized_tensors,
    split_arrays,
)
from utils.quantization.quantizer import QUANTIZER_FORMAT
from utils.quantization.recipe import FORMATS, convert, representative_images
from utils.quantization.references import (
    REFERENCE_CALIBRATION,
    published_latencies,
    published_quantization_results,
    reference_latencies,
    reference_models,
)
from utils.quantization.variants import (
    CALIBRATION_IMAGES,
    GRID_FILE,
    GRID_FILTERS_REMOVED,
    GRID_FORMATS,
    GRID_SPARSITIES,
    RUNS_PER_TIMING,
    filters_removed_model,
    grid,
    grid_row,
    variant_flops,
    variant_scores,
)

__all__ = [
    "calibrate",
    "float_weights",
    "observed_ranges",
    "requantize",
    "written_for",
    "written_params",
    "calibration_images",
    "dequantize",
    "quantize",
    "round_half_away",
    "activation_bytes",
    "peak_live_bytes",
    "sizes",
    "FP8_DTYPES",
    "WEIGHT_FORMATS",
    "round_weights",
    "rounding_errors",
    "GRANULARITIES",
    "LOWBIT_BITS",
    "cliff",
    "cliff_verdict",
    "fake_quantize",
    "lowbit_row",
    "lowbit_sweep",
    "quantized_weights_model",
    "CONV_STAGES",
    "conv_accumulator",
    "conv_multiplier",
    "int8_conv_stages",
    "multiply_by_quantized_multiplier",
    "quantize_multiplier",
    "tie_probe",
    "APIS",
    "KERNELS",
    "api_latencies",
    "check_api",
    "LiteModel",
    "evaluate",
    "latencies",
    "quantize_in_litert",
    "quantized_tensors",
    "split_arrays",
    "QUANTIZER_FORMAT",
    "FORMATS",
    "convert",
    "representative_images",
    "REFERENCE_CALIBRATION",
    "published_latencies",
    "published_quantization_results",
    "reference_latencies",
    "reference_models",
    "CALIBRATION_IMAGES",
    "GRID_FILE",
    "GRID_FILTERS_REMOVED",
    "GRID_FORMATS",
    "GRID_SPARSITIES",
    "RUNS_PER_TIMING",
    "filters_removed_model",
    "grid",
    "grid_row",
    "variant_flops",
    "variant_scores",
]

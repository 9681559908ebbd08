"""Notebooks 06-08: what one cloud request sends: the model's input crop, encoded as JPEG."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from utils import measure

JPEG_QUALITY = 75  # Pillow's default JPEG quality
PAYLOAD_CROPS = 64  # test images whose median JPEG size is one request's payload


def encode_jpeg(image: np.ndarray, quality: int = JPEG_QUALITY) -> bytes:
    """An RGB uint8 image as the bytes of a JPEG file at ``quality`` (1-95, Pillow's scale)."""
    if not 1 <= quality <= 95:
        raise ValueError(f"quality={quality!r}: Pillow's JPEG quality runs from 1 to 95.")
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(image, np.uint8)).save(buffer, "JPEG", quality=int(quality))
    return buffer.getvalue()


def crop_payload_bytes(crops, quality: int = JPEG_QUALITY) -> float:
    """The payload of one cloud request, as notebooks 06, 07 and 08 define it: the median size of
    the model's input crops (uint8, height × width × 3; the course takes :data:`PAYLOAD_CROPS`
    test images) encoded as JPEG at ``quality``."""
    sizes = [len(encode_jpeg(crop, quality)) for crop in crops]
    if not sizes:
        raise ValueError(
            "No crops to measure: pass at least one image (uint8, height × width × 3)."
        )
    return float(measure.percentile(sizes, 50))

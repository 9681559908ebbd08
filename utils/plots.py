"""Notebooks 01-03: plotting boilerplate they share (the lesson's own plots stay in them)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def image_grid(images, titles=None, columns: int = 8, size: float = 1.4, row_labels=None):
    """Show images (uint8 or floats in 0..1) in a grid, with optional titles and row labels."""
    images = [np.asarray(i) for i in images]
    rows = max(1, -(-len(images) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(columns * size, rows * size), squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
        if index < len(images):
            ax.imshow(images[index])
            if titles is not None:
                ax.set_title(titles[index], fontsize=8)
    if row_labels is not None:
        for row, label in enumerate(row_labels):
            axes[row, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    fig.tight_layout()
    return fig

"""PNG figures: the Agg backend, and atomic saving."""
from __future__ import annotations

import os
from pathlib import Path

from fileio.atomic import atomic_path


def figure(width: float, height: float):
    """(fig, ax) on the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height))


def save_png(fig, path: str | os.PathLike) -> Path:
    """Write the figure as PNG under a temporary name, rename it into place, and close it."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)
    return path

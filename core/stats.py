"""The one percentile of the product: numpy's, linear interpolation between closest ranks.

>>> percentile([10.0, 20.0, 30.0, 40.0], 50)
25.0
>>> percentile([], 95) is None
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) of ``values``; None if there are none."""
    if not values:
        return None
    return float(np.percentile(np.asarray(values, dtype=float), q))

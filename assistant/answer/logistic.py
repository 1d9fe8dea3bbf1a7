"""A fitted logistic regression over named, standardised features, applied with numpy alone: the
answer selector (``selection.Selector``) and the refusal model (``refusal.Refusal``) are each one,
fitted by ``study fit-selector`` (scikit-learn) and shipped as JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

import numpy as np


@dataclass(frozen=True)
class Logistic:
    """Weights over standardised features, and the threshold its owner decides at."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float

    def probability(self, rows: np.ndarray) -> np.ndarray:
        """The probability of each row (one row per case or candidate, columns in feature order)."""
        z = ((rows - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    @classmethod
    def read(cls, data: dict[str, object], features: tuple[str, ...], what: str) -> Self:
        """From its JSON form; a ValueError when it was fitted over other ``features`` than this code's."""
        names = tuple(str(n) for n in data["features"])  # type: ignore[attr-defined]
        if names != features:
            raise ValueError(f"{what} features {names} are not this code's {features}: refit it")
        return cls(
            mean=np.asarray(data["mean"], float),
            scale=np.asarray(data["scale"], float),
            coef=np.asarray(data["coef"], float),
            intercept=float(data["intercept"]),  # type: ignore[arg-type]
            threshold=float(data["threshold"]),  # type: ignore[arg-type]
        )

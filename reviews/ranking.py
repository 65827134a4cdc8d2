"""How reviews are ranked: the Wilson score lower bound of their helpful votes."""

from __future__ import annotations

import math

Z_95 = 1.959963984540054  # the two-sided 95% quantile of the standard normal distribution


def wilson_lower_bound(positive: int, total: int, *, z: float = Z_95) -> float:
    """The lower bound of the Wilson score interval for ``positive / total`` (0 when no votes).

    A review with 9 helpful votes out of 10 ranks above one with 1 out of 1: the bound is
    cautious with few votes. https://www.evanmiller.org/how-not-to-sort-by-average-rating.html
    """
    if total <= 0:
        return 0.0
    phat = positive / total
    z2 = z * z
    centre = phat + z2 / (2 * total)
    margin = z * math.sqrt((phat * (1 - phat) + z2 / (4 * total)) / total)
    return max(0.0, (centre - margin) / (1 + z2 / total))

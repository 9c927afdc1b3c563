"""The t quantile of analytics.measures.distributions against scipy.special.stdtrit (what it
replaces in the confidence intervals), against closed forms, and at its edges."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import stdtrit

from analytics.measures.distributions import t_quantile

# df from 1 to 1e7, integer and not: every regime of the incomplete beta function (the
# continued fractions below and above df = 30, the asymptotic expansion beyond).
DFS = np.unique(
    np.concatenate(
        [
            np.arange(1, 101),
            [149, 413, 999, 2499, 10_000, 249_999, 1_000_000, 9_999_999, 10_000_000],
            np.geomspace(1, 1e7, 60),
            np.geomspace(1.01, 9.9e6, 40) + 0.37,
            [1.5, 2.5, 14.9, 15.1, 29.9, 30.1],
        ]
    )
)
# Both tails to 1e-100 and the body; near p = 1/2 see test_near_one_half.
PS = np.array(
    [1e-100, 1e-30, 1e-12, 1e-6, 1e-3, 0.01, 0.025, 0.05, 0.1, 0.2, 0.25, 0.3, 0.4, 0.45]
    + [0.55, 0.6, 0.7, 0.75, 0.8, 0.9, 0.95, 0.975, 0.99, 0.999, 1 - 1e-6, 1 - 1e-12]
)


def _relative(ours, reference):
    return np.abs(np.asarray(ours) - reference) / np.abs(reference)


def test_equals_scipy_over_a_grid_of_df_and_p():
    df, p = np.meshgrid(DFS, PS, indexing="ij")
    ours = t_quantile(df, p)
    assert ours.shape == df.shape
    # scipy's own root finder gives up beyond |t| = 1e60 or so (df < 3 far in the tail).
    comparable = np.abs(stdtrit(df, p)) < 1e60
    assert comparable.mean() > 0.98
    worst = _relative(ours, stdtrit(df, p))[comparable].max()
    assert worst <= 1e-12


def test_the_confidence_intervals_quantile_for_every_n_up_to_100_000():
    df = np.arange(1, 100_000, dtype=float)
    assert _relative(t_quantile(df, 0.975), stdtrit(df, 0.975)).max() <= 1e-12


@pytest.mark.parametrize("p", [1e-300, 1e-20, 0.01, 0.3, 0.4999, 0.6, 0.975, 1 - 2**-53])
def test_df_1_is_the_cauchy_quantile(p):
    # tan(pi (p - 1/2)), written as -1 / tan(pi p) in the tails, where p - 1/2 loses p's digits.
    if abs(p - 0.5) <= 0.25:
        expected = math.tan(math.pi * (p - 0.5))
    else:
        expected = math.copysign(1 / math.tan(math.pi * min(p, 1 - p)), p - 0.5)
    assert t_quantile(1, p) == pytest.approx(expected, rel=1e-14)
    if p > 1e-100:
        assert t_quantile(1, p) == pytest.approx(float(stdtrit(1, p)), rel=1e-12)


@pytest.mark.parametrize("p", [1e-300, 1e-20, 0.01, 0.3, 0.4999, 0.6, 0.975, 1 - 2**-53])
def test_df_2_has_its_closed_form(p):
    assert t_quantile(2, p) == pytest.approx((2 * p - 1) / math.sqrt(2 * p * (1 - p)), rel=1e-14)
    assert t_quantile(2, p) == pytest.approx(float(stdtrit(2, p)), rel=1e-12)


@pytest.mark.parametrize("df", [1, 2, 3, 4.5, 17, 30, 31, 1000, 1e5, 1e7])
@pytest.mark.parametrize("centre", [2**-50, 1e-12, 1e-7, 1e-4])
def test_near_one_half(df, centre):
    """t = c / f(0) + (df + 1)/(6 df) (c / f(0))^3 + O(c^5) for p = 1/2 + c, f(0) the density
    at 0. scipy's quantile loses digits here (by 4e-4 at df = 4, p = 0.4999999), so the
    series is the reference."""
    density = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)
    first = centre / density
    expected = first + (df + 1) / (6 * df) * first**3
    assert t_quantile(df, 0.5 + centre) == pytest.approx(expected, rel=1e-13)
    assert t_quantile(df, 0.5 - centre) == pytest.approx(-expected, rel=1e-13)


@pytest.mark.parametrize("df", [1, 2, 2.5, 7, 29, 31, 123.4, 1e6])
def test_symmetry(df):
    for p in [1 - 2**-40, 1 - 1e-6, 0.975, 0.8, 0.625, 0.5001]:
        assert t_quantile(df, p) == -t_quantile(df, 1 - p)  # 1 - p is exact for p >= 1/2


def test_far_tails_and_huge_df():
    # Large df: the normal quantile, to the order 1/df (Cornish-Fisher's first term).
    z = 1.959963984540054
    for df in [1e7, 1e9]:
        expected = z + (z**3 + z) / (4 * df)
        assert t_quantile(df, 0.975) == pytest.approx(expected, rel=1e-12)
    assert t_quantile(math.inf, 0.975) == pytest.approx(z, rel=1e-15)
    # Far in the tails of small df, where |t| is beyond what scipy solves for.
    assert t_quantile(1, 1e-300) == pytest.approx(-1 / (math.pi * 1e-300), rel=1e-14)
    assert t_quantile(2, 1e-300) == pytest.approx(-1 / math.sqrt(2e-300), rel=1e-14)
    for df in [3, 10, 100, 1e4]:
        t = t_quantile(df, 1e-300)
        assert math.isfinite(t) and t < 0
        assert t_quantile(df, 1 - 1e-16) > 0


def test_edges_and_shapes():
    assert t_quantile(5, 0.5) == 0.0
    assert t_quantile(5, 0.0) == -math.inf
    assert t_quantile(5, 1.0) == math.inf
    for df, p in [(0, 0.3), (-1, 0.3), (5, -0.1), (5, 1.1), (math.nan, 0.3), (5, math.nan)]:
        assert math.isnan(t_quantile(df, p))
    assert isinstance(t_quantile(12, 0.975), float)
    grid = t_quantile(np.array([[1.0], [9.0]]), np.array([0.025, 0.975]))
    assert grid.shape == (2, 2)
    assert grid[1, 1] == pytest.approx(float(stdtrit(9, 0.975)), rel=1e-12)
    assert t_quantile(np.array([], dtype=float), 0.975).shape == (0,)
    # df below 1 is solved too (the scores never ask for it).
    for df in [0.1, 0.5, 0.9]:
        assert t_quantile(df, 0.9) == pytest.approx(float(stdtrit(df, 0.9)), rel=1e-12)

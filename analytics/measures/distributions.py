"""The Student t quantile, t_quantile(df, p), the value scipy.special.stdtrit(df, p) gives
(scipy.stats.t.ppf(p, df)), without importing scipy: the scale statistics' 95% confidence
interval needs only this, and importing scipy.special costs a new process 0.1-0.2 s.

Method. By symmetry the quantile is solved for s = |t| > 0 against whichever probability is
the small one: the tail P(T > s) = I_x(df/2, 1/2) / 2 when min(p, 1 - p) < 1/4, else the
centre P(0 < T < s) = I_y(1/2, df/2) / 2 = |p - 1/2| (x = df / (df + s^2), y = 1 - x, both
computed from s^2 / df without cancellation; I is the regularised incomplete beta function).
Newton's method on log(probability) against log(s) (nearly linear, the tail being a power of
s) polishes the starting value of Hill's algorithm to full double precision in one to five
steps. The incomplete beta function (a = df/2) is evaluated
  - by its continued fraction (DLMF 8.17.22), with the modified Lentz method (Thompson and
    Barnett 1986; Numerical Recipes, 3rd ed., section 6.4), where it converges quickly and
    loses no digits: I_y(1/2, a) for small y (the centre), I_x(a, 1/2) beyond when df < 30,
    and for any df far in the tail (y >= 1/4);
  - for df >= 30 in between, where the fraction in x would lose the digits of y = 1 - x, by
    the asymptotic expansion in 1/df of DiDonato and Morris (1992, section 9; "BGRAT" of
    Algorithm 708), whose leading term for b = 1/2 is erfc(sqrt(z)), z = -(a - 1/4) log x.
The beta function's Gamma(a + 1/2) / Gamma(a) comes from the Stirling series (shifted up to
a >= 10 by the recurrence of Gamma), not from a difference of two math.lgamma values, which
would lose digits. df = 1 (Cauchy) and df = 2 have closed forms.

Sources:
  - G. W. Hill (1970). Algorithm 396: Student's t-quantiles. Communications of the ACM 13(10),
    619-620.
  - A. R. DiDonato and A. H. Morris (1992). Algorithm 708: Significant digit computation of the
    incomplete beta function ratios. ACM Transactions on Mathematical Software 18(3), 360-373.
  - I. J. Thompson and A. R. Barnett (1986). Coulomb and Bessel functions of complex arguments
    and order. Journal of Computational Physics 64, 490-509 (the modified Lentz method).
  - NIST Digital Library of Mathematical Functions, 8.17 (incomplete beta) and 5.11 (Stirling).

Accuracy against 40-digit mpmath (while it was written): about one unit in the last place at
p = 0.975, a few 1e-15 relative elsewhere, up to 1e-13 relative where |t| is beyond 1e10 (the
logarithm of |t| limits any double computation there). Agreement with
scipy.special.stdtrit: within 1e-12 relative for df from 1 to 1e7 and p from 1e-100 to
1 - 1e-12 (tests/test_distributions.py), scipy's own errors being most of it; scipy goes wrong
beyond |t| of about 1e60 (df < 3 far in the tail) and loses digits close to p = 1/2 (at df = 4,
p = 0.4999999, four parts in 10,000), where the tests take the quantile's series instead.
"""

from __future__ import annotations

import math
import sys
from statistics import NormalDist  # the standard library's, not analytics.measures.statistics

import numpy as np

_LOG_SQRT_PI = 0.5 * math.log(math.pi)
_EPSILON = 2.0**-52
_LOG_MAX = math.log(sys.float_info.max)
_TINY = 1e-300  # the modified Lentz method's stand-in for a zero denominator

# Stirling series of log Gamma(z) - ((z - 1/2) log z - z + log(2 pi) / 2): B_2k / (2k (2k - 1)).
_STIRLING = (
    1 / 12,
    -1 / 360,
    1 / 1260,
    -1 / 1680,
    1 / 1188,
    -691 / 360360,
    1 / 156,
    -3617 / 122400,
)
# BGRAT's coefficients c_n = 1 / (2n + 1)! and, for b = 1/2, d_n (DiDonato and Morris 1992,
# (9.8)-(9.9)): d_n = (b - 1) c_n + (1/n) sum_{i<n} (i b - n) c_i d_{n-i}.
_BGRAT_TERMS = 30
_C = [1 / math.factorial(2 * n + 1) for n in range(_BGRAT_TERMS + 1)]
_D = [0.0] * (_BGRAT_TERMS + 1)
for _n in range(1, _BGRAT_TERMS + 1):
    _D[_n] = -0.5 * _C[_n] + sum((0.5 * i - _n) * _C[i] * _D[_n - i] for i in range(1, _n)) / _n


def t_quantile(df, p):
    """The p quantile of Student's t distribution with df degrees of freedom: what
    scipy.special.stdtrit(df, p) computes. df > 0 and p may be numbers or numpy arrays
    (broadcast together); each distinct (df, p) pair is solved once. p = 0 and p = 1 give -inf
    and inf; p outside [0, 1], df <= 0 and NaN give NaN. A number for two numbers, else an
    array of floats."""
    dfs, ps = np.broadcast_arrays(np.asarray(df, dtype=float), np.asarray(p, dtype=float))
    solved: dict[tuple[float, float], float] = {}
    out = np.empty(dfs.shape, dtype=float)
    flat = out.reshape(-1)
    for i, key in enumerate(zip(dfs.ravel().tolist(), ps.ravel().tolist(), strict=True)):
        if key not in solved:
            solved[key] = _quantile(*key)
        flat[i] = solved[key]
    if out.ndim == 0:
        return float(out)
    return out


def _quantile(df: float, p: float) -> float:
    if math.isnan(df) or math.isnan(p) or df <= 0 or not 0 <= p <= 1:
        return math.nan
    if p == 0:
        return -math.inf
    if p == 1:
        return math.inf
    # Both exact in floating point: 1 - p for p >= 1/2 and p - 1/2 for 1/4 <= p <= 3/4.
    q = min(p, 1.0 - p)  # the tail beyond |t|
    centre = abs(p - 0.5)  # the probability between 0 and |t|
    if centre == 0:
        return 0.0
    sign = 1.0 if p > 0.5 else -1.0
    if df == 1:  # Cauchy: |t| = tan(pi centre) = 1 / tan(pi q)
        s = math.tan(math.pi * centre) if centre < 0.25 else 1.0 / math.tan(math.pi * q)
    elif df == 2:  # |t| = (2p - 1) / sqrt(2 p (1 - p))
        s = 2.0 * centre / math.sqrt(2.0 * q * (1.0 - q))
    elif math.isinf(df):
        s = -NormalDist().inv_cdf(q)
    else:
        s = _solve(df, q, centre)
    return sign * s


def _solve(df: float, q: float, centre: float) -> float:
    """|t| with P(T > |t|) = q, by Newton's method on log probability against log |t|."""
    in_tail = q < 0.25
    goal = q if in_tail else centre
    s = _hill(df, 2.0 * q) if df >= 1 else math.nan
    if not (s > 0 and math.isfinite(s)):
        s = _rough_start(df, q, centre, in_tail)
    w = math.log(s)
    for _ in range(100):
        if w >= _LOG_MAX:  # beyond the largest float
            return math.inf
        s = math.exp(w)
        tail, middle = _t_probabilities(df, s)
        probability = tail if in_tail else middle
        if not probability > 0:  # underflow, far past the root: back towards it
            w += -1.0 if in_tail else 1.0
            continue
        # d log P / d log s = -+ s f(s) / P.
        slope = math.exp(w + _log_density(df, s) - math.log(probability))
        # log(P / goal), not log P - log goal: two logarithms of a small number would each
        # carry a rounding error of the size of the logarithm.
        step = math.log(probability / goal) / (-slope if in_tail else slope)
        step = max(-1.0, min(1.0, step))  # at most a factor e per step
        w -= step
        if abs(step) < 1e-11:  # Newton's error is now of the order of step squared
            break
    return math.exp(w)


def _rough_start(df: float, q: float, centre: float, in_tail: bool) -> float:
    """|t| to within a factor of a few, where Hill's algorithm is not made for (df < 1): near
    the centre the probability is the density at 0 times |t|; in the tail, a power of |t|,
    P(T > s) ~ df^(df/2 - 1) s^-df / B(df/2, 1/2)."""
    if not in_tail:
        return centre / math.exp(_log_density(df, 0.0))
    a = 0.5 * df
    log_beta = _LOG_SQRT_PI - _log_gamma_excess(a) - 0.5 * math.log(a)
    log_s = ((a - 1.0) * math.log(df) - log_beta - math.log(q)) / df
    return math.exp(min(log_s, _LOG_MAX))


def _hill(df: float, two_tailed: float) -> float:
    """Hill's (1970) approximation of |t| with P(|T| > |t|) = two_tailed: a few significant
    digits, the starting value of Newton's method."""
    n, probability = df, two_tailed
    a = 1.0 / (n - 0.5)
    b = 48.0 / (a * a)
    c = ((20700.0 * a / b - 98.0) * a - 16.0) * a + 96.36
    d = ((94.5 / (b + c) - 3.0) / b + 1.0) * math.sqrt(a * math.pi / 2.0) * n
    log_y = (2.0 / n) * math.log(d * probability)
    if log_y < -100.0:  # far in the tail: |t| = sqrt(n / y) to the working precision
        return math.exp(0.5 * (math.log(n) - log_y))
    y = math.exp(log_y)
    if y > 0.05 + a:
        x = NormalDist().inv_cdf(0.5 * probability)  # the normal deviate, negative
        y = x * x
        if n < 5:
            c += 0.3 * (n - 4.5) * (x + 0.6)
        c = (((0.05 * d * x - 5.0) * x - 7.0) * x - 2.0) * x + b + c
        y = (((((0.4 * y + 6.3) * y + 36.0) * y + 94.5) / c - y - 3.0) / b + 1.0) * x
        y = math.expm1(a * y * y)
    else:
        y = (
            (1.0 / (((n + 6.0) / (n * y) - 0.089 * d - 0.822) * (n + 2.0) * 3.0) + 0.5 / (n + 4.0))
            * y
            - 1.0
        ) * (n + 1.0) / (n + 2.0) + 1.0 / y
    return math.sqrt(n * y)


def _log_gamma_excess(a: float) -> float:
    """log(Gamma(a + 1/2) / (Gamma(a) sqrt(a))), which tends to 0 as a grows, from the Stirling
    series (DLMF 5.11.1) at a >= 10, where a difference of two lgamma values of the order of
    a log a would lose digits; below, shifted there by Gamma(z + 1) = z Gamma(z) (ten times
    closer than math.lgamma's difference)."""
    shift = max(0, math.ceil(10.0 - a))
    factor = 1.0
    for j in range(shift):
        factor *= (a + j) / (a + j + 0.5)
    b = a + shift
    # lgamma(z) = (z - 1/2) log z - z + log(2 pi)/2 + stirling(z), at z = b + 1/2 and z = b.
    excess = b * math.log1p(0.5 / b) - 0.5 + _stirling(b + 0.5) - _stirling(b)
    if shift:
        excess += math.log(factor * math.sqrt(b / a))
    return excess


def _stirling(z: float) -> float:
    inverse_square = 1.0 / (z * z)
    total = 0.0
    for coefficient in reversed(_STIRLING):
        total = total * inverse_square + coefficient
    return total / z


def _log1p_u(s: float, df: float) -> float:
    """log(1 + u), u = s^2 / df, without overflow for huge s."""
    if s < 1e150:
        return math.log1p(s * s / df)
    return 2.0 * math.log(s) - math.log(df) + math.log1p(df / s / s)


def _log_density(df: float, s: float) -> float:
    """log of the t density (1 + s^2/df)^(-(df+1)/2) Gamma((df+1)/2) / (sqrt(df pi) Gamma(df/2)),
    with Gamma(a + 1/2) / Gamma(a) = sqrt(a) exp(excess), a = df/2."""
    return (
        -0.5 * (df + 1.0) * _log1p_u(s, df)
        + _log_gamma_excess(0.5 * df)
        - 0.5 * math.log(2.0 * math.pi)
    )


def _t_probabilities(df: float, s: float) -> tuple[float, float]:
    """(P(T > s), P(0 < T < s)) for s > 0, the smaller one to nearly full relative precision
    (the other is 1/2 minus it)."""
    a = 0.5 * df
    log1p_u = _log1p_u(s, df)
    log_x = -log1p_u  # x = df / (df + s^2) = 1 / (1 + u)
    if s < 1e150:
        u = s * s / df
        x, y = 1.0 / (1.0 + u), u / (1.0 + u)
    else:
        x, y = math.exp(log_x), 1.0
    # log(x^a y^(1/2) / B(a, 1/2)) - log s, B(a, 1/2) = sqrt(pi) Gamma(a) / Gamma(a + 1/2), with
    # a y = (s^2 / 2) / (1 + u).
    log_rest = a * log_x - 0.5 * (math.log(2.0) + log1p_u) + _log_gamma_excess(a) - _LOG_SQRT_PI
    # The continued fraction of I_y(1/2, a) converges quickly for y < 1.5 / (a + 2.5), that of
    # I_x(a, 1/2) above; for a >= 15 the expansion takes over from y = 0.5 / (a + 2.5) (a tail
    # of about 1/6), to give the tail its own digits rather than 1/2 minus the centre's.
    if y < (1.5 if a < 15 else 0.5) / (a + 2.5):
        # I_y(1/2, a) / 2, s times a factor near 1/sqrt(2 pi): no logarithm of s in the sum.
        middle = s * math.exp(log_rest) * _beta_fraction(0.5, a, y)
        return 0.5 - middle, middle
    if a >= 15 and y < 0.25:  # near x = 1 the fraction in x would lose the digits of y
        tail = 0.5 * _bgrat_half(a, log_x)
    else:
        tail = 0.5 * math.exp(math.log(s) + log_rest) * _beta_fraction(a, 0.5, x) / a
    return tail, 0.5 - tail


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction h of I_x(a, b) = x^a (1-x)^b / (a B(a, b)) h (DLMF 8.17.22), by
    the modified Lentz method; converges quickly for x < (a + 1) / (a + b + 2)."""
    c = 1.0
    d = 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 100_000):
        m2 = 2 * m
        for coefficient in (
            m * (b - m) * x / ((a + m2 - 1.0) * (a + m2)),
            -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0)),
        ):
            d = 1.0 + coefficient * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + coefficient / c
            c = c if abs(c) > _TINY else _TINY
            delta = c * d
            h *= delta
        if abs(delta - 1.0) <= 2 * _EPSILON:
            break
    return h


def _bgrat_half(a: float, log_x: float) -> float:
    """I_x(a, 1/2) for a >= 15 by DiDonato and Morris's asymptotic expansion (1992, section 9):
    with T = a - 1/4 and z = -T log x,
        I_x(a, 1/2) = Gamma(a + 1/2) / (Gamma(a) sqrt(T)) e^-z sqrt(z/pi) sum_n d_n J_n,
    J_0 = Q(1/2, z) e^z sqrt(pi/z) (Q(1/2, z) = erfc(sqrt z)), J_n by their recurrence (9.7)."""
    b = 0.5
    nu = a - 0.25
    z = -nu * log_x
    if z <= 0:
        return 1.0
    if z < 500:
        j = math.erfc(math.sqrt(z)) * math.exp(z) * math.sqrt(math.pi / z)
    else:  # sqrt(pi) w erfcx(w) for w = sqrt(z) >= 22: its asymptotic series, over z
        term, series = 1.0, 1.0
        for k in range(1, 12):
            term *= -(2 * k - 1) / (2.0 * z)
            series += term
        j = series / z
    total = j
    v = 0.25 / (nu * nu)
    t2 = 0.25 * log_x * log_x
    power = 1.0  # t2^(n-1)
    for n in range(1, _BGRAT_TERMS + 1):
        bp = b + 2 * (n - 1)
        j = (bp * (bp + 1.0) * j + (z + bp + 1.0) * power) * v
        power *= t2
        term = _D[n] * j
        total += term
        if abs(term) <= 0.5 * _EPSILON * total:
            break
    # log(Gamma(a + 1/2) / (Gamma(a) sqrt(nu))) - z + log(z / pi) / 2; a / nu = 1 / (1 - 1/(4a)).
    log_m = _log_gamma_excess(a) - 0.5 * math.log1p(-0.25 / a) - z + 0.5 * math.log(z / math.pi)
    return math.exp(log_m) * total

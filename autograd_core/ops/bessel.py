"""The modified Bessel functions of the first kind of orders 0 and 1, and their scaled forms.

I_n(x) = 1/pi * integral of exp(x cos t) cos(n t) for t from 0 to pi: i0 is even and
grows like exp(|x|) / sqrt(2 pi |x|), i1 is odd. The scaled forms i0e(x) = exp(-|x|) i0(x)
and i1e(x) = exp(-|x|) i1(x) stay finite where i0 and i1 overflow (|x| > 713), which is
why the von Mises distribution and Kaiser windows are written with them.

numpy has ``np.i0`` alone, and no i1 (scipy has, but is not a dependency), so all four
are computed here with the Chebyshev expansions of S. L. Moshier's Cephes library (i0.c,
i1.c; numpy's ``np.i0`` uses the same ones for i0): on [0, 8] of exp(-x) I0(x) and
exp(-x) I1(x) / x in x/2 - 2, beyond 8 of exp(-x) sqrt(x) I(x) in 32/x - 2. That gives the
scaled forms; i0 and i1 are them times exp(|x|). In float64 whatever x's dtype (float32
in, float32 out); relative error below 2e-15 against mpmath on [0, 700].

Each derivative is written with the functions themselves (i0' = i1, i1' = i0 - i1/x), so
the recorded path differentiates again through the same ops, to any order.
"""

from __future__ import annotations

import numpy as np

from ..engine import Op, _data, apply
from ..worked import Terms
from . import xp
from ._operands import float_operand

__all__ = ["i0", "i0e", "i1", "i1e"]

# Chebyshev coefficients, highest order first (Cephes i0.c: _i0A and _i0B in numpy).
# exp(-x) I0(x) on [0, 8], in x/2 - 2:
_I0_NEAR = (
    -4.41534164647933937950e-18, 3.33079451882223809783e-17, -2.43127984654795469359e-16,
    1.71539128555513303061e-15, -1.16853328779934516808e-14, 7.67618549860493561688e-14,
    -4.85644678311192946090e-13, 2.95505266312963983461e-12, -1.72682629144155570723e-11,
    9.67580903537323691224e-11, -5.18979560163526290666e-10, 2.65982372468238665035e-9,
    -1.30002500998624804212e-8, 6.04699502254191894932e-8, -2.67079385394061173391e-7,
    1.11738753912010371815e-6, -4.41673835845875056359e-6, 1.64484480707288970893e-5,
    -5.75419501008210370398e-5, 1.88502885095841655729e-4, -5.76375574538582365885e-4,
    1.63947561694133579842e-3, -4.32430999505057594430e-3, 1.05464603945949983183e-2,
    -2.37374148058994688156e-2, 4.93052842396707084878e-2, -9.49010970480476444210e-2,
    1.71620901522208775349e-1, -3.04682672343198398683e-1, 6.76795274409476084995e-1)
# exp(-x) sqrt(x) I0(x) beyond 8, in 32/x - 2:
_I0_FAR = (
    -7.23318048787475395456e-18, -4.83050448594418207126e-18, 4.46562142029675999901e-17,
    3.46122286769746109310e-17, -2.82762398051658348494e-16, -3.42548561967721913462e-16,
    1.77256013305652638360e-15, 3.81168066935262242075e-15, -9.55484669882830764870e-15,
    -4.15056934728722208663e-14, 1.54008621752140982691e-14, 3.85277838274214270114e-13,
    7.18012445138366623367e-13, -1.79417853150680611778e-12, -1.32158118404477131188e-11,
    -3.14991652796324136454e-11, 1.18891471078464383424e-11, 4.94060238822496958910e-10,
    3.39623202570838634515e-9, 2.26666899049817806459e-8, 2.04891858946906374183e-7,
    2.89137052083475648297e-6, 6.88975834691682398426e-5, 3.36911647825569408990e-3,
    8.04490411014108831608e-1)
# exp(-x) I1(x) / x on [0, 8], in x/2 - 2 (Cephes i1.c):
_I1_NEAR = (
    2.77791411276104639959e-18, -2.11142121435816608115e-17, 1.55363195773620046921e-16,
    -1.10559694773538630805e-15, 7.60068429473540693410e-15, -5.04218550472791168711e-14,
    3.22379336594557470981e-13, -1.98397439776494371520e-12, 1.17361862988909016308e-11,
    -6.66348972350202774223e-11, 3.62559028155211703701e-10, -1.88724975172282928790e-9,
    9.38153738649577178388e-9, -4.44505912879632808065e-8, 2.00329475355213526229e-7,
    -8.56872026469545474066e-7, 3.47025130813767847674e-6, -1.32731636560394358279e-5,
    4.78156510755005422638e-5, -1.61760815825896745588e-4, 5.12285956168575772895e-4,
    -1.51357245063125314899e-3, 4.15642294431288815669e-3, -1.05640848946261981558e-2,
    2.47264490306265168283e-2, -5.29459812080949914269e-2, 1.02643658689847095384e-1,
    -1.76416518357834055153e-1, 2.52587186443633654823e-1)
# exp(-x) sqrt(x) I1(x) beyond 8, in 32/x - 2:
_I1_FAR = (
    7.51729631084210481353e-18, 4.41434832307170791151e-18, -4.65030536848935832153e-17,
    -3.20952592199342395980e-17, 2.96262899764595013876e-16, 3.30820231092092828324e-16,
    -1.88035477551078244854e-15, -3.81440307243700780478e-15, 1.04202769841288027642e-14,
    4.27244001671195135429e-14, -2.10154184277266431302e-14, -4.08355111109219731823e-13,
    -7.19855177624590851209e-13, 2.03562854414708950722e-12, 1.41258074366137813316e-11,
    3.25260358301548823856e-11, -1.89749581235054123450e-11, -5.58974346219658380687e-10,
    -3.83538038596423702205e-9, -2.63146884688951950684e-8, -2.51223623787020892529e-7,
    -3.88256480887769039346e-6, -1.10588938762623716291e-4, -9.76109749136146840777e-3,
    7.78576235018280120474e-1)


def _chebyshev(coefs, t):
    """sum of c_k T_k(t/2), the first term halved, by Clenshaw's recurrence (Cephes'
    chbevl): ``coefs`` highest order first, t in [-2, 2]."""
    b0, b1 = np.full_like(t, coefs[0]), np.zeros_like(t)
    for c in coefs[1:]:
        b2, b1 = b1, b0
        b0 = t * b1 - b2 + c
    return 0.5 * (b0 - b2)


def _scaled(x, order):
    """(|x| as float64, exp(-|x|) I_order(|x|)): i0e(x), or i1e(|x|), of an array."""
    x = np.asarray(x)
    a = np.abs(x.astype(np.float64))
    r = a.reshape(-1)
    out = np.empty_like(r)
    near = np.flatnonzero(r <= 8.0)
    far = np.flatnonzero(~(r <= 8.0))   # beyond 8, inf (where 32/x - 2 is -2) and NaN
    s = r.take(near)
    series = _chebyshev(_I0_NEAR if order == 0 else _I1_NEAR, s / 2 - 2)
    out.put(near, series if order == 0 else series * s)
    f = r.take(far)
    out.put(far, _chebyshev(_I0_FAR if order == 0 else _I1_FAR, 32 / f - 2) / np.sqrt(f))
    return a, out.reshape(a.shape)


def _unscaled(a, scaled):
    """scaled * exp(a), by exp(a/2) twice: exp(a) alone overflows from a = 709.8, where
    i0(a) is finite up to 713.9. inf at a = inf, whose scaled value is 0."""
    with np.errstate(over="ignore", invalid="ignore"):
        half = np.exp(a / 2)
        return np.where(a == np.inf, np.inf, scaled * half * half)


def _result(x, y):
    """y in x's float dtype (float64 for integers; the public functions make integers the
    default float dtype first, as PyTorch), a number for a 0-d x."""
    x = np.asarray(x)
    with np.errstate(over="ignore"):   # i0(90) is a float64 past float32's range: inf
        return y.astype(x.dtype if x.dtype.kind == "f" else np.float64, copy=False)[()]


def i0e_array(x):
    """exp(-|x|) I0(x) on a numpy array; 0 at ±inf."""
    return _result(x, _scaled(x, 0)[1])


def i0_array(x):
    """I0(x) on a numpy array; inf at ±inf and beyond |x| = 713.9."""
    return _result(x, _unscaled(*_scaled(x, 0)))


def i1e_array(x):
    """exp(-|x|) I1(x) on a numpy array; odd, 0 at ±inf."""
    return _result(x, np.copysign(_scaled(x, 1)[1], x))


def i1_array(x):
    """I1(x) on a numpy array; odd, ±inf at ±inf and beyond |x| = 713.9."""
    return _result(x, np.copysign(_unscaled(*_scaled(x, 1)), x))


def _tiny(x):
    """Where |x| is at most its dtype's epsilon: there i1(x)/x is 0/0 (or 1/2 to within
    x**2), and the derivatives of i1 and i1e are their limit 1/2 (PyTorch's threshold)."""
    x = np.asarray(_data(x))
    return np.abs(x) <= np.finfo(x.dtype).eps


class I0(Op):
    """y = i0(x)       dL/dx = g * i1,  i1 = i1(x)"""

    __slots__ = ()

    def forward(self, x):
        return i0_array(x)

    def backward(self, g, y, x):
        return (g * xp.i1(x),)

    def element(self, i, at, g, y, x):
        return Terms(arrays={"i1": i1_array(x)})


class I0e(Op):
    """y = i0e(x) = exp(-|x|) i0(x)       dL/dx = g * (i1e - sign(x) * y),  i1e = i1e(x)"""

    __slots__ = ()

    def forward(self, x):
        return i0e_array(x)

    def backward(self, g, y, x):
        return (g * (xp.i1e(x) - xp.sign(x) * y),)

    def element(self, i, at, g, y, x):
        return Terms(arrays={"i1e": i1e_array(x)})


class I1(Op):
    """y = i1(x)       dL/dx = g * d,  d = i0(x) - y / x (1/2 at x = 0)"""

    __slots__ = ()

    def forward(self, x):
        return i1_array(x)

    def backward(self, g, y, x):
        tiny = _tiny(x)
        # x where it is not tiny, 1 where it is: the branch not taken stays finite, since
        # where's gradient multiplies it by 0 and 0 * inf would be NaN.
        d = xp.i0(x) - y / xp.where(tiny, 1.0, x)
        return (g * xp.where(tiny, 0.5, d),)

    def element(self, i, at, g, y, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.where(_tiny(x), 0.5, i0_array(x) - y / x)
        return Terms(arrays={"d": d})


class I1e(Op):
    """y = i1e(x) = exp(-|x|) i1(x)
    dL/dx = g * d,  d = i0e(x) - y * (sign(x) + 1 / x) (1/2 at x = 0)"""

    __slots__ = ()

    def forward(self, x):
        return i1e_array(x)

    def backward(self, g, y, x):
        tiny = _tiny(x)
        d = xp.i0e(x) - y * (xp.sign(x) + 1 / xp.where(tiny, 1.0, x))
        return (g * xp.where(tiny, 0.5, d),)

    def element(self, i, at, g, y, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.where(_tiny(x), 0.5, i0e_array(x) - y * (np.sign(x) + 1 / x))
        return Terms(arrays={"d": d})


def i0(x):
    """The modified Bessel function of the first kind of order 0, I0(x) = sum over k of
    (x/2)**(2k) / (k!)**2 (``np.i0``, ``torch.i0``, ``torch.special.i0``,
    ``tf.math.bessel_i0``): even, 1 at 0, inf beyond |x| = 713.9. Its derivative is i1(x).

    >>> round(float(i0(1.0)), 6)
    1.266066
    """
    return apply(I0(), float_operand(x, I0))


def i0e(x):
    """exp(-|x|) I0(x), i0 scaled to stay finite (``torch.special.i0e``,
    ``tf.math.bessel_i0e``): about 1 / sqrt(2 pi |x|) for large |x|, 0 at ±inf.

    >>> round(float(i0e(700.0)), 6)
    0.015081
    """
    return apply(I0e(), float_operand(x, I0e))


def i1(x):
    """The modified Bessel function of the first kind of order 1, I1(x) = sum over k of
    (x/2)**(2k+1) / (k! (k+1)!) (``torch.special.i1``, ``tf.math.bessel_i1``): odd, 0 at
    0. Its derivative is i0(x) - i1(x)/x, 1/2 at x = 0.

    >>> round(float(i1(1.0)), 6)
    0.565159
    """
    return apply(I1(), float_operand(x, I1))


def i1e(x):
    """exp(-|x|) I1(x), i1 scaled to stay finite (``torch.special.i1e``,
    ``tf.math.bessel_i1e``): odd, ±0 at ±inf.

    >>> round(float(i1e(-700.0)), 6)
    -0.015071
    """
    return apply(I1e(), float_operand(x, I1e))


# Value methods this family adds (name -> function), attached by methods: PyTorch's
# Tensor.i0 (its i0e, i1 and i1e are torch.special's only).
METHODS = {"i0": i0}
# numpy functions (NEP 18) and ufuncs (NEP 13) answered by this family, wired by interop.
NUMPY_FUNCTIONS = {np.i0: i0}
NUMPY_UFUNCS = {}

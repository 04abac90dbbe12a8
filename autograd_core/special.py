"""``ag.special``: PyTorch's ``torch.special`` names, for the functions the library has.

>>> import autograd_core as ag
>>> x = ag.Value([0.0, 1.0], dtype=ag.float64)
>>> ag.special.i1(x).sum().backward()
>>> x.grad                        # i1'(x) = i0(x) - i1(x)/x: 1/2 at 0
array([0.5       , 0.70090677])

Each name is the library's own function (``ag.special.i0 is ag.i0``); ``expit`` is
``sigmoid``, and ``modified_bessel_i0``/``modified_bessel_i1`` are ``i0``/``i1``.
"""

from .ops.activations import sigmoid as expit
from .ops.bessel import i0, i0e, i1, i1e
from .ops.elementwise import exp2, expm1, log1p
from .ops.elementwise import round  # noqa: A004 - torch.special.round
from .ops.elementwise_more import logit, sinc
from .ops.nn import log_softmax, softmax
from .ops.reductions import logsumexp
from .ops.special import digamma, erf, erfc, erfinv, gammaln, polygamma, psi, xlogy

__all__ = ["i0", "i0e", "i1", "i1e", "modified_bessel_i0", "modified_bessel_i1", "erf",
           "erfc", "erfinv", "gammaln", "digamma", "psi", "polygamma", "xlogy", "expit",
           "logit", "sinc", "exp2", "expm1", "log1p", "round", "logsumexp", "softmax",
           "log_softmax"]

modified_bessel_i0 = i0
modified_bessel_i1 = i1

"""``ag.special``: PyTorch's ``torch.special`` names, for the functions the library has.

>>> import autograd_core as ag
>>> x = ag.Value([0.0, 1.0], dtype=ag.float64)
>>> ag.special.i1(x).sum().backward()
>>> x.grad                        # i1'(x) = i0(x) - i1(x)/x: 1/2 at 0
array([0.5       , 0.70090677])

Each name is the library's own function (``ag.special.i0 is ag.i0``); ``expit`` is
``sigmoid``, and ``modified_bessel_i0``/``modified_bessel_i1`` are ``i0``/``i1``.
"""

from . import ops

# The public functions, as ``ops`` holds them (with ``out=``), so each is ``ag``'s own.
expit = ops.sigmoid
i0, i0e, i1, i1e = ops.i0, ops.i0e, ops.i1, ops.i1e
bessel_j0, bessel_j1 = ops.bessel_j0, ops.bessel_j1
bessel_y0, bessel_y1 = ops.bessel_y0, ops.bessel_y1
modified_bessel_k0, modified_bessel_k1 = ops.modified_bessel_k0, ops.modified_bessel_k1
scaled_modified_bessel_k0 = ops.scaled_modified_bessel_k0
scaled_modified_bessel_k1 = ops.scaled_modified_bessel_k1
spherical_bessel_j0, airy_ai = ops.spherical_bessel_j0, ops.airy_ai
exp2, expm1, log1p, round = ops.exp2, ops.expm1, ops.log1p, ops.round  # noqa: A001
logit, sinc = ops.logit, ops.sinc
log_softmax, softmax, logsumexp = ops.log_softmax, ops.softmax, ops.logsumexp
digamma, erf, erfc, erfinv = ops.digamma, ops.erf, ops.erfc, ops.erfinv
gammaln, polygamma, psi, xlogy = ops.gammaln, ops.polygamma, ops.psi, ops.xlogy
multigammaln = ops.multigammaln
gammainc, gammaincc = ops.gammainc, ops.gammaincc
erfcx, entr, xlog1py = ops.erfcx, ops.entr, ops.xlog1py
ndtr, log_ndtr, ndtri, zeta = ops.ndtr, ops.log_ndtr, ops.ndtri, ops.zeta
_POLYNOMIALS = ops.polynomials.__all__
globals().update({_name: getattr(ops, _name) for _name in _POLYNOMIALS})

__all__ = ["i0", "i0e", "i1", "i1e", "modified_bessel_i0", "modified_bessel_i1",
           "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_k0",
           "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
           "spherical_bessel_j0", "airy_ai", "erf",
           "erfc", "erfinv", "gammaln", "digamma", "psi", "polygamma", "xlogy", "expit",
           "logit", "sinc", "exp2", "expm1", "log1p", "round", "logsumexp", "softmax",
           "log_softmax", "multigammaln", "gammainc", "gammaincc", "erfcx", "entr",
           "xlog1py", "ndtr", "log_ndtr", "ndtri", "zeta", *_POLYNOMIALS]

modified_bessel_i0 = i0
modified_bessel_i1 = i1

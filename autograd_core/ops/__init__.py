"""Every differentiable operation: one class each, its derivative right under its forward.

The ops are grouped by family, one file each:

- ``arithmetic``: + - * / ** %, negation, maximum/minimum, where, abs, clip, cast, lerp,
  remainder, fmod, logaddexp
- ``elementwise``: exp, log, sqrt, cbrt, square, tanh, log1p, expm1, log2, log10, exp2,
  reciprocal, rsqrt, and the step functions sign, floor, ceil, round
- ``trig``: sin, cos, tan, sinh, cosh and their inverses, arctan2
- ``special``: erf, erfc, erfcx, erfinv, entr, lgamma, digamma, polygamma, xlogy, xlog1py
- ``normal_cdf``: the normal CDF ndtr, log_ndtr, its inverse ndtri, and erfcinv
- ``hurwitz_zeta``: the Hurwitz zeta function zeta(x, q)
- ``polynomials``: Chebyshev's, Hermite's, Laguerre's and Legendre's polynomials
- ``bessel``: the modified Bessel functions i0, i1 and their scaled forms i0e, i1e
- ``tf_special``: TensorFlow's tf.math.special dawsn, expint, fresnel_cos, fresnel_sin,
  spence (their op classes here; the functions, which neither numpy nor PyTorch names,
  in ``ag.math.special`` alone, as tf_math's xdivy and lbeta)
- ``bessel_jyk``: the Bessel functions J0, J1, Y0, Y1, the modified K0, K1 and their
  scaled forms, the spherical j0, and Airy's Ai
- ``incomplete_gamma``: the regularized incomplete gamma functions igamma and igammac
- ``incomplete_beta``: TensorFlow's regularized incomplete beta function betainc (its op
  class here; the function in ``ag.math`` alone)
- ``lu_decomposition``: A = P L U (``ag.linalg.lu``, ``lu_factor``, ``lu_solve``), lu_unpack
- ``activations``: sigmoid, relu, leaky_relu, softplus, softsign, elu, selu, gelu, silu,
  hard_sigmoid
- ``reductions``: sum, mean, prod, max, min, amax, amin, logsumexp
- ``selection``: PyTorch's sort, topk and max/min along a dim: (values, indices)
- ``statistics``: var, std, mean_squared_error
- ``cumulative``: cumsum, cumprod, diff, cumulative_logsumexp
- ``norms``: vector and matrix norms, singular values
- ``shape``: reshape, squeeze, flatten, transpose, moveaxis, broadcasting, flip, roll,
  meshgrid
- ``joining``: concat, stack, split, unstack, tile, repeat, pad
- ``indexing``: x[index], masked_select, take/gather, take_along_axis, scatter_add,
  index_add
- ``linalg``: matmul, mm, mv, dot, bmm, addmm, the dense layer's linear map, outer, diag,
  diagonal, trace, tril, triu
- ``contractions``: einsum, tensordot
- ``inversion``: inv, det, solve (public as ``autograd_core.linalg``)
- ``decompositions``: the singular value, symmetric eigen-, Cholesky and QR
  decompositions and the matrix exponential (public as ``autograd_core.linalg``)
- ``nn``: softmax, log_softmax, the fused cross-entropy losses, the fused LSTM and GRU
  cells
- ``conv``: conv2d, conv1d, conv2d_transpose, bias_add
- ``pooling``: max_pool2d, avg_pool2d, max_pool1d, avg_pool1d
- ``volume_conv``: conv3d, conv3d_transpose (3-D convolutions)
- ``volumetric``: max_pool3d, avg_pool3d (3-D, built on the 2-D poolings)
- ``nondiff``: stop_gradient, argmax, equal, one_hot, all/any, the logical functions,
  nonzero, unique: ops that pass no gradient
- ``factories``: zeros, ones, full, eye, arange, linspace, tensor, as_tensor (constants,
  not ops)

numpy's and PyTorch's other functions are compositions of those ops, not new ops, so
their derivatives are those of the ops they are written with:

- ``elementwise_more``: deg2rad, rad2deg, trunc, fix, frac, around, copysign, sgn, fabs,
  positive, fmax, fmin, logaddexp2, sinc, logit, and the tests signbit, isneginf,
  isposinf, isin
- ``products``: addcmul, addcdiv, addmv, addbmm, baddbmm, ger, inner, multi_dot,
  chain_matmul, and PyTorch's top-level det, inverse, logdet, pinverse
- ``nan_reductions``: nansum, nanmean, nanvar, nanstd, nanmax, nanmin, nanmedian,
  nanquantile, nanpercentile, percentile
- ``numpy_reductions``: average, ptp, polyval, ediff1d, trapezoid (trapz)
- ``numpy_picking``: partition, choose, resize, compress, extract, trim_zeros, block,
  apply_along_axis, interp, numpy's select (``np.select``; ``ag.select`` is PyTorch's),
  and the constant argpartition
- ``numpy_signals``: convolve, correlate, unwrap, cumulative_sum, cumulative_prod,
  nancumsum, nancumprod, modf, divmod, matvec, vecmat, vecdot, rollaxis, and real, imag,
  conj, conjugate, angle of real data
- ``ordering``: aminmax, kthvalue, mode, cummax, cummin, logcumsumexp
- ``distances``: cosine_similarity, pairwise_distance, dist, cov, corrcoef
- ``arrangement``: hstack, vstack, dstack, column_stack, row_stack, hsplit, vsplit,
  dsplit, tensor_split, atleast_1d/2d/3d, fliplr, flipud, append, insert, delete,
  unflatten, msort
- ``building``: diagflat, diag_embed, block_diag, vander, cartesian_prod, combinations,
  masked_fill, index_fill, index_copy, masked_scatter, and the constants logspace,
  tril_indices, triu_indices
- ``counting``: searchsorted, bucketize, digitize, histc, histogram, bincount, heaviside:
  integer positions and counts, constants (``bincount``'s weights get a gradient)
- ``segments``: TensorFlow's segment_sum/mean/max/min/prod and their unsorted_segment_*
  forms: a scatter for the sums, one op each for the extremes and the product
- ``torch_arithmetic``: PyTorch's top-level mul, div (rounding modes), sub, rsub, eq..le,
  float_power, ldexp, and the integer constants gcd, lcm, bitwise_*, frexp, nextafter
- ``torch_linalg``: PyTorch's top-level svd (U, S, V), slogdet, matrix_power, cholesky,
  qr, vdot, addr, adjoint, cholesky_solve, cholesky_inverse, triangular_solve
- ``torch_nn_functions``: threshold, celu, hardshrink, prelu, rrelu, dropout, pdist,
  pixel_shuffle, pixel_unshuffle, channel_shuffle, renorm
- ``scatters``: scatter_reduce, index_reduce, diagonal/select/slice_scatter, narrow_copy
- ``torch_toplevel``: cumulative_trapezoid, frobenius_norm, nuclear_norm, isreal, is_conj,
  is_neg, resolve_conj/neg, conj_physical, and the makers scalar_tensor, asarray,
  frombuffer, empty_strided, empty_permuted
- ``torch_copies``: the view ops' ``*_copy`` twins, split_with_sizes, unsafe_split/chunk,
  index_put, put, index_put_, and the in-place methods as functions (``relu_(x)``)
- ``signal_windows``: hann_window, hamming_window, blackman_window, bartlett_window,
  kaiser_window (constants)

Each op's docstring gives the maths in one line: the output ``y`` and ``dL/dx`` in terms of
the upstream gradient ``g = dL/dy``. Optional methods serve the drawings and the stepper,
after ``backward``: ``formula(y, *xs)`` says the maths with the parameters the op ran with
(``labels.op_formula``), ``element(i, at, g, y, *xs)`` how one element of input i's
gradient is made (``worked.Terms``), which the ops acting element by element need not say,
and a window op's ``grids(i, grad, g, y, *xs)`` its whole gradient on a tiny example
(``worked.Grids``). ``tests/test_formulas.py`` holds each op class to its formula.
``backward(g, y, *inputs)`` is written with operators and the functions of ``xp``, so that
one formula serves numpy arrays (the fast path) and Values (the recorded path, for
gradients of gradients). The functions validate their arguments and then ``apply`` the op;
``methods`` attaches them to ``Value``.
"""

from ..engine import Op as _Op
from ._out import with_out as _with_out
from . import activations, arithmetic, elementwise, linalg, nn, nondiff, reductions, shape
from . import bessel, bessel_jyk, factories, indexing, joining, special, trig
from . import contractions, cumulative, decompositions, inversion, norms, selection, statistics
from . import conv, pooling
from . import arrangement, building, counting, segments, volume_conv, volumetric
from . import hurwitz_zeta, incomplete_gamma, lu_decomposition, normal_cdf, polynomials
from . import distances, elementwise_more, nan_reductions, numpy_reductions, ordering, products
from . import numpy_picking, numpy_signals
from . import scatters, torch_arithmetic, torch_linalg, torch_nn_functions
from . import signal_windows, torch_copies, torch_toplevel
from . import incomplete_beta, tf_special
from .incomplete_beta import Betainc  # noqa: F401
from .tf_special import Dawsn, Expint, FresnelCos, FresnelSin, Spence  # noqa: F401
from . import xp  # noqa: F401  (imported after the families it dispatches to)
from . import methods  # noqa: F401  (attaches the operators and methods to Value)
from . import interop  # noqa: F401  (numpy's functions on Values: np.exp(v), np.mean(v))

_FAMILIES = (arithmetic, elementwise, activations, reductions, shape, linalg, nn, nondiff,
             special, incomplete_gamma, lu_decomposition, normal_cdf, hurwitz_zeta, polynomials,
             bessel, bessel_jyk, trig, joining, indexing, factories,
             statistics, cumulative, norms, contractions, inversion, decompositions,
             conv, pooling, selection, arrangement, building, elementwise_more, products,
             nan_reductions, numpy_reductions, numpy_picking, numpy_signals, ordering,
             distances, counting,
             volume_conv, volumetric, segments, torch_arithmetic, torch_linalg,
             torch_nn_functions, scatters, torch_toplevel, torch_copies, signal_windows)

# The public functions of every family, and its op classes (``ops.Tanh``), under one name.
# The functions take PyTorch's and numpy's ``out=`` here (see _out); inside the package,
# the families call each other's functions as they are.
# One wrapper per function, so that aliases stay one function (``ag.asin is ag.arcsin``).
__all__ = [name for family in _FAMILIES for name in family.__all__]
_wrapped = {}
for _family in _FAMILIES:
    for _name, _obj in vars(_family).items():
        if _name in _family.__all__:
            if callable(_obj) and id(_obj) not in _wrapped:
                _wrapped[id(_obj)] = _with_out(_obj)
            globals()[_name] = _wrapped[id(_obj)] if callable(_obj) else _obj
        elif isinstance(_obj, type) and issubclass(_obj, _Op) and \
                _obj.__module__ == _family.__name__:
            globals()[_name] = _obj
del _family, _name, _obj, _wrapped

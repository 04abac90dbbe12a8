"""The functions backward formulas are written with: numpy's for arrays, ours for Values.

An op's ``backward`` receives numpy arrays on the fast path and Values on the recorded
path (``create_graph=True``; see the engine's module docstring). Operators (``+ * / @``,
indexing) and the methods arrays and Values share (``.sum(axis, keepdims)``,
``.reshape``, ``.transpose``, ``.swapaxes``, ``.astype``, ``.T``) already work on both;
the functions below cover the rest. Each is one line: the library's differentiable op when
its argument is a Value, else numpy.

>>> import numpy as np
>>> from autograd_core import Value
>>> exp(np.zeros(2)), exp(Value(np.zeros(2)))
(array([1., 1.]), Value([1., 1.], op=Exp, dtype=float64))
"""

from __future__ import annotations

import numpy as np

from ..engine import Value, _data, apply, unbroadcast
from . import _select, _volumes, _windows, activations, arithmetic, conv, elementwise, indexing
from . import nn, pooling, volume_conv
from . import bessel, bessel_jyk, joining, reductions, shape, special, trig
from . import contractions, cumulative, decompositions, inversion, linalg


def _any_value(*xs):
    return any(isinstance(x, Value) for x in xs)


# --- elementwise --------------------------------------------------------------------


def exp(x):
    return elementwise.exp(x) if isinstance(x, Value) else np.exp(x)


def log(x):
    return elementwise.log(x) if isinstance(x, Value) else np.log(x)


def sqrt(x):
    return elementwise.sqrt(x) if isinstance(x, Value) else np.sqrt(x)


def tanh(x):
    return elementwise.tanh(x) if isinstance(x, Value) else np.tanh(x)


def sin(x):
    return trig.sin(x) if isinstance(x, Value) else np.sin(x)


def cos(x):
    return trig.cos(x) if isinstance(x, Value) else np.cos(x)


def sinh(x):
    return trig.sinh(x) if isinstance(x, Value) else np.sinh(x)


def cosh(x):
    return trig.cosh(x) if isinstance(x, Value) else np.cosh(x)


def erf(x):
    return special.erf(x) if isinstance(x, Value) else special.erf_array(x)


def i0(x):
    return bessel.i0(x) if isinstance(x, Value) else bessel.i0_array(x)


def i0e(x):
    return bessel.i0e(x) if isinstance(x, Value) else bessel.i0e_array(x)


def i1(x):
    return bessel.i1(x) if isinstance(x, Value) else bessel.i1_array(x)


def i1e(x):
    return bessel.i1e(x) if isinstance(x, Value) else bessel.i1e_array(x)


def _of(family, name):
    """xp's function for a family's function ``name`` and its array form ``name_array``."""
    function, array = getattr(family, name), getattr(family, f"{name}_array")
    return lambda x: function(x) if isinstance(x, Value) else array(x)


bessel_j0, bessel_j1 = _of(bessel_jyk, "bessel_j0"), _of(bessel_jyk, "bessel_j1")
bessel_y0, bessel_y1 = _of(bessel_jyk, "bessel_y0"), _of(bessel_jyk, "bessel_y1")
modified_bessel_k0 = _of(bessel_jyk, "modified_bessel_k0")
modified_bessel_k1 = _of(bessel_jyk, "modified_bessel_k1")
scaled_modified_bessel_k0 = _of(bessel_jyk, "scaled_modified_bessel_k0")
scaled_modified_bessel_k1 = _of(bessel_jyk, "scaled_modified_bessel_k1")
airy_ai, airy_ai_prime = _of(bessel_jyk, "airy_ai"), _of(bessel_jyk, "airy_ai_prime")


def sigmoid(x):
    return activations.sigmoid(x) if isinstance(x, Value) else activations.sigmoid_array(x)


def where(cond, a, b):
    """``a`` where ``cond`` (a constant boolean array), else ``b``."""
    if _any_value(a, b):
        return arithmetic.where(cond, a, b)
    return _select.where(cond, a, b)  # np.where's values, without its branches (_select)


def concatenate(values, axis=0):
    if _any_value(*values):
        return joining.concatenate(values, axis)
    return np.concatenate(values, axis)


def power(a, b):
    if _any_value(a, b):
        return arithmetic.power(a, b)
    return arithmetic.power_array(a, b)


def sign(x):
    """sign(x) as a constant: its derivative is 0 wherever it exists."""
    return np.sign(_data(x))


def equal(a, b):
    """a == b elementwise, as a constant boolean array."""
    return np.equal(_data(a), _data(b))


def zeros_like(x):
    """A constant array of zeros in x's shape and dtype."""
    return np.zeros_like(_data(x))


# --- shapes -------------------------------------------------------------------------


def broadcast_to(x, shape_):
    """x repeated along the axes broadcasting adds or stretches (a view for arrays)."""
    if isinstance(x, Value):
        return shape.broadcast_to(x, shape_)
    return np.broadcast_to(x, shape_)


def sum_to(x, shape_):
    """x summed over the axes broadcasting added or stretched, back to ``shape_``."""
    if isinstance(x, Value):
        return shape.sum_to(x, shape_)
    return unbroadcast(np.asarray(x), tuple(shape_))


def expand_dims(x, axis):
    if isinstance(x, Value):
        return shape.expand_dims(x, axis)
    return np.expand_dims(x, axis)


def scatter(g, index, shape_):
    """Zeros of ``shape_`` with ``g`` added at ``index`` (repeated indices add up): the
    gradient of ``x[index]``."""
    if isinstance(g, Value):
        return indexing.scatter(g, index, shape_)
    return indexing.scatter_array(g, index, shape_)


def flip(x, axis):
    return shape.flip(x, axis) if isinstance(x, Value) else np.flip(x, axis)


def roll(x, shift, axis):
    return shape.roll(x, shift, axis) if isinstance(x, Value) else np.roll(x, shift, axis)


# --- reductions and the softmax family ---------------------------------------------


def softmax(x, axis=-1):
    return nn.softmax(x, axis) if isinstance(x, Value) else nn.softmax_array(x, axis)


def logsumexp(x, axis=-1, keepdims=False):
    if isinstance(x, Value):
        return reductions.logsumexp(x, axis, keepdims)
    return reductions.logsumexp_array(x, axis, keepdims)


# --- scans and linear algebra --------------------------------------------------------


def cumsum(x, axis, exclusive=False, reverse=False):
    if isinstance(x, Value):
        return cumulative.cumsum(x, axis, exclusive, reverse)
    return cumulative.scan_array(np.add, x, axis, exclusive, reverse)


def cumprod(x, axis, exclusive=False, reverse=False):
    if isinstance(x, Value):
        return cumulative.cumprod(x, axis, exclusive, reverse)
    return cumulative.scan_array(np.multiply, x, axis, exclusive, reverse)


def cumulative_logsumexp(x, axis, reverse=False):
    if isinstance(x, Value):
        return cumulative.cumulative_logsumexp(x, axis, reverse)
    return cumulative.scan_array(np.logaddexp, x, axis, reverse=reverse)


def einsum(subscripts, *operands):
    """``np.einsum`` with explicit subscripts (no "..."); constant operands may be arrays."""
    if _any_value(*operands):
        return contractions.einsum(subscripts, *operands)
    return contractions.einsum_array(subscripts, *operands)


def inv(A):
    return inversion.inv(A) if isinstance(A, Value) else np.linalg.inv(A)


def det(A):
    return inversion.det(A) if isinstance(A, Value) else np.linalg.det(A)


def solve(A, B):
    """A^-1 B for matrices B (..., n, k), batch axes broadcast."""
    if _any_value(A, B):
        return inversion.solve(A, B)
    return inversion.solve_array(A, B)


def svd(A):
    """(U, s, V^T), the reduced singular value decomposition."""
    if isinstance(A, Value):
        return decompositions.svd(A, full_matrices=False)
    return decompositions.svd_array(A)


def eigh(A):
    """(w, V), the eigenvalues (ascending) and eigenvectors of a symmetric A."""
    if isinstance(A, Value):
        return decompositions.eigh(A)
    return np.linalg.eigh(A)


def tril(x, k=0):
    return linalg.tril(x, k) if isinstance(x, Value) else np.tril(x, k)


# --- convolution and pooling: ``window`` is the op's resolved ``_windows.Window`` -----


def conv2d(x, k, window, groups=1):
    if _any_value(x, k):
        return apply(conv.Conv2D(window, groups), x, k)
    return conv.conv2d_array(x, k, window, groups)[0]


def conv2d_transpose(x, k, window, out_shape, groups=1):
    if _any_value(x, k):
        return apply(conv.Conv2DTranspose(window, out_shape, groups), x, k)
    return conv.conv2d_transpose_array(x, k, window, out_shape, groups)


def conv2d_backprop_filter(x, dy, window, cols=None, groups=1):
    """conv2d's kernel gradient x ⋆ dy; ``cols``, x's patch matrix, saves the arrays' copy."""
    if _any_value(x, dy):
        return apply(conv.Conv2DBackpropFilter(window, groups), x, dy)
    return conv.conv2d_backprop_filter_array(x, dy, window, cols, groups)


def conv3d(x, k, volume, groups=1):
    if _any_value(x, k):
        return apply(volume_conv.Conv3D(volume, groups), x, k)
    return _volumes.conv3d_array(x, k, volume, groups)[0]


def conv3d_transpose(x, k, volume, out_shape, groups=1):
    if _any_value(x, k):
        return apply(volume_conv.Conv3DTranspose(volume, out_shape, groups), x, k)
    return _volumes.conv3d_transpose_array(x, k, volume, out_shape, groups)


def conv3d_backprop_filter(x, dy, volume, cols=None, groups=1):
    """conv3d's kernel gradient x ⋆ dy; ``cols``, x's patch matrices, saves the arrays' copy."""
    if _any_value(x, dy):
        return apply(volume_conv.Conv3DBackpropFilter(volume, groups), x, dy)
    return _volumes.conv3d_backprop_filter_array(x, dy, volume, cols, groups)


def max_pool2d_backprop(dy, argmax, window, x_shape):
    if isinstance(dy, Value):
        return apply(pooling.MaxPool2DBackprop(argmax, window, x_shape), dy)
    return _windows.max_pool_backprop_array(dy, argmax, window, x_shape)


def avg_pool2d(x, window):
    return apply(pooling.AvgPool2D(window), x) if isinstance(x, Value) else \
        _windows.avg_pool_array(x, window)


def avg_pool2d_backprop(dy, window, x_shape):
    if isinstance(dy, Value):
        return apply(pooling.AvgPool2DBackprop(window, x_shape), dy)
    return _windows.avg_pool_backprop_array(dy, window, x_shape)


def channel_sums(g, axis):
    """g summed over every axis but ``axis`` (a bias's gradient)."""
    if isinstance(g, Value):
        return g.sum(axis=tuple(a for a in range(g.ndim) if a != axis))
    return _windows.channel_sums(g, axis)

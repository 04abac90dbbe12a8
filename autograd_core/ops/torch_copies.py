"""PyTorch's top-level view copies, splits and writers: ``permute_copy``, ``transpose_copy``,
... (each view op's ``*_copy`` twin), ``split_with_sizes``, ``unsafe_split``,
``unsafe_chunk``, ``index_put``, ``put``, ``index_put_``, and the function forms of the
in-place methods (``ag.relu_(x)`` is ``x.relu_()``).

A ``*_copy`` is its view op followed by ``clone``: the result never shares memory with the
input (as PyTorch's), and its gradient is the view op's. ``index_put`` is ``put`` at the flat
positions the indices pick, so its gradient is ``put``'s: 0 for the input where replaced (1
where added to), and the picked gradient for the values.
"""

from __future__ import annotations

import numpy as np

from ..engine import Value
from . import arithmetic, joining, shape
from ._composing import _dim, _value

__all__ = ["permute_copy", "transpose_copy", "t_copy", "squeeze_copy", "unsqueeze_copy",
           "view_copy", "expand_copy", "diagonal_copy", "select_copy", "slice_copy",
           "split_copy", "split_with_sizes_copy", "unbind_copy", "unfold_copy", "alias_copy",
           "detach_copy", "split_with_sizes", "unsafe_split", "unsafe_split_with_sizes",
           "unsafe_chunk", "index_put", "put", "index_put_"]


def _copied(out):
    """A view op's result with memory of its own (a tuple of them for a split)."""
    if isinstance(out, (tuple, list)):
        return tuple(arithmetic.clone(o) for o in out)
    return arithmetic.clone(out)


def permute_copy(input, dims):  # noqa: A002 (PyTorch's argument names)
    """PyTorch's ``torch.permute_copy(input, dims)``: ``permute``, copied."""
    return _copied(shape.permute(_value(input, "permute_copy"), *dims))


def transpose_copy(input, dim0, dim1):  # noqa: A002
    """PyTorch's ``torch.transpose_copy(input, dim0, dim1)``: dims exchanged, copied."""
    return _copied(shape.swapaxes(_value(input, "transpose_copy"), dim0, dim1))


def t_copy(input):  # noqa: A002
    """PyTorch's ``torch.t_copy(input)``: ``t``, copied."""
    return _copied(shape.t(_value(input, "t_copy")))


def squeeze_copy(input, dim=None):  # noqa: A002
    """PyTorch's ``torch.squeeze_copy(input, dim=None)``: ``squeeze`` (a dim of size other
    than 1 stays, as PyTorch's), copied."""
    return _copied(_value(input, "squeeze_copy").squeeze(dim=dim))


def unsqueeze_copy(input, dim):  # noqa: A002
    """PyTorch's ``torch.unsqueeze_copy(input, dim)``: ``unsqueeze``, copied."""
    return _copied(shape.unsqueeze(_value(input, "unsqueeze_copy"), dim))


def view_copy(input, size):  # noqa: A002
    """PyTorch's ``torch.view_copy(input, size)``: ``view`` (a -1 inferred), copied."""
    return _copied(shape.reshape(_value(input, "view_copy"), tuple(np.atleast_1d(size))))


def expand_copy(input, size, *, implicit=False):  # noqa: A002
    """PyTorch's ``torch.expand_copy(input, size)``: ``expand`` (-1 keeps a dim), copied."""
    return _copied(shape.expand(_value(input, "expand_copy"), *size))


def diagonal_copy(input, offset=0, dim1=0, dim2=1):  # noqa: A002
    """PyTorch's ``torch.diagonal_copy``: ``diagonal``, copied."""
    return _copied(_value(input, "diagonal_copy").diagonal(offset, dim1, dim2))


def select_copy(input, dim, index):  # noqa: A002
    """PyTorch's ``torch.select_copy(input, dim, index)``: ``select``, copied."""
    return _copied(_value(input, "select_copy").select(dim, index))


def slice_copy(input, dim=0, start=None, end=None, step=1):  # noqa: A002
    """PyTorch's ``torch.slice_copy(input, dim=0, start=None, end=None, step=1)``:
    input[..., start:end:step, ...] along dim (the bounds clamped, as Python's), copied."""
    x = _value(input, "slice_copy")
    if step <= 0:
        raise RuntimeError(f"slice_copy: slice step must be positive, got step={step}")
    axis = _dim(x, dim, "slice_copy")
    return _copied(x[(slice(None),) * axis + (slice(start, end, step),)])


def split_copy(tensor, split_size, dim=0):
    """PyTorch's ``torch.split_copy``: ``split``'s pieces, each copied."""
    return _copied(joining.split(_value(tensor, "split_copy"), split_size, dim=dim))


def split_with_sizes(input, split_sizes, dim=0):  # noqa: A002
    """PyTorch's ``torch.split_with_sizes(input, split_sizes, dim=0)``: pieces of those
    sizes along dim, which must add up to its length."""
    x = _value(input, "split_with_sizes")
    sizes = [int(s) for s in split_sizes]
    axis = _dim(x, dim, "split_with_sizes")
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"split_with_sizes: split_sizes must be non-negative, got "
                           f"split_sizes={sizes}")
    if sum(sizes) != x.shape[axis]:
        raise RuntimeError(f"split_with_sizes: split_sizes must sum exactly to "
                           f"{x.shape[axis]} (input's size at dim {dim}), got "
                           f"split_sizes={sizes}")
    return tuple(joining.split(x, sizes, dim=axis))


def split_with_sizes_copy(input, split_sizes, dim=0):  # noqa: A002
    """PyTorch's ``torch.split_with_sizes_copy``: ``split_with_sizes``, each piece copied."""
    return _copied(split_with_sizes(input, split_sizes, dim))


def unsafe_split(tensor, split_size, dim=0):
    """PyTorch's ``torch.unsafe_split(tensor, split_size, dim=0)``: ``split`` into pieces of
    ``split_size`` (an int, as PyTorch's; ``unsafe_split_with_sizes`` takes a list).
    PyTorch's skips a check of later in-place writes; here the pieces are ``split``'s."""
    if isinstance(split_size, bool) or not isinstance(split_size, (int, np.integer)):
        raise TypeError(f"unsafe_split: split_size must be an int, got {split_size!r}")
    return tuple(joining.split(_value(tensor, "unsafe_split"), split_size, dim=dim))


def unsafe_split_with_sizes(input, split_sizes, dim=0):  # noqa: A002
    """PyTorch's ``torch.unsafe_split_with_sizes``: ``split_with_sizes``."""
    return split_with_sizes(input, split_sizes, dim)


def unsafe_chunk(input, chunks, dim=0):  # noqa: A002
    """PyTorch's ``torch.unsafe_chunk``: ``chunk``."""
    return tuple(joining.chunk(_value(input, "unsafe_chunk"), chunks, dim=dim))


def unbind_copy(input, dim=0):  # noqa: A002
    """PyTorch's ``torch.unbind_copy``: ``unbind``'s slices, each copied."""
    return _copied(_value(input, "unbind_copy").unbind(dim))


def unfold_copy(input, dimension, size, step):  # noqa: A002
    """PyTorch's ``torch.unfold_copy``: ``x.unfold(dimension, size, step)``, copied."""
    return _copied(_value(input, "unfold_copy").unfold(dimension, size, step))


def alias_copy(input):  # noqa: A002
    """PyTorch's ``torch.alias_copy``: a copy of input (``clone``)."""
    return _copied(_value(input, "alias_copy"))


def detach_copy(input):  # noqa: A002
    """PyTorch's ``torch.detach_copy``: input's numbers, copied and cut from the graph."""
    return _copied(_value(input, "detach_copy").detach())


# --- writers -------------------------------------------------------------------------


def _picked_positions(x, indices, where):
    """The flat positions of x that ``x[indices]`` picks (numpy's and PyTorch's advanced
    indexing: integer or boolean index arrays, broadcast together), in the picked shape."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"{where}: indices must be a tuple of index Values, got "
                        f"{type(indices).__name__}")
    key = []
    for i in indices:
        index = np.asarray(i.data if isinstance(i, Value) else i)
        if index.dtype.kind not in "iub":
            raise IndexError(f"{where}: indices must hold integers or booleans, got dtype "
                             f"{index.dtype}")
        key.append(index)
    try:
        return np.arange(x.data.size).reshape(x.shape)[tuple(key)]
    except IndexError as e:
        raise IndexError(f"{where}: {e}") from None


def index_put(input, indices, values, accumulate=False):  # noqa: A002
    """PyTorch's ``torch.index_put(input, indices, values, accumulate=False)``: a copy of
    input with input[indices] = values (added, repeats adding up, with ``accumulate``);
    values broadcast to the picked shape and keep input's dtype. Differentiable in input and
    values."""
    x = _value(input, "index_put")
    positions = _picked_positions(x, indices, "index_put")
    values = _value(values, "index_put", like=x)
    if values.dtype != x.dtype:
        raise RuntimeError(f"index_put: values must have input's dtype {x.dtype}, got "
                           f"{values.dtype}")
    try:
        np.broadcast_shapes(values.shape, positions.shape)
    except ValueError:
        raise RuntimeError(f"index_put: values of shape {values.shape} cannot be broadcast to "
                           f"the indexing result of shape {positions.shape}") from None
    values = shape.broadcast_to(values, positions.shape)
    return x.put(positions, values, accumulate=accumulate)


def put(input, index, source, accumulate=False):  # noqa: A002
    """PyTorch's ``torch.put(input, index, source, accumulate=False)``: ``input.put(...)``,
    input's elements, as if flattened, at ``index`` replaced by (or, with ``accumulate``,
    added to) ``source``'s. Differentiable in input and source."""
    return _value(input, "put").put(index, source, accumulate=accumulate)


def index_put_(input, indices, values, accumulate=False):  # noqa: A002
    """PyTorch's ``torch.index_put_``: ``input.index_put_(indices, values, accumulate)``,
    in place, under the in-place methods' rules."""
    if not isinstance(input, Value):
        raise TypeError(f"index_put_: input must be a Value, got {type(input).__name__}")
    return input.index_put_(indices, values, accumulate)


# --- the in-place methods as functions -------------------------------------------------

# PyTorch's top-level in-place functions whose method Value has (``torch.relu_(x)``).
_IN_PLACE = ("abs_", "acos_", "acosh_", "addmv_", "arccos_", "arccosh_", "arcsin_",
             "arcsinh_", "arctan_", "arctanh_", "asin_", "asinh_", "atan_", "atanh_", "ceil_",
             "clamp_", "clamp_max_", "clamp_min_", "clip_", "conj_physical_", "cos_", "cosh_",
             "deg2rad_", "detach_", "erf_", "erfc_", "exp2_", "exp_", "expm1_", "fill_",
             "fix_", "floor_", "frac_", "gcd_", "i0_", "lcm_", "ldexp_", "log10_", "log1p_",
             "log2_", "log_", "logit_", "nan_to_num_", "neg_", "negative_", "rad2deg_",
             "reciprocal_", "relu_", "round_", "rsqrt_", "sigmoid_", "sin_", "sinc_",
             "sinh_", "sqrt_", "square_", "tan_", "tanh_", "trunc_", "xlogy_", "zero_")


def _in_place_function(name):
    def function(input, *args, **kwargs):  # noqa: A002
        if not isinstance(input, Value):
            raise TypeError(f"{name}: input must be a Value, got {type(input).__name__}")
        return getattr(input, name)(*args, **kwargs)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = (f"PyTorch's ``torch.{name}(input, ...)``: ``input.{name}(...)``, "
                        "in place, under the in-place methods' rules.")
    return function


for _name in _IN_PLACE:
    globals()[_name] = _in_place_function(_name)
__all__ += list(_IN_PLACE)
del _name

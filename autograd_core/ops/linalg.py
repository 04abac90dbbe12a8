"""Linear algebra: the matrix product (and PyTorch's bmm and addmm), the dense layer's affine
map x @ W + b, the outer product, diagonals and the trace.

(Contractions are in ``contractions``; inverse, determinant and solve in ``inversion``, with
``autograd_core.linalg`` gathering them under numpy's and PyTorch's ``linalg`` names.)
"""

from __future__ import annotations

import numpy as np

from .. import deferred
from ..engine import Op, Value, _local, apply
from ..labels import docstring_formula
from ..worked import Terms, broadcast_index, flat_index, unflat_index
from . import arithmetic, contractions, shape, xp
from ._operands import axis_arg, operand, pair

__all__ = ["matmul", "mm", "mv", "dot", "bmm", "addmm", "linear", "outer", "diag", "diagonal",
           "trace", "tril", "triu", "cross", "kron"]


class MatMul(Op):
    """y = a @ b        dL/da = g @ b^T,  dL/db = a^T @ g   (numpy's 1-D and batched rules)"""

    __slots__ = ()

    def forward(self, a, b):
        return np.matmul(a, b)

    def backward(self, g, y, a, b):
        return _matmul_grads(a, b, g, *self.needs_grad)

    def formula(self, y, a, b):
        if np.ndim(a) == 1 and np.ndim(b) == 1:
            return "y = a @ b (a dot product)", "dL/da = g * b,  dL/db = g * a"
        if np.ndim(a) == 2 and np.ndim(b) == 2:
            return "y = a @ b", "dL/da = g @ b^T,  dL/db = a^T @ g"
        return docstring_formula(MatMul)

    def element(self, i, at, g, y, a, b):
        return _matmul_terms(i, at, g, a, b, ("a", "b"))


def _matmul_terms(i, at, g, a, b, names):
    """dL/da[..., r, k] = sum_j g[..., r, j] * b[..., k, j], dL/db[..., k, m] =
    sum_j a[..., j, k] * g[..., j, m], for a and b of two axes or more (None otherwise)."""
    if np.ndim(a) == 1 and np.ndim(b) == 1:
        return Terms()  # the dot product: dL/da = g * b, element by element
    if np.ndim(a) < 2 or np.ndim(b) < 2:
        return None  # a vector and a matrix: the element's value alone
    batch = at[:-2]
    if i == 0:
        r, k = at[-2:]
        return Terms(f"g*{names[1]}", tuple(
            {"g": batch + (r, j), names[1]: broadcast_index(batch + (k, j), np.shape(b))}
            for j in range(np.shape(g)[-1])))
    k, m = at[-2:]
    return Terms(f"{names[0]}*g", tuple(
        {names[0]: broadcast_index(batch + (j, k), np.shape(a)), "g": batch + (j, m)}
        for j in range(np.shape(g)[-2])))


def _matmul_grads(a, b, g, need_a, need_b):
    """dL/da = g @ b^T and dL/db = a^T @ g for y = a @ b, each None when not needed."""
    if a.ndim == 2 and b.ndim == 2:  # matrices, the common case: the formulas as they read
        if type(a) is np.ndarray and (_transposed(a) or _transposed(b)):
            return _grads_in_layout(a, b, g, need_a, need_b)
        return (g @ b.T if need_a else None), (a.T @ g if need_b else None)
    if a.ndim == 1 and b.ndim == 1:  # the dot product
        return (g * b if need_a else None), (g * a if need_b else None)
    # numpy promotes a 1-D operand to a row (a) or column (b) matrix and drops that axis
    # from the result; do the same to g, then drop it from the gradient.
    if a.ndim == 1:
        g = xp.expand_dims(g, -2)
    if b.ndim == 1:
        g = xp.expand_dims(g, -1)
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    grad_a = grad_b = None
    if need_a:
        grad_a = g @ b2.swapaxes(-1, -2)
        grad_a = grad_a[..., 0, :] if a.ndim == 1 else grad_a
    if need_b:
        grad_b = a2.swapaxes(-1, -2) @ g
        grad_b = grad_b[..., 0] if b.ndim == 1 else grad_b
    return grad_a, grad_b


def _transposed(m):
    """Whether a 2-D array is laid out as the transpose of a contiguous one (``x.T``)."""
    return m.flags.f_contiguous and not m.flags.c_contiguous


def _grads_in_layout(a, b, g, need_a, need_b):
    """``_matmul_grads`` for matrices, each gradient laid out as its operand is.

    Speed, fenced here (PyTorch's mm_mat1_backward does the same): an operand that is a
    transposed view (``W.T`` in PyTorch's ``x @ W.T``, ``h.T`` in a recorded backward's
    ``h.T @ g``) gets its gradient as the transpose of a contiguous product, so the
    Transpose op's backward hands its input a contiguous gradient. Otherwise that gradient
    is a transposed view, and every sum or update that reads it runs strided: adding one to
    a contiguous (128, 512) float32 gradient took 76 us instead of 12.
    """
    grad_a = grad_b = None
    if need_a:
        grad_a = (b @ g.T).T if _transposed(a) else g @ b.T
    if need_b:
        grad_b = (g.T @ a).T if _transposed(b) else a.T @ g
    return grad_a, grad_b


def matmul(a, b, *, transpose_a=False, transpose_b=False, adjoint_a=False,
           adjoint_b=False):
    """Matrix product with numpy's rules: 2-D, batched N-D, and 1-D operands.

    Args:
        a: (..., n, k) or (k,).  b: (..., k, m) or (k,).
        transpose_a, transpose_b: TensorFlow's ``tf.matmul`` keywords: the operand's last
            two axes swapped first (``tf.matmul(q, k, transpose_b=True)``, attention's
            scores). ``adjoint_a``/``adjoint_b`` are the same for real numbers.
    Returns:
        (..., n, m), with the axis of a 1-D operand dropped.
    """
    a, b = pair(a, b, MatMul)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: operands must have at least one dimension, got shapes "
                         f"{a.shape} and {b.shape}")
    if transpose_a or adjoint_a or transpose_b or adjoint_b:
        a = _swapped(a, transpose_a or adjoint_a, "a")
        b = _swapped(b, transpose_b or adjoint_b, "b")
    # numpy's own messages speak of gufunc signatures; say which axes disagree instead.
    k_a, k_b = a.shape[-1], b.shape[-2 if b.ndim > 1 else 0]
    if k_a != k_b:
        raise ValueError(f"matmul: shapes {a.shape} @ {b.shape} do not match: the last axis "
                         f"of a has {k_a} elements, the contracted axis of b has {k_b}")
    if a.ndim > 2 and b.ndim > 2:
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise ValueError(f"matmul: shapes {a.shape} @ {b.shape} do not match: the batch "
                             f"axes {a.shape[:-2]} and {b.shape[:-2]} do not broadcast") from None
    if _local.state.deferring and a.ndim == 2 and b.ndim == 2:  # inside hvp: see deferred.py
        product = deferred.product(MatMul(), a, b)
        if product is not None:
            return product
    return apply(MatMul(), a, b)


def _swapped(x, swap, name):
    """x with its last two axes exchanged, if asked (TensorFlow's transpose_a/b)."""
    if not swap:
        return x
    if x.ndim < 2:
        raise ValueError(f"matmul: transpose_{name} needs a matrix (or a batch of them), got "
                         f"shape {x.shape}")
    return shape.swapaxes(x, -1, -2)


def mm(a, b):
    """PyTorch's ``mm``: the product of two matrices, (n, k) @ (k, m), without broadcasting
    (``matmul`` broadcasts and takes vectors)."""
    a, b = pair(a, b, MatMul)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(f"mm: expects matrices of shapes (n, k) and (k, m), got {a.shape} and "
                         f"{b.shape}; matmul (@) takes other shapes")
    return apply(MatMul(), a, b)


def mv(a, v):
    """PyTorch's ``mv``: a matrix times a vector, (n, k) @ (k,) -> (n,)."""
    a, v = pair(a, v, MatMul)
    if a.ndim != 2 or v.ndim != 1 or a.shape[1] != v.shape[0]:
        raise ValueError(f"mv: expects a matrix (n, k) and a vector (k,), got {a.shape} and "
                         f"{v.shape}")
    return apply(MatMul(), a, v)


def dot(a, b):
    """numpy's ``dot`` (PyTorch's and TensorFlow's for vectors): vectors and matrices as
    ``matmul`` (two vectors give their inner product); a number times anything, their
    product; N-D arrays, the sum over a's last axis and b's second-to-last (``tensordot``,
    where ``matmul`` would broadcast instead)."""
    a, b = pair(a, b, MatMul)
    if a.ndim == 0 or b.ndim == 0:
        return arithmetic.multiply(a, b)
    if a.ndim <= 2 and b.ndim <= 2:
        return matmul(a, b)
    if a.shape[-1] != b.shape[max(b.ndim - 2, 0)]:
        raise ValueError(f"dot: shapes {a.shape} and {b.shape} do not match: the last axis of "
                         f"a and the second-to-last of b must have the same length")
    return contractions.tensordot(a, b, axes=([a.ndim - 1], [max(b.ndim - 2, 0)]))


def bmm(a, b):
    """PyTorch's ``bmm``: one matrix product per batch entry, without broadcasting
    (``matmul`` broadcasts).

    Args:
        a: (batch, n, k).  b: (batch, k, m).
    Returns:
        (batch, n, m).
    """
    a, b = pair(a, b, MatMul)
    if a.ndim != 3 or b.ndim != 3 or a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise ValueError(f"bmm: expects a of shape (batch, n, k) and b of shape (batch, k, m), "
                         f"got {a.shape} and {b.shape}; matmul (@) broadcasts other shapes")
    return apply(MatMul(), a, b)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):  # noqa: A002 (PyTorch's name)
    """PyTorch's ``addmm``: beta * input + alpha * (mat1 @ mat2).

    Args:
        input: broadcast to (n, m) (a bias row, say).  mat1: (n, k).  mat2: (k, m).
        beta, alpha: numbers; with beta 0, input is left out (its NaNs too), as PyTorch.
    Returns:
        (n, m).
    """
    mat1, mat2 = pair(mat1, mat2, MatMul)
    if mat1.ndim != 2 or mat2.ndim != 2 or mat1.shape[1] != mat2.shape[0]:
        raise ValueError(f"addmm: expects mat1 (n, k) and mat2 (k, m), got shapes "
                         f"{mat1.shape} and {mat2.shape}")
    out_shape = (mat1.shape[0], mat2.shape[1])
    input = operand(input, MatMul, like=mat1)  # noqa: A001
    try:
        fits = np.broadcast_shapes(input.shape, out_shape) == out_shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"addmm: input of shape {input.shape} does not broadcast to the "
                         f"product's shape {out_shape}")
    product = apply(MatMul(), mat1, mat2)
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        return product
    return product + (input if beta == 1 else input * beta)


class Linear(Op):
    """y = x @ W + b    dL/dx = g @ W^T,  dL/dW = x^T @ g,  dL/db = g   (a dense layer)

    MatMul then Add, fused so the bias is added into the fresh product in place: one
    (batch, units) array less per step than ``x @ W + b``. The gradients are MatMul's.
    """

    __slots__ = ()

    def forward(self, x, W, b):
        y = np.matmul(x, W)
        if b.dtype == y.dtype:
            try:
                y += b  # in place is x @ W + b exactly when b fits y's shape and dtype
                return y
            except ValueError:  # b would enlarge y: broadcast to a new array instead
                pass
        return y + b

    def backward(self, g, y, x, W, b):
        need_x, need_W, need_b = self.needs_grad
        grad_x, grad_W = _matmul_grads(x, W, g, need_x, need_W)
        return grad_x, grad_W, (g if need_b else None)

    def element(self, i, at, g, y, x, W, b):
        return Terms() if i == 2 else _matmul_terms(i, at, g, x, W, ("x", "W"))


def linear(x, W, b=None):
    """x @ W + b, the dense layer's affine map, in one op (``torch.nn.functional.linear``
    with W transposed, TensorFlow's ``xw_plus_b``).

    Args:
        x: (..., n_in) inputs.  W: (n_in, units).  b: (units,) or None.
    Returns:
        (..., units).
    """
    if b is None:
        return matmul(x, W)
    x, W = pair(x, W, Linear)
    x_shape, W_shape = x.data.shape, W.data.shape
    if not x_shape or not W_shape:
        raise ValueError(f"linear: operands must have at least one dimension, got shapes "
                         f"{x_shape} and {W_shape}")
    k_W = W_shape[-2 if len(W_shape) > 1 else 0]
    if x_shape[-1] != k_W:
        raise ValueError(f"linear: shapes {x_shape} @ {W_shape} do not match: the last axis "
                         f"of x has {x_shape[-1]} elements, the first axis of W has {k_W}")
    if not isinstance(b, Value):
        b = operand(b, Linear, like=x)
    return apply(Linear(), x, W, b)


class Outer(Op):
    """y = a b^T (a and b flattened)     dL/da = g @ b,  dL/db = g^T @ a"""

    __slots__ = ()

    def forward(self, a, b):
        return np.outer(a, b)

    def backward(self, g, y, a, b):
        need_a, need_b = self.needs_grad
        grad_a = (g @ b.reshape(-1)).reshape(a.shape) if need_a else None
        grad_b = (a.reshape(-1) @ g).reshape(b.shape) if need_b else None
        return grad_a, grad_b

    def element(self, i, at, g, y, a, b):
        if i == 0:  # dL/da_i = sum_j g[i, j] * b_j, over b flattened
            r = flat_index(at, np.shape(a))
            return Terms("g*b", tuple({"g": (r, j), "b": unflat_index(j, np.shape(b))}
                                      for j in range(np.size(b))))
        m = flat_index(at, np.shape(b))
        return Terms("g*a", tuple({"g": (j, m), "a": unflat_index(j, np.shape(a))}
                                  for j in range(np.size(a))))


def outer(a, b):
    """The outer product y[i, j] = a[i] * b[j] of two vectors (``np.outer``: other shapes
    are flattened first; ``torch.outer``)."""
    return apply(Outer(), *pair(a, b, Outer))


def _diagonal_index(rows, cols, offset):
    """Row and column indices of the ``offset`` diagonal of a (rows, cols) matrix."""
    n = max(0, min(rows + min(offset, 0), cols - max(offset, 0)))
    return np.arange(n) - min(offset, 0), np.arange(n) + max(offset, 0)


def _int(k, op_name):
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"{op_name}: the diagonal offset must be an integer, got {k!r}")
    return int(k)


class Diagonal(Op):
    """y = the diagonal of x over (axis1, axis2), as a last axis    dL/dx = g put back on it"""

    __slots__ = ("offset", "axis1", "axis2")

    def __init__(self, offset, axis1, axis2):
        self.offset, self.axis1, self.axis2 = offset, axis1, axis2

    def forward(self, x):
        return np.diagonal(x, self.offset, self.axis1, self.axis2).copy()  # numpy's is read-only

    def backward(self, g, y, x):
        # With the two axes moved last, the diagonal is x[..., rows, cols]: scatter g there.
        rest = tuple(a for a in range(x.ndim) if a not in (self.axis1, self.axis2))
        order = rest + (self.axis1, self.axis2)
        moved = tuple(x.shape[a] for a in order)
        rows, cols = _diagonal_index(moved[-2], moved[-1], self.offset)
        grad = xp.scatter(g, (Ellipsis, rows, cols), moved)
        return (grad.transpose(tuple(np.argsort(order))),)

    def formula(self, y, x):
        return (f"y = the diagonal {self.offset} of x over axes ({self.axis1}, {self.axis2}), "
                "as the last axis",
                f"dL/dx = g put back on the diagonal {self.offset}, 0 elsewhere")

    def element(self, i, at, g, y, x):
        row, col = at[self.axis1], at[self.axis2]
        if col - row != self.offset:
            return Terms("g", ())
        rest = tuple(k for a, k in enumerate(at) if a not in (self.axis1, self.axis2))
        return Terms("g", ({"g": rest + (min(row, col),)},))


def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal of x over two axes, appended as the last axis (``np.diagonal``);
    ``offset`` > 0 above the main diagonal, < 0 below."""
    x = operand(x, Diagonal)
    if x.ndim < 2:
        raise ValueError(f"diagonal: needs at least 2 dimensions, got shape {x.shape}")
    axis1, axis2 = axis_arg(axis1, x.shape, "diagonal"), axis_arg(axis2, x.shape, "diagonal")
    if axis1 == axis2:
        raise ValueError(f"diagonal: axis1 and axis2 are the same axis ({axis1}) of shape "
                         f"{x.shape}")
    return apply(Diagonal(_int(offset, "diagonal"), axis1, axis2), x)


class Diag(Op):
    """y = the matrix with the vector x on its k-th diagonal, zeros elsewhere
    dL/dx = the k-th diagonal of g"""

    __slots__ = ("k",)

    def __init__(self, k):
        self.k = k

    def forward(self, x):
        return np.diag(x, self.k)

    def backward(self, g, y, x):
        return (g[_diagonal_index(g.shape[0], g.shape[1], self.k)],)

    def formula(self, y, x):
        n = np.shape(y)[0]
        return (f"y = the {n}x{n} matrix with x on its diagonal {self.k}, zeros elsewhere",
                f"dL/dx = the diagonal {self.k} of g")

    def element(self, i, at, g, y, x):
        (j,) = at
        return Terms("g", ({"g": (j - min(self.k, 0), j + max(self.k, 0))},))


def diag(x, k=0):
    """numpy's ``diag``: a vector becomes a square matrix with it on diagonal k; a matrix
    gives its diagonal k as a vector."""
    x = operand(x, Diag)
    k = _int(k, "diag")
    if x.ndim == 1:
        return apply(Diag(k), x)
    if x.ndim == 2:
        return apply(Diagonal(k, 0, 1), x)
    raise ValueError(f"diag: expected a vector or a matrix, got shape {x.shape}")


class Triangle(Op):
    """y = x with zeros above (tril) or below (triu) its k-th diagonal
    dL/dx = g with the same zeros"""

    __slots__ = ("k", "lower")

    def __init__(self, k, lower):
        self.k, self.lower = k, lower

    def forward(self, x):
        return (np.tril if self.lower else np.triu)(x, self.k)

    def backward(self, g, y, x):
        return (_triangle(g, self.k, self.lower),)

    def formula(self, y, x):
        kept = f"{'on and below' if self.lower else 'on and above'} the diagonal {self.k}"
        return (f"y = x {kept}, 0 elsewhere", f"dL/dx = g {kept}, 0 elsewhere")

    def element(self, i, at, g, y, x):
        row, col = at[-2:]
        kept = col - row <= self.k if self.lower else col - row >= self.k
        return Terms("g") if kept else Terms("g", ())  # no term: the element is 0


def _triangle(x, k, lower):
    """The triangle of x: numpy's on arrays, the op on Values (the recorded backward)."""
    if isinstance(x, Value):
        return apply(Triangle(k, lower), x)
    return (np.tril if lower else np.triu)(x, k)


def _triangle_args(x, diagonal, k, name):
    if k is not None:
        if diagonal != 0:
            raise TypeError(f"{name}: give k (numpy) or diagonal (PyTorch), not both")
        diagonal = k
    x = operand(x, Triangle)
    if x.ndim < 2:
        raise ValueError(f"{name}: expects a matrix or a batch of matrices, got shape {x.shape}")
    return x, _int(diagonal, name)


def tril(x, diagonal=0, *, k=None):
    """The lower triangle of each matrix in x (its last two axes): the elements on and
    below the diagonal ``diagonal`` (numpy's ``k``; 0 the main one, 1 the one above),
    zeros above it (``np.tril``, ``torch.tril``: causal attention masks)."""
    x, k = _triangle_args(x, diagonal, k, "tril")
    return apply(Triangle(k, True), x)


def triu(x, diagonal=0, *, k=None):
    """The upper triangle of each matrix in x: on and above the diagonal ``diagonal``
    (numpy's ``k``), zeros below (``np.triu``, ``torch.triu``)."""
    x, k = _triangle_args(x, diagonal, k, "triu")
    return apply(Triangle(k, False), x)


class Trace(Op):
    """y = sum of the diagonal of x over (axis1, axis2)     dL/dx = g * I"""

    __slots__ = ("offset", "axis1", "axis2")

    def __init__(self, offset, axis1, axis2):
        self.offset, self.axis1, self.axis2 = offset, axis1, axis2

    def forward(self, x):
        return np.trace(x, self.offset, self.axis1, self.axis2)

    def backward(self, g, y, x):
        a1, a2 = self.axis1, self.axis2
        eye = np.eye(x.shape[a1], x.shape[a2], self.offset, dtype=x.dtype)
        shape = [1] * x.ndim
        shape[a1], shape[a2] = x.shape[a1], x.shape[a2]
        eye = (eye if a1 < a2 else eye.T).reshape(shape)
        return (xp.expand_dims(g, (min(a1, a2), max(a1, a2))) * eye,)

    def formula(self, y, x):
        return (f"y = sum of the diagonal {self.offset} of x over axes ({self.axis1}, "
                f"{self.axis2})",
                f"dL/dx = g * I, g copied along axes ({self.axis1}, {self.axis2})   "
                f"(I: 1 on the diagonal {self.offset}, 0 elsewhere)")

    def element(self, i, at, g, y, x):
        on = at[self.axis2] - at[self.axis1] == self.offset
        rest = tuple(k for a, k in enumerate(at) if a not in (self.axis1, self.axis2))
        return Terms("g * I", ({"g": rest, "I": ()},), {"I": np.float64(on)})


def trace(x, offset=0, axis1=0, axis2=1):
    """Sum of the diagonal over two axes (``np.trace``: the first two by default;
    ``ag.linalg.trace`` takes the last two, as ``tf.linalg.trace``)."""
    x = operand(x, Trace)
    if x.ndim < 2:
        raise ValueError(f"trace: needs at least 2 dimensions, got shape {x.shape}")
    axis1, axis2 = axis_arg(axis1, x.shape, "trace"), axis_arg(axis2, x.shape, "trace")
    if axis1 == axis2:
        raise ValueError(f"trace: axis1 and axis2 are the same axis ({axis1}) of shape "
                         f"{x.shape}")
    return apply(Trace(_int(offset, "trace"), axis1, axis2), x)


def cross(a, b, axis=-1, *, dim=None):
    """The cross product of 3-vectors along ``axis`` (PyTorch's ``dim``), the others
    broadcast (``np.cross``, ``torch.linalg.cross``): a x b = a[1] b[2] - a[2] b[1], ..."""
    if dim is not None:
        axis = dim
    a, b = pair(a, b, MatMul)
    axis_a = axis_arg(axis, a.shape, "cross", allow_none=False)
    axis_b = axis_arg(axis, b.shape, "cross", allow_none=False)
    if a.shape[axis_a] != 3 or b.shape[axis_b] != 3:
        raise ValueError(f"cross: the axis {axis} must have length 3, got shapes {a.shape} "
                         f"and {b.shape}")

    def at(v, axis_v, order):
        return v[(slice(None),) * axis_v + (order,)]
    ahead, behind = np.array([1, 2, 0]), np.array([2, 0, 1])
    return at(a, axis_a, ahead) * at(b, axis_b, behind) - \
        at(a, axis_a, behind) * at(b, axis_b, ahead)


def kron(a, b):
    """The Kronecker product (``np.kron``, ``torch.kron``): every element of a times all
    of b, in blocks; inputs of fewer axes take leading axes of length 1."""
    a, b = pair(a, b, MatMul)
    n = max(a.ndim, b.ndim)
    a = a.reshape((1,) * (n - a.ndim) + a.shape)
    b = b.reshape((1,) * (n - b.ndim) + b.shape)
    # a's axes interleaved with b's: (a0, b0, a1, b1, ...), then each pair merged
    a_spread = a.reshape(tuple(d for size in a.shape for d in (size, 1)))
    b_spread = b.reshape(tuple(d for size in b.shape for d in (1, size)))
    return (a_spread * b_spread).reshape(tuple(p * q for p, q in zip(a.shape, b.shape)))

"""``ag.linalg``: linear algebra under numpy's and PyTorch's ``linalg`` names.

>>> import autograd_core as ag
>>> A = ag.Value([[2.0, 1.0], [1.0, 3.0]])
>>> d = ag.linalg.det(A)
>>> d.backward()
>>> float(d), A.grad                 # dL/dA = det(A) A^-T, the cofactors
(5.0, array([[ 3., -1.],
       [-1.,  2.]], dtype=float32))
>>> ag.linalg.solve(A, [3.0, 4.0]).numpy()
array([1., 1.], dtype=float32)

``eigh``/``eigvalsh`` (symmetric matrices) and ``cholesky`` read the lower triangle, as
numpy's and PyTorch's do; ``slogdet`` and ``eigh`` return named pairs (``.logabsdet``,
``.eigenvectors``).

``trace`` and ``diagonal`` here take the last two axes (numpy 2's ``linalg.trace``,
``tf.linalg.trace``), where ``ag.trace`` and ``ag.diagonal`` take the first two, as numpy's
top-level functions. ``norm`` is numpy's ``linalg.norm``: with no axis, ord 2 of a matrix
is its largest singular value (``ag.norm``, TensorFlow's, takes the 2-norm of all entries).
"""

from .ops.contractions import einsum, tensordot
from .ops.inverse import det, inv, lstsq, matrix_power, pinv, slogdet, solve
from .ops.linalg import diagonal as _diagonal
from .ops.linalg import cross, matmul, outer
from .ops.linalg import trace as _trace
from .ops.norms import linalg_norm as norm
from .ops.decompositions import cholesky, eigh, eigvalsh, svd, svdvals
from .ops.norms import matrix_norm, vector_norm

__all__ = ["inv", "det", "slogdet", "solve", "lstsq", "pinv", "matrix_power", "svd", "svdvals",
           "eigh", "eigvalsh", "cholesky", "norm", "vector_norm", "matrix_norm", "matmul",
           "einsum", "tensordot", "outer", "cross", "trace", "diagonal"]


def trace(x, offset=0):
    """The trace of each matrix of x (..., n, m): the sum of its diagonal ``offset``."""
    return _trace(x, offset, -2, -1)


def diagonal(x, offset=0):
    """The diagonal ``offset`` of each matrix of x (..., n, m), as the last axis
    (``tf.linalg.diag_part``)."""
    return _diagonal(x, offset, -2, -1)

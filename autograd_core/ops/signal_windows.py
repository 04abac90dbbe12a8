"""PyTorch's window functions for signal processing: ``hann_window``, ``hamming_window``,
``blackman_window``, ``bartlett_window``, ``kaiser_window``.

Each is a constant vector w[n], n = 0 .. N-1, tapering to the ends. ``periodic=True``
(PyTorch's default, for spectral analysis) computes the symmetric window of N + 1 points and
drops the last, so that the window repeats with period N. Computed in float64 and given in
``dtype`` (the default float dtype, float32 at start); N = 0 gives an empty vector and N = 1
the vector [1], as PyTorch's do.
"""

from __future__ import annotations

import numpy as np

from .factories import _dtype, _made

__all__ = ["hann_window", "hamming_window", "blackman_window", "bartlett_window",
           "kaiser_window"]


def _window(where, window_length, periodic, formula, dtype, requires_grad, device):
    """w[n] = formula(n, M) over the symmetric window of M points (M = N + 1 when periodic),
    cut to N points; the checks first."""
    if isinstance(window_length, bool) or not isinstance(window_length, (int, np.integer)):
        raise TypeError(f"{where}: window_length must be an int, got {window_length!r}")
    if window_length < 0:
        raise RuntimeError(f"{where}: window_length must be non-negative, got "
                           f"window_length={window_length}")
    if not isinstance(periodic, bool):
        raise TypeError(f"{where}: periodic must be True or False, got {periodic!r}")
    dtype = _dtype(dtype, where)
    if dtype.kind != "f":
        raise RuntimeError(f"{where}: expects a floating point dtype, got {dtype}")
    n = int(window_length)
    if n <= 1:
        data = np.ones(n)
    else:
        m = n + 1 if periodic else n
        data = formula(np.arange(m, dtype=np.float64), m)[:n]
    return _made(data.astype(dtype), requires_grad, None, where, device)


def _cosines(*coefficients):
    """w[n] = a0 - a1 cos(2 pi n / (M - 1)) + a2 cos(4 pi n / (M - 1)) - ..."""
    def formula(n, m):
        angle = 2 * np.pi * n / (m - 1)
        return sum((-1) ** k * a * np.cos(k * angle) for k, a in enumerate(coefficients))
    return formula


def hann_window(window_length, periodic=True, *, dtype=None, requires_grad=False,
                device=None):
    """PyTorch's ``torch.hann_window``: w[n] = 0.5 - 0.5 cos(2 pi n / (M - 1)).

    >>> hann_window(4).numpy()
    array([0. , 0.5, 1. , 0.5], dtype=float32)
    """
    return _window("hann_window", window_length, periodic, _cosines(0.5, 0.5), dtype,
                   requires_grad, device)


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None,
                   requires_grad=False, device=None):
    """PyTorch's ``torch.hamming_window``: w[n] = alpha - beta cos(2 pi n / (M - 1))."""
    return _window("hamming_window", window_length, periodic, _cosines(alpha, beta), dtype,
                   requires_grad, device)


def blackman_window(window_length, periodic=True, *, dtype=None, requires_grad=False,
                    device=None):
    """PyTorch's ``torch.blackman_window``:
    w[n] = 0.42 - 0.5 cos(2 pi n / (M - 1)) + 0.08 cos(4 pi n / (M - 1))."""
    return _window("blackman_window", window_length, periodic, _cosines(0.42, 0.5, 0.08),
                   dtype, requires_grad, device)


def bartlett_window(window_length, periodic=True, *, dtype=None, requires_grad=False,
                    device=None):
    """PyTorch's ``torch.bartlett_window``, the triangle w[n] = 1 - |2n / (M - 1) - 1|."""
    return _window("bartlett_window", window_length, periodic,
                   lambda n, m: 1 - np.abs(2 * n / (m - 1) - 1), dtype, requires_grad, device)


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None,
                  requires_grad=False, device=None):
    """PyTorch's ``torch.kaiser_window``:
    w[n] = I0(beta sqrt(1 - (2n / (M - 1) - 1)**2)) / I0(beta), I0 the modified Bessel
    function (numpy's ``kaiser``)."""
    return _window("kaiser_window", window_length, periodic,
                   lambda n, m: np.kaiser(m, beta), dtype, requires_grad, device)

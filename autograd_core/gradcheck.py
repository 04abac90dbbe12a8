"""Check analytic gradients against central differences, in float64."""

from __future__ import annotations

import numpy as np

from .engine import Value, no_grad


class GradcheckError(AssertionError):
    """An analytic gradient disagrees with the finite-difference estimate."""


def gradcheck(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-4, seed=0):
    """Compare ``backward()`` with (f(x + eps) - f(x - eps)) / (2 eps), element by element.

    A non-scalar output y is reduced to L = sum(y * w) with fixed random weights w, so every
    output element's gradient is checked at once.

    Args:
        f: a function of Values returning a Value.
        inputs: arrays, numbers or Values; each is copied to a float64 Value.
        eps, atol, rtol: step and tolerances; an element passes when
            |analytic - numeric| <= atol + rtol * |numeric|.
    Returns:
        A list with the maximum absolute error for each input.
    Raises:
        GradcheckError: naming the input, the worst element, the analytic and numeric values.

    >>> from autograd_core import tanh
    >>> gradcheck(lambda x: tanh(x) * x, [np.array([0.5, -1.0])])[0] < 1e-8
    True
    """
    xs = [Value(np.array(x.data if isinstance(x, Value) else x, dtype=np.float64),
                name=getattr(x, "name", None)) for x in inputs]
    y = f(*xs)
    if not isinstance(y, Value):
        raise TypeError(f"gradcheck: f returned {type(y).__name__} {y!r}, not a Value, so there "
                        "is no graph to differentiate; compute its result from its arguments "
                        "(Values) with autograd_core's ops")
    weights = np.random.default_rng(seed).uniform(0.5, 1.5, np.shape(y.data))

    def scalar(out):
        return float(np.sum(np.asarray(out.data, dtype=np.float64) * weights))

    (y * weights).sum().backward()
    errors = []
    for i, x in enumerate(xs):
        analytic = np.zeros(x.shape) if x.grad is None else np.asarray(x.grad, dtype=np.float64)
        numeric = np.zeros(x.shape)
        flat = x.data.reshape(-1) if isinstance(x.data, np.ndarray) else None
        with no_grad():
            for j in range(x.data.size):
                if flat is None:  # a 0-d input is held as a numpy scalar
                    orig = x.data
                    x.data = orig + eps
                    plus = scalar(f(*xs))
                    x.data = orig - eps
                    minus = scalar(f(*xs))
                    x.data = orig
                else:
                    orig = flat[j]
                    flat[j] = orig + eps
                    plus = scalar(f(*xs))
                    flat[j] = orig - eps
                    minus = scalar(f(*xs))
                    flat[j] = orig
                numeric.reshape(-1)[j] = (plus - minus) / (2 * eps)
        err = np.abs(analytic - numeric)
        errors.append(float(err.max()) if err.size else 0.0)
        bad = err > atol + rtol * np.abs(numeric)
        if np.any(bad):
            k = np.unravel_index(np.argmax(np.where(bad, err, -1)), err.shape)
            name = f" ({x.name!r})" if x.name else ""
            raise GradcheckError(
                f"gradcheck: input {i}{name} of shape {x.shape}: at index {tuple(map(int, k))} "
                f"the analytic gradient is {analytic[k]:.8g} but the numeric one is "
                f"{numeric[k]:.8g} (error {err[k]:.3g} > atol {atol} + rtol {rtol} * "
                f"|numeric|); {int(bad.sum())} of {bad.size} elements disagree")
    return errors

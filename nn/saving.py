"""Saving and loading weights as ``.npz`` files, safely.

A file holds one array per Variable, keyed by its name in ``module.named_parameters()``
("0.W", "0.b", ...), so it loads into any model of the same architecture.

Two promises:

- Saving is atomic: the arrays go to a temporary file in the same folder, which is flushed
  to disk and then renamed over the target (``os.replace`` is atomic). A crash or an error
  midway leaves the previous file as it was, and no temporary file behind.
- Loading checks everything first (missing or extra names, shapes, dtypes) and changes
  nothing unless all of it matches. Files are read with ``allow_pickle=False``, so a
  weights file cannot run code.
"""

import contextlib
import os
import tempfile

import numpy as np

__all__ = ["save_weights", "load_weights"]


def save_weights(module, path):
    """Write every Variable of ``module`` to the ``.npz`` file ``path``, atomically.

    Args:
        module: a Module.
        path: the file to write (exactly this name; ".npz" is not appended).
    Raises:
        ValueError: the module has no Variables yet (a lazy layer not yet called).
    """
    arrays = {name: v.numpy() for name, v in module.named_parameters()}
    if not arrays:
        raise ValueError(f"save_weights: {type(module).__name__} {module.name!r} has no "
                         "Variables yet; build it first (give input_shape or call it on data)")
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes the file private (0600); give it the old file's mode, or rw-r--r--.
        os.chmod(tmp, os.stat(path).st_mode & 0o777 if os.path.exists(path) else 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder):
    """Make the rename itself durable (POSIX); folders cannot be opened on Windows."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load_weights(module, path):
    """Set every Variable of ``module`` from a file written by ``save_weights``.

    Args:
        module: a Module with the same Variables (names, shapes and dtypes) as when saved.
        path: the ``.npz`` file.
    Raises:
        ValueError: listing every mismatch (missing or unexpected names, shapes, dtypes);
            the module is then left unchanged.
    """
    path = os.fspath(path)
    with np.load(path, allow_pickle=False) as f:
        arrays = {name: f[name] for name in f.files}
    params = dict(module.named_parameters())
    problems = []
    missing = [name for name in params if name not in arrays]
    extra = [name for name in arrays if name not in params]
    if missing:
        problems.append(f"missing from the file: {', '.join(missing)}")
    if extra:
        problems.append(f"in the file but not in the model: {', '.join(extra)}")
    for name, v in params.items():
        a = arrays.get(name)
        if a is None:
            continue
        if a.shape != v.shape:
            problems.append(f"{name}: shape {a.shape} in the file, {v.shape} in the model")
        elif a.dtype != v.dtype:
            problems.append(f"{name}: dtype {a.dtype} in the file, {v.dtype} in the model")
    if problems:
        hint = ""
        if not params:
            hint = " (the model has no Variables yet: build it first)"
        raise ValueError(f"load_weights: {path!r} does not match {type(module).__name__} "
                         f"{module.name!r}{hint}; nothing was loaded:\n  "
                         + "\n  ".join(problems))
    for name, v in params.items():
        v.assign(arrays[name])

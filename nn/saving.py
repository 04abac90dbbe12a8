"""Saving and loading a module's weights as ``.npz`` files, safely.

A file holds one array per Variable, keyed by its name in ``module._named_variables()``
("0.W", "0.b", ...), so it loads into any model of the same architecture. The archive is
written and read by ``ag.npz`` (never pickled, read with bounds) and written through
``ag.atomic`` (a temporary renamed over the target).

Two promises:

- Saving is atomic: a crash, a full disk or ``kill -9`` at any moment leaves the previous
  file or the new one, complete; the next save removes the temporaries a killed save left.
- Loading checks everything first and changes nothing unless all of it is right: the zip
  directory and each member's header (name, dtype, shape) are compared with the model, and
  array data is read only once every member matches.

PyTorch's ``torch.save``/``torch.load`` are ``ag.save``/``ag.load``, also here as
``nn.save``/``nn.load`` (the same functions).
"""

import os

from autograd_core.atomic import atomic_write
from autograd_core.npz import (
    MEMBER_ERRORS, array_members, check_header, listing, open_archive, read_array,
    write_arrays,
)
from autograd_core.serialization import LOAD_MAX_BYTES, load, save

__all__ = ["save_weights", "load_weights", "write_arrays", "read_arrays", "save", "load",
           "LOAD_MAX_BYTES"]


def save_weights(module, path):
    """Write every Variable of ``module`` to the ``.npz`` file ``path``, atomically.

    Args:
        module: a Module.
        path: the file to write (exactly this name; ".npz" is not appended).
    Raises:
        ValueError: the module has no Variables yet (a lazy layer not yet called).
        OSError: the file could not be written (a full disk, no permission); the previous
            file is then unchanged and no temporary file is left.
    """
    arrays = {name: v.numpy() for name, v in module._named_variables()}
    if not arrays:
        raise ValueError(f"save_weights: {type(module).__name__} {module.name!r} has no "
                         "Variables yet; build it first (give input_shape or call it on data)")
    with atomic_write(path) as f:
        write_arrays(arrays, f)


def load_weights(module, path):
    """Set every Variable of ``module`` from a file written by ``save_weights``.

    Args:
        module: a Module with the same Variables (names, shapes and dtypes) as when saved.
        path: the ``.npz`` file.
    Raises:
        ValueError: the file is not a complete ``.npz`` archive (empty, a plain ``.npy``,
            truncated, random bytes), or it does not match the model: every problem is
            listed (missing or unexpected names, shapes, dtypes, duplicate or damaged
            members). The module is then left unchanged.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        arrays = read_arrays(module, f, os.fstat(f.fileno()).st_size, path)
    params = dict(module._named_variables())
    for name, v in params.items():
        v.assign(arrays[name])


def read_arrays(module, f, size, path, expected=None):
    """The arrays of the ``.npz`` in the binary file ``f`` (``size`` bytes), one per
    Variable of ``module``, all checked as ``load_weights`` says; nothing is assigned.

    Args:
        path: names the file in the messages.
        expected: {name: anything with the array's shape and dtype}, the members to read
            instead of the module's Variables (a saved optimizer's state).
    """
    params = dict(module._named_variables()) if expected is None else expected
    archive = open_archive(f, path, where="load_weights")
    with archive:
        members, problems = array_members(archive, size)
        missing = [name for name in params if name not in members]
        extra = [name for name in members if name not in params]
        if missing:
            problems.append(f"missing from the file: {listing(missing)}")
        if extra:
            problems.append(f"in the file but not in the model: {listing(extra)}")
        for name, v in params.items():
            if name in members:
                problem = check_header(archive, members[name], v)
                if problem:
                    problems.append(f"{name}: {problem}")
        if problems:
            _refuse(module, path, params, problems)
        arrays = {}
        for name in params:
            try:
                arrays[name] = read_array(archive, members[name])
            except MEMBER_ERRORS as err:
                _refuse(module, path, params, [f"{name}: damaged data ({err})"])
    return arrays


def _refuse(module, path, params, problems):
    hint = " (the model has no Variables yet: build it first)" if not params else ""
    raise ValueError(f"load_weights: {path!r} does not match {type(module).__name__} "
                     f"{module.name!r}{hint}; nothing was loaded:\n  " + "\n  ".join(problems))


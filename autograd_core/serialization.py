"""PyTorch's ``torch.save`` / ``torch.load``, as ``ag.save`` / ``ag.load``: state dicts,
checkpoints and arrays in an ``.npz`` archive, never pickled.

- A state dict, {name: array or Value}, is one ``.npy`` member per name, what ``np.savez``
  writes (so ``np.load`` reads it, and ``ag.load`` reads what ``np.savez`` wrote).
- Anything else ``save`` accepts (a "general checkpoint" of nested dicts, lists, numbers and
  state dicts; an array or a Value alone) keeps its arrays as members "0", "1", ... and its
  shape as JSON in a member ``__structure__.json``, which ``load`` decodes and checks.

Saving is atomic (``ag.atomic``): the archive goes to a temporary file beside the target,
flushed and renamed over it, so a crash at any moment leaves the old file or the new one,
complete. Loading is bounded (``ag.npz``): headers first, data only once every member is
right and the arrays fit in ``max_bytes``; nothing is unpickled.

>>> import os, tempfile
>>> import numpy as np
>>> import autograd_core as ag
>>> path = os.path.join(tempfile.mkdtemp(), "checkpoint.pt")
>>> ag.save({"epoch": 3, "state": {"W": ag.Value(np.eye(2))}}, path)
>>> checkpoint = ag.load(path)
>>> checkpoint["epoch"], checkpoint["state"]["W"].tolist()
(3, [[1.0, 0.0], [0.0, 1.0]])
"""

import json
import os

import numpy as np

from .atomic import atomic_write
from .npz import (
    MEMBER_ERRORS, array_members, check_header, open_archive, read_array, write_arrays,
)

__all__ = ["save", "load", "LOAD_MAX_BYTES"]

# load's default bound on the arrays' total size: a file may declare what it likes, and a
# compressed member inflates far beyond its bytes on disk.
LOAD_MAX_BYTES = 2 << 30

_STRUCTURE = "__structure__.json"  # a checkpoint's shape, with its arrays as "0", "1", ...
_MAX_STRUCTURE = 16 << 20          # bytes of JSON read at most
_PLAIN = (bool, int, float, str, type(None))  # the values JSON keeps as they are


def save(obj, f):
    """PyTorch's ``torch.save(obj, f)`` for what people save with it, written atomically as
    an ``.npz`` archive under exactly ``f`` ("model.pth" stays "model.pth").

    Args:
        obj: one of
            - a state dict, {name: array or Value} (``model.state_dict()``,
              ``optimizer.state_dict()``): one ``.npy`` member per name, as ``np.savez``;
            - a checkpoint, PyTorch's "general checkpoint": dicts (string or integer keys),
              lists and tuples holding state dicts, arrays, Values, numbers, strings,
              True/False and None, such as ``{"epoch": 5, "model_state_dict":
              model.state_dict(), "optimizer_state_dict": opt.state_dict(), "loss": loss}``;
            - an array or a Value alone (``torch.save(tensor, path)``), which ``load``
              gives back as a numpy array.
        f: a path (str or path-like). Not a file object: the file is written by renaming
            a complete temporary over the path, which a file object cannot be.
    Raises:
        TypeError: ``f`` is not a path; or ``obj`` holds a key that is no string or
            integer, or a value of another kind (a Module, a Python object), named in
            the message. All is checked before the file is touched: nothing is pickled,
            so save a module's ``state_dict()``, not the module.
        OSError: the file could not be written; the previous file is then unchanged.
    """
    path = _path(f, "save")
    extra = {}
    if hasattr(obj, "items") and all(isinstance(name, str) and _is_array(value)
                                     for name, value in obj.items()):
        arrays = {name: _numbers(value, repr(name)) for name, value in obj.items()}
    elif hasattr(obj, "items") or _is_array(obj) or isinstance(obj, _PLAIN + (list, tuple)):
        arrays = {}  # a checkpoint: its arrays numbered, its structure in JSON
        extra[_STRUCTURE] = json.dumps(_encode(obj, arrays, "obj"), allow_nan=True).encode()
    else:
        raise TypeError(f"save: expected a state dict ({{name: array}}), a checkpoint (dicts "
                        f"and lists of them, numbers, strings) or an array, got "
                        f"{type(obj).__name__}; save model.state_dict() instead of the model")
    with atomic_write(path) as file:
        write_arrays(arrays, file, extra)


def _path(f, where):
    """``f`` as a path string, or a TypeError that says why a file object will not do."""
    if hasattr(f, "write") or hasattr(f, "read"):
        raise TypeError(f"{where}: f is a file object ({type(f).__name__}); pass a path: "
                        "save writes atomically by renaming a complete temporary file over "
                        "the path, which a file object cannot do")
    try:
        return os.fspath(f)
    except TypeError:
        raise TypeError(f"{where}: f must be a path (str or os.PathLike), got "
                        f"{type(f).__name__} {f!r}") from None


def _is_array(value):
    return isinstance(value, (np.ndarray, np.generic)) or hasattr(value, "numpy") and \
        not isinstance(value, (dict, list, tuple, str))


def _numbers(value, where):
    """``value`` as a numpy array of numbers, or a TypeError naming it."""
    array = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
    if array.dtype.hasobject or array.dtype.kind not in "biufc":
        raise TypeError(f"save: {where} holds {type(value).__name__} of dtype {array.dtype}, "
                        f"not numbers; only arrays are saved (never pickled)")
    return array


def _encode(obj, arrays, where):
    """JSON for a checkpoint's value, its arrays put in ``arrays`` as "0", "1", ..."""
    if obj is None or isinstance(obj, (bool, str)):
        return {"value": obj}
    if isinstance(obj, (int, float)) and not isinstance(obj, np.generic):
        return {"value": obj, "float": isinstance(obj, float)}
    if hasattr(obj, "items"):
        items = []
        for key, value in obj.items():
            if isinstance(key, bool) or not isinstance(key, (str, int)):
                raise TypeError(f"save: {where} has key {key!r}: keys must be strings or "
                                "integers")
            items.append([key, _encode(value, arrays, f"{where}[{key!r}]")])
        return {"dict": items}
    if isinstance(obj, (list, tuple)):
        return {type(obj).__name__: [_encode(v, arrays, f"{where}[{i}]")
                                     for i, v in enumerate(obj)]}
    if not _is_array(obj):
        raise TypeError(f"save: {where} is a {type(obj).__name__}: a checkpoint holds dicts, "
                        "lists, arrays, numbers, strings and None (never pickled); save a "
                        "module's state_dict() instead of the module")
    name = str(len(arrays))
    arrays[name] = _numbers(obj, where)
    return {"array": name}


def _decode(node, arrays, used, depth=0):
    """A checkpoint's value from its JSON (as ``_encode`` wrote it), checked as it goes:
    each array named once, nesting at most 100 deep."""
    if depth > 100 or not isinstance(node, dict) or len(node) not in (1, 2):
        raise ValueError("the structure is not one save wrote")
    (kind, body), = list(node.items())[:1]
    if kind == "value" and (body is None or isinstance(body, (bool, str, int, float))):
        return float(body) if node.get("float") else body
    if kind == "array" and body in arrays and body not in used:
        used.add(body)
        return arrays[body]
    if kind == "dict" and isinstance(body, list) and all(
            isinstance(item, list) and len(item) == 2 and isinstance(item[0], (str, int))
            for item in body):
        return {key: _decode(value, arrays, used, depth + 1) for key, value in body}
    if kind in ("list", "tuple") and isinstance(body, list):
        items = [_decode(value, arrays, used, depth + 1) for value in body]
        return items if kind == "list" else tuple(items)
    raise ValueError("the structure is not one save wrote")


def load(f, map_location=None, weights_only=True, max_bytes=LOAD_MAX_BYTES):
    """PyTorch's ``torch.load`` for a file ``save`` (or ``np.savez``) wrote.

    Args:
        f: a path (str or path-like); a file object is refused, as by ``save``.
        map_location: accepted for PyTorch's code; the CPU is the only device.
        weights_only: accepted for PyTorch's code; loading is always weights only: nothing
            is ever unpickled (a member of dtype object is refused).
        max_bytes: refuse a file whose arrays add up to more than this (2 GiB), read from
            the headers before any data.
    Returns:
        A state dict as {name: numpy array}, in the file's order, for
        ``model.load_state_dict`` or ``optimizer.load_state_dict``; a checkpoint as it was
        saved, with each array or Value as a numpy array (numbers, strings and None keep
        their Python types, tuples stay tuples); an array or Value saved alone as a numpy
        array. PyTorch gives tensors back; numpy arrays here are what ``load_state_dict``
        and ``ag.tensor`` take, and what a state dict's entries always were.
    Raises:
        ValueError: the file is not a complete ``.npz`` archive, or a member is damaged,
            holds Python objects, or breaks ``max_bytes``; every problem is listed.
    """
    del map_location, weights_only
    path = _path(f, "load")
    with open(path, "rb") as file:
        size = os.fstat(file.fileno()).st_size
        archive = open_archive(file, path, where="load")
        with archive:
            structure = _structure(archive, path)
            members, problems = array_members(archive, size, allowed=(_STRUCTURE,))
            for name, info in members.items():
                problem = check_header(archive, info)
                if problem:
                    problems.append(f"{name}: {problem}")
            total = sum(info.file_size for info in members.values())
            if total > max_bytes:
                problems.append(f"its arrays add up to {total:,} bytes, more than max_bytes "
                                f"({max_bytes:,}); pass a larger max_bytes if that is meant")
            if problems:
                raise ValueError(f"load: {path!r} cannot be loaded:\n  " + "\n  ".join(problems))
            arrays = {}
            for name, info in members.items():
                try:
                    arrays[name] = read_array(archive, info)
                except MEMBER_ERRORS as err:
                    raise ValueError(f"load: {path!r}: {name}: damaged data ({err})") from None
    if structure is None:
        return arrays
    try:
        return _decode(structure, arrays, set())
    except (ValueError, TypeError, RecursionError):
        raise ValueError(f"load: {path!r}: its {_STRUCTURE} is not a structure save wrote "
                         "(or it names arrays the file lacks); nothing was loaded") from None


def _structure(archive, path):
    """A checkpoint's decoded JSON structure (None for a plain state dict), read only if
    its size is within bounds."""
    try:
        info = archive.getinfo(_STRUCTURE)
    except KeyError:
        return None
    if info.file_size > _MAX_STRUCTURE:
        raise ValueError(f"load: {path!r}: its {_STRUCTURE} declares {info.file_size:,} "
                         f"bytes, more than {_MAX_STRUCTURE:,}; nothing was loaded")
    try:
        with archive.open(info) as file:
            text = file.read(_MAX_STRUCTURE + 1)
        if len(text) > _MAX_STRUCTURE:
            raise ValueError("too long")
        return json.loads(text)
    except (*MEMBER_ERRORS, json.JSONDecodeError, RecursionError) as err:
        raise ValueError(f"load: {path!r}: its {_STRUCTURE} is damaged ({err}); nothing "
                         "was loaded") from None

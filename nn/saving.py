"""Saving and loading weights as ``.npz`` files, safely.

A file holds one array per Variable, keyed by its name in ``module._named_variables()``
("0.W", "0.b", ...), so it loads into any model of the same architecture. An ``.npz`` is a
zip archive with one ``.npy`` member per array ("0.W.npy"), each a short header (dtype,
shape) followed by the raw bytes.

Two promises:

- Saving is atomic (``nn.atomic``): the arrays go to a temporary file in the same folder,
  which is flushed to disk and then renamed over the target. A crash, a full disk or
  ``kill -9`` at any moment leaves the previous file or the new one, complete; the next
  save removes the temporaries a killed save left behind.
- Loading checks everything first and changes nothing unless all of it is right. It reads
  only the zip directory and each member's header (name, dtype, shape), compares them with
  the model, and reads array data only once every member matches; reading stops at the
  size the header declares. So a small file that declares a 4 TB array, or whose member
  would inflate to gigabytes, is refused at once. Nothing is ever unpickled: a header with
  Python objects (dtype object) is refused, and arrays are read with
  ``allow_pickle=False``.
"""

import json
import math
import os
import zipfile
import zlib

import numpy as np

from .atomic import atomic_write

__all__ = ["save_weights", "load_weights", "write_arrays", "read_arrays", "save", "load"]

# numpy's own default limit on a .npy header; ours are under 128 bytes.
_MAX_HEADER = 10_000
# Errors that reading a damaged zip member can raise: bad local header or CRC
# (BadZipFile), bad deflate data (zlib.error), data that ends early (EOFError, or
# ValueError from numpy), an unknown compression method (NotImplementedError), an
# encrypted member (RuntimeError), a seek the damaged directory sent astray (OSError).
_MEMBER_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError,
                  RuntimeError, OSError)
# Names listed in one line of an error message, at most.
_LISTED = 10


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
    # The members np.savez would write, written here so that no name can clash with
    # savez's own arguments and pickling is refused on this side too.
    with atomic_write(path) as f:
        write_arrays(arrays, f)


def write_arrays(arrays, f, extra=None):
    """Write {name: array} to the binary file ``f`` as an ``.npz`` archive, never pickling;
    ``extra`` ({member name: bytes}) adds other members (a checkpoint's structure)."""
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as archive:
        for name, array in arrays.items():
            with archive.open(name + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)


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
    archive = _open_archive(f, path)
    with archive:
        members, problems = _members(archive, size)
        missing = [name for name in params if name not in members]
        extra = [name for name in members if name not in params]
        if missing:
            problems.append(f"missing from the file: {_listing(missing)}")
        if extra:
            problems.append(f"in the file but not in the model: {_listing(extra)}")
        for name, v in params.items():
            if name in members:
                problem = _check_header(archive, members[name], v)
                if problem:
                    problems.append(f"{name}: {problem}")
        if problems:
            _refuse(module, path, params, problems)
        arrays = {}
        for name in params:
            try:
                arrays[name] = _read_array(archive, members[name])
            except _MEMBER_ERRORS as err:
                _refuse(module, path, params, [f"{name}: damaged data ({err})"])
    return arrays


def _open_archive(f, path, where="load_weights"):
    """The zip archive in ``f``, or a ValueError that says what the file is instead."""
    start = f.read(6)
    f.seek(0)
    if not start:
        what = "is empty (0 bytes)"
    elif start == b"\x93NUMPY":
        what = ("is a single .npy array, not an .npz archive of named arrays (save_weights "
                "writes .npz; np.save writes .npy)")
    elif not start.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        what = f"is not an .npz (zip) archive: it starts with 0x{start.hex()}, not PK"
    else:
        try:
            return zipfile.ZipFile(f)
        except (zipfile.BadZipFile, EOFError, ValueError, OSError, NotImplementedError) as err:
            what = f"is not a readable .npz archive (truncated or corrupt: {err})"
    raise ValueError(f"{where}: {path!r} {what}; nothing was loaded")


def _members(archive, file_size, allowed=()):
    """{array name: ZipInfo} and the problems with the archive's directory; ``allowed``
    names members that are not arrays but belong (a checkpoint's structure)."""
    members, problems, twice, not_arrays = {}, [], [], []
    for info in archive.infolist():
        if not 0 <= info.header_offset < file_size:
            problems.append(f"{info.filename}: the zip directory places it at byte "
                            f"{info.header_offset:,}, outside the file ({file_size:,} bytes)")
        if info.filename in allowed:
            continue
        if not info.filename.endswith(".npy"):
            not_arrays.append(info.filename)
            continue
        name = info.filename[:-len(".npy")]
        if name in members:
            twice.append(info.filename)
        members[name] = info
    if twice:
        problems.append(f"members stored more than once (which one is meant?): "
                        f"{_listing(sorted(set(twice)))}")
    if not_arrays:
        problems.append(f"members that are not .npy arrays: {_listing(not_arrays)}")
    return members, problems


def _check_header(archive, info, v):
    """What is wrong with one member, judged from the zip directory and the .npy header
    alone (no array data is read), or None."""
    try:
        with archive.open(info) as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                header = np.lib.format.read_array_header_1_0(f, max_header_size=_MAX_HEADER)
            elif version == (2, 0):
                header = np.lib.format.read_array_header_2_0(f, max_header_size=_MAX_HEADER)
            else:
                return f"unsupported .npy format version {version}"
            header_bytes = f.tell()
    except _MEMBER_ERRORS as err:
        return f"not a readable .npy array ({err})"
    shape, _, dtype = header
    if dtype.hasobject:
        return ("holds Python objects (dtype object), which loading would have to "
                "unpickle: refused")
    size = header_bytes + dtype.itemsize * math.prod(shape)
    if info.file_size != size:
        return (f"the .npy header declares {size:,} bytes (shape {shape}, {dtype}), but the "
                f"zip directory says {info.file_size:,}")
    if v is None:  # nn.load: nothing to compare with
        return None
    if shape != v.shape:
        return f"shape {shape} in the file, {v.shape} in the model"
    if dtype != v.dtype:
        return f"dtype {dtype} in the file, {v.dtype} in the model"
    return None


def _read_array(archive, info):
    with archive.open(info) as f:
        return np.lib.format.read_array(f, allow_pickle=False, max_header_size=_MAX_HEADER)


def _listing(names):
    shown = ", ".join(names[:_LISTED])
    return shown if len(names) <= _LISTED else f"{shown}, ... ({len(names)} in all)"


def _refuse(module, path, params, problems):
    hint = " (the model has no Variables yet: build it first)" if not params else ""
    raise ValueError(f"load_weights: {path!r} does not match {type(module).__name__} "
                     f"{module.name!r}{hint}; nothing was loaded:\n  " + "\n  ".join(problems))


# --- PyTorch's torch.save / torch.load, for state dicts ------------------------------------

# nn.load's default bound on the arrays' total size: a file may declare what it likes, and
# a compressed member inflates far beyond its bytes on disk.
LOAD_MAX_BYTES = 2 << 30


def save(obj, path):
    """PyTorch's ``torch.save`` for what people save with it, written atomically as an
    ``.npz`` archive under exactly ``path`` ("model.pth" stays "model.pth"):

    - a state dict, {name: array or Value} (``model.state_dict()``,
      ``optimizer.state_dict()``): one ``.npy`` member per name, as ``np.savez`` writes;
    - a checkpoint, PyTorch's "general checkpoint": dicts (string or integer keys), lists
      and tuples holding state dicts, arrays, Values, numbers, strings, True/False and
      None, such as ``{"epoch": 5, "model_state_dict": model.state_dict(),
      "optimizer_state_dict": opt.state_dict(), "loss": loss}``. Its arrays are members
      "0", "1", ...; its shape is a JSON member, ``__structure__.json``.

    Everything is checked before the file is touched: a key that is no string or integer,
    or a value of any other kind (a Module, a Python object), raises TypeError naming it.
    Nothing is pickled, so an arbitrary Python object cannot be saved; save its state dict.
    """
    if not hasattr(obj, "items"):
        raise TypeError(f"save: expected a state dict ({{name: array}}) or a dict of them, got "
                        f"{type(obj).__name__}; save model.state_dict() instead of the model")
    extra = {}
    if all(isinstance(name, str) and _is_array(value) for name, value in obj.items()):
        arrays = {name: _numbers(value, repr(name)) for name, value in obj.items()}
    else:  # a checkpoint: its arrays numbered, its structure in JSON
        arrays = {}
        extra[_STRUCTURE] = json.dumps(_encode(obj, arrays, "obj"), allow_nan=True).encode()
    with atomic_write(path) as f:
        write_arrays(arrays, f, extra)


_STRUCTURE = "__structure__.json"  # a checkpoint's shape, with its arrays as "0", "1", ...
_MAX_STRUCTURE = 16 << 20          # bytes of JSON read at most


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
    """A checkpoint's value from its JSON (as ``_encode`` wrote it), checked as it goes."""
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


def load(path, map_location=None, weights_only=True, max_bytes=LOAD_MAX_BYTES):
    """PyTorch's ``torch.load`` for a file ``save`` (or ``np.savez``) wrote: {name: numpy
    array}, in the file's order, for ``model.load_state_dict`` or
    ``optimizer.load_state_dict``.

    Args:
        map_location: accepted for PyTorch's code; the CPU is the only device.
        weights_only: accepted for PyTorch's code; loading is always weights only: nothing
            is ever unpickled (a member of dtype object is refused).
        max_bytes: refuse a file whose arrays add up to more than this (2 GiB), read from
            the headers before any data.
    Raises:
        ValueError: the file is not a complete ``.npz`` archive, or a member is damaged,
            holds Python objects, or breaks ``max_bytes``; every problem is listed.
    """
    del map_location, weights_only
    path = os.fspath(path)
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        archive = _open_archive(f, path, where="load")
        with archive:
            structure = _structure(archive, path)
            members, problems = _members(archive, size, allowed=(_STRUCTURE,))
            for name, info in members.items():
                problem = _check_header(archive, info, None)
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
                    arrays[name] = _read_array(archive, info)
                except _MEMBER_ERRORS as err:
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
        with archive.open(info) as f:
            text = f.read(_MAX_STRUCTURE + 1)
        if len(text) > _MAX_STRUCTURE:
            raise ValueError("too long")
        return json.loads(text)
    except (*_MEMBER_ERRORS, json.JSONDecodeError, RecursionError) as err:
        raise ValueError(f"load: {path!r}: its {_STRUCTURE} is damaged ({err}); nothing "
                         "was loaded") from None

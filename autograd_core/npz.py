"""``.npz`` archives written without pickling and read with bounds.

An ``.npz`` is a zip archive with one ``.npy`` member per array ("0.W.npy"), each a short
header (dtype, shape) followed by the raw bytes. A reader here trusts nothing in a file:

- it looks at the zip directory and each member's header (name, dtype, shape) before any
  array data, so a small file that declares a 4 TB array, or whose member would inflate to
  gigabytes, is refused at once (``check_header``);
- reading stops at the size the header declares, and nothing is ever unpickled: a header
  with Python objects (dtype object) is refused, arrays are read with ``allow_pickle=False``.

``ag.save``/``ag.load`` build on these; so do nn's ``save_weights``/``load_weights``, which
compare the members with a module's Variables.
"""

import math
import zipfile
import zlib

import numpy as np

__all__ = ["write_arrays", "open_archive", "array_members", "check_header", "read_array",
           "listing", "MEMBER_ERRORS", "MAX_HEADER"]

# numpy's own default limit on a .npy header; ours are under 128 bytes.
MAX_HEADER = 10_000
# Errors that reading a damaged zip member can raise: bad local header or CRC
# (BadZipFile), bad deflate data (zlib.error), data that ends early (EOFError, or
# ValueError from numpy), an unknown compression method (NotImplementedError), an
# encrypted member (RuntimeError), a seek the damaged directory sent astray (OSError).
MEMBER_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError,
                 RuntimeError, OSError)
# Names listed in one line of an error message, at most.
_LISTED = 10


def write_arrays(arrays, f, extra=None):
    """Write {name: array} to the binary file ``f`` as an ``.npz`` archive, never pickling.

    Args:
        arrays: {member name without ".npy": numpy array}; written in this order.
        f: a binary file open for writing.
        extra: {member name: bytes}, other members (a checkpoint's structure).
    """
    # The members np.savez would write, written here so that no name can clash with
    # savez's own arguments and pickling is refused on this side too.
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as archive:
        for name, array in arrays.items():
            with archive.open(name + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)


def open_archive(f, path, where):
    """The zip archive in the binary file ``f`` (read from its start), or a ValueError,
    prefixed with ``where`` (the caller's name), that says what the file is instead."""
    start = f.read(6)
    f.seek(0)
    if not start:
        what = "is empty (0 bytes)"
    elif start == b"\x93NUMPY":
        what = ("is a single .npy array, not an .npz archive of named arrays (save and "
                "save_weights write .npz; np.save writes .npy)")
    elif not start.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        what = f"is not an .npz (zip) archive: it starts with 0x{start.hex()}, not PK"
    else:
        try:
            return zipfile.ZipFile(f)
        except (zipfile.BadZipFile, EOFError, ValueError, OSError, NotImplementedError) as err:
            what = f"is not a readable .npz archive (truncated or corrupt: {err})"
    raise ValueError(f"{where}: {path!r} {what}; nothing was loaded")


def array_members(archive, file_size, allowed=()):
    """{array name: ZipInfo} and the list of problems with the archive's directory.

    Args:
        file_size: the file's size in bytes; a member placed beyond it is a problem.
        allowed: names of members that are not arrays but belong (a checkpoint's structure).
    """
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
                        f"{listing(sorted(set(twice)))}")
    if not_arrays:
        problems.append(f"members that are not .npy arrays: {listing(not_arrays)}")
    return members, problems


def check_header(archive, info, like=None):
    """What is wrong with one member, judged from the zip directory and the .npy header
    alone (no array data is read), or None.

    Args:
        like: anything with ``shape`` and ``dtype`` the member must have (a model's
            Variable), or None to accept any array of numbers.
    """
    try:
        with archive.open(info) as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                header = np.lib.format.read_array_header_1_0(f, max_header_size=MAX_HEADER)
            elif version == (2, 0):
                header = np.lib.format.read_array_header_2_0(f, max_header_size=MAX_HEADER)
            else:
                return f"unsupported .npy format version {version}"
            header_bytes = f.tell()
    except MEMBER_ERRORS as err:
        return f"not a readable .npy array ({err})"
    shape, _, dtype = header
    if dtype.hasobject:
        return ("holds Python objects (dtype object), which loading would have to "
                "unpickle: refused")
    size = header_bytes + dtype.itemsize * math.prod(shape)
    if info.file_size != size:
        return (f"the .npy header declares {size:,} bytes (shape {shape}, {dtype}), but the "
                f"zip directory says {info.file_size:,}")
    if like is None:
        return None
    if shape != like.shape:
        return f"shape {shape} in the file, {like.shape} in the model"
    if dtype != like.dtype:
        return f"dtype {dtype} in the file, {like.dtype} in the model"
    return None


def read_array(archive, info):
    """One member's array, never unpickled; call ``check_header`` on it first (this
    reads what the header declares). Raises one of ``MEMBER_ERRORS`` on damaged data."""
    with archive.open(info) as f:
        return np.lib.format.read_array(f, allow_pickle=False, max_header_size=MAX_HEADER)


def listing(names):
    """``names`` joined for one line of an error message, shortened past ten."""
    shown = ", ".join(names[:_LISTED])
    return shown if len(names) <= _LISTED else f"{shown}, ... ({len(names)} in all)"

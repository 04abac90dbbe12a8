"""Hostile files, built by hand for the loaders' tests: zip archives whose directory and
.npy headers can lie or repeat a name, and bombs that are small on disk but inflate to a
gigabyte.

A bomb costs little to make: a mebibyte of zeros is deflated once, ending with a full
flush so that the block refers to nothing before it, and that block is repeated. Its
CRC-32 is computed honestly (so the bomb is a valid file) and kept for the next test.
"""

import functools
import io
import struct
import zlib

import numpy as np

MiB = 1 << 20


def npy_header(dtype, shape):
    """The header of a .npy file declaring ``shape`` and ``dtype``, without any data."""
    out = io.BytesIO()
    np.lib.format.write_array_header_1_0(out, {
        "descr": np.lib.format.dtype_to_descr(np.dtype(dtype)),
        "fortran_order": False, "shape": tuple(shape)})
    return out.getvalue()


def npy_bytes(array, allow_pickle=False):
    out = io.BytesIO()
    np.lib.format.write_array(out, np.asarray(array), allow_pickle=allow_pickle)
    return out.getvalue()


def stored(name, data, size=None):
    """A zip member kept as is; ``size`` overrides what the directory says it inflates to."""
    return name, 0, data, zlib.crc32(data), len(data) if size is None else size


def zip_bytes(members):
    """A zip archive of ``members`` (name, method, payload, crc, size), written by hand so
    that it may hold a name twice or a directory that lies."""
    out, directory = io.BytesIO(), []
    for name, method, payload, crc, size in members:
        offset, encoded = out.tell(), name.encode()
        fields = (20, 0, method, 0, 0, crc, len(payload), size, len(encoded))
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", *fields, 0) + encoded + payload)
        directory.append(struct.pack("<4sH5H3L5H2L", b"PK\x01\x02", 20, *fields,
                                     0, 0, 0, 0, 0, offset) + encoded)
    start, listing = out.tell(), b"".join(directory)
    out.write(listing + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members),
                                    len(members), len(listing), start, 0))
    return out.getvalue()


@functools.lru_cache(maxsize=None)
def deflated_zeros(prefix, mib):
    """Raw deflate data for ``prefix`` followed by ``mib`` MiB of zeros; with its CRC-32
    and its inflated size."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(MiB)
    start = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    payload = start + block * mib + compressor.flush()
    crc = zlib.crc32(prefix)
    for _ in range(mib):
        crc = zlib.crc32(zeros, crc)
    return payload, crc, len(prefix) + mib * MiB


def bomb_member(name, prefix, mib):
    """A deflated zip member that inflates to ``prefix`` and ``mib`` MiB of zeros."""
    payload, crc, size = deflated_zeros(prefix, mib)
    return name, 8, payload, crc, size


def gzip_bomb(prefix, mib):
    """A valid gzip file that inflates to ``prefix`` and ``mib`` MiB of zeros."""
    payload, crc, size = deflated_zeros(prefix, mib)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + payload + struct.pack("<LL", crc, size & 0xFFFFFFFF)


def idx_header(shape, type_code=0x08):
    return bytes([0, 0, type_code, len(shape)]) + np.array(shape, ">u4").tobytes()

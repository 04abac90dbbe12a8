"""Make the MNIST and Fashion-MNIST samples in this folder from the full data sets.

    python nn/sample_data/make_samples.py DATA [OUT]

DATA is a folder holding mnist/ and fashion-mnist/ with the full files; OUT, this folder
unless given, receives mnist/ and fashion-mnist/ with the samples.

Each sample is the first images of each split, in the original order, with their labels
(`nn.datasets.SAMPLE_SIZES`): a prefix, so a lesson that slices `x_train[:n]` gets the
same images from the sample as from the full set. The full files are checked against
their SHA-256 first. Each output is gzip level 9 with mtime 0 and no file name inside,
so that a second run writes the same bytes; the script prints the SHA-256 of each
uncompressed file, which `nn.datasets.SAMPLE_SHA256` must hold.
"""

import gzip
import hashlib
import sys
from pathlib import Path

import numpy as np

from nn import datasets

HERE = Path(__file__).resolve().parent
LOADERS = {"mnist": datasets.load_mnist, "fashion-mnist": datasets.load_fashion_mnist}


def idx_bytes(array):
    """An IDX file of unsigned bytes: magic 0x00 0x00 0x08 ndim, big-endian dims, the data."""
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def main(data, out=HERE):
    for name, load in LOADERS.items():
        (x_train, y_train), (x_test, y_test) = load(path=Path(data) / name, mirrors=[])
        n_train, n_test = datasets.SAMPLE_SIZES[name]
        arrays = (x_train[:n_train], y_train[:n_train], x_test[:n_test], y_test[:n_test])
        folder = Path(out) / name
        folder.mkdir(parents=True, exist_ok=True)
        print(f'    "{name}": {{')
        for filename, array in zip(datasets.IDX_FILES, arrays):
            raw = idx_bytes(array)
            (folder / filename).write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
            print(f'        "{filename}": "{hashlib.sha256(raw).hexdigest()}",')
        print("    },")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(*sys.argv[1:])

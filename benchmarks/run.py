"""``make bench``: every speed target of the engine, as ratios measured in this one run."""

from __future__ import annotations

import os
import platform
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import conv  # noqa: E402
import convnet  # noqa: E402
import convnet_fit  # noqa: E402
import elementwise  # noqa: E402
import graph_render  # noqa: E402
import hvp  # noqa: E402
import mlp_step  # noqa: E402
import scalar_mlp  # noqa: E402
from common import table  # noqa: E402


def main():
    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"{os.cpu_count()} cores; medians of interleaved rounds\n")
    print(table(mlp_step.run(), ["MLP training step", "numpy (reference)", "autograd_core",
                                 "torch", "target"]))
    print()
    print(table(scalar_mlp.run() + elementwise.run(),
                ["per-node overhead", "reference", "autograd_core", "ratio", "target"]))
    print()
    print(table(hvp.run(), ["second order", "gradient / hvp", "autograd_core", "torch",
                             "target"]))
    print()
    conv_rows, _ = conv.run()
    print(table(conv_rows, ["conv layers, forward + backward", "autograd_core",
                            "torch (channels_last)", "ratio", "ratio to torch NCHW", "target"]))
    print()
    convnet_rows, memory, _ = convnet.run(parts=False)
    print(table(convnet_rows, convnet.HEADERS))
    print(table(memory, ["peak memory of 4 steps over the data (max RSS)", "MB"]))
    print()
    # One round of full epochs, each library in a subprocess: about a minute per epoch.
    fit_rows, _ = convnet_fit.summary(convnet_fit.epochs(rounds=1, verbose=False), 60000, None)
    print(table(fit_rows, convnet_fit.HEADERS))
    print()
    graph_render.main()


if __name__ == "__main__":
    main()

"""What PyTorch's ``conv_transpose2d`` and ``conv_transpose3d`` share once their sizes are
tuples: output_padding's rule, the output's size, and the crops and zeros that make it.
"""

import numpy as np

import autograd_core as ag


def _far_side(padding, output_padding):
    """PyTorch's padding p and output_padding e as the transposed convolution's own
    (before, after) crops, and the zeros to add after it, per axis.

    PyTorch crops p cells from each side of the full transposed convolution, then gives e
    of the far side back: the crop after is p - e, and once e passes p the cells past the
    full output, which no input cell reaches, are zeros. With these crops the convolution
    this transposes maps the output back to the input's size for every e; with (p, p) it
    does only while e is below the stride, and PyTorch allows e below the dilation too.
    """
    pads = tuple((p, p - min(e, p)) for p, e in zip(padding, output_padding))
    return pads, tuple(max(e - p, 0) for p, e in zip(padding, output_padding))


def transposed_conv(where, transpose, x, weight, bias, stride, padding, output_padding,
                    groups, dilation):
    """``transpose`` (the engine's conv2d_transpose or conv3d_transpose) of x (N, C_in,
    ...) with PyTorch's checked size tuples: each output axis (n - 1) * s - 2 * p +
    d * (k - 1) + e + 1 long, then the bias (C_out,) added."""
    for extra, s, d in zip(output_padding, stride, dilation):
        if extra >= max(s, d):
            raise ValueError(f"{where}: output_padding {output_padding} must be smaller than "
                             f"the stride {stride} or the dilation {dilation}, as in PyTorch")
    sizes = tuple((n - 1) * s - 2 * p + d * (k - 1) + extra + 1 for n, s, p, d, k, extra in
                  zip(x.shape[2:], stride, padding, dilation, np.shape(weight)[2:],
                      output_padding))
    if min(sizes) < 1:
        raise ValueError(f"{where}: the output would be {'x'.join(map(str, sizes))} cells: "
                         f"the padding {padding} crops more than the output has")
    pads, zeros = _far_side(padding, output_padding)
    y = transpose(x, weight, output_shape=tuple(n - z for n, z in zip(sizes, zeros)),
                  strides=stride, padding=pads, dilation=dilation,
                  data_format="channels_first", groups=groups)
    if any(zeros):
        y = ag.pad(y, ((0, 0), (0, 0)) + tuple((0, z) for z in zeros))
    return y if bias is None else ag.bias_add(y, bias, data_format="channels_first")

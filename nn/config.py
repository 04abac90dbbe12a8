"""Keras 3's ``keras.config``: the global settings, here autograd_core's.

``floatx``/``set_floatx`` are autograd_core's default dtype (``nn.backend``), ``epsilon``
the losses' fuzz factor; images are channels-last and the backend is numpy.

>>> from nn import config
>>> config.floatx(), config.epsilon(), config.image_data_format(), config.backend()
('float32', 1e-07, 'channels_last', 'numpy')
"""

from .backend import epsilon, floatx, set_floatx

__all__ = ["floatx", "set_floatx", "epsilon", "image_data_format", "backend"]


def image_data_format():
    """Keras's ``image_data_format()``: "channels_last", the layout nn's Keras layers use
    by default."""
    return "channels_last"


def backend():
    """Keras's ``backend()``: the name of the library computing, "numpy"."""
    return "numpy"

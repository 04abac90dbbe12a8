"""Keras 3's ``keras.layers``: every Keras layer class nn has, under Keras's names only.

Code written as keras.io writes it today ports by renaming ``keras`` to ``nn``:

>>> from nn import layers
>>> model = layers.Conv2D(8, 3, activation="relu"), layers.MaxPooling2D(2), layers.Flatten()
>>> [type(layer).__name__ for layer in model]
['Conv2D', 'MaxPooling2D', 'Flatten']
>>> layers.MaxPool2D is layers.MaxPooling2D      # Keras's aliases too
True

The classes live in their families' modules (``nn.basic_layers``, ``nn.conv_layers``,
``nn.recurrent``, ...); this module only gathers them, so ``from nn.layers import Conv2D``
works too. PyTorch's classes (``nn.Conv2d``, ``nn.Linear``, ``nn.LayerNorm``, ...) stay at
nn's top level and are not here: Keras has no such layers. ``LSTM`` and ``GRU`` are nn's
dual classes, Keras's when called Keras's way (``LSTM(units)``). ``Identity`` and ``ELU``
are the classes PyTorch's names share; they compute what Keras's do.

Keras's cell API, ``RNN(cell)``, ``SimpleRNNCell``, ``LSTMCell``, ``GRUCell`` and
``StackedRNNCells`` (``nn.rnn_cells``; the classes ``KerasRNN``, ``KerasLSTMCell``,
``KerasGRUCell``), is here only: nn's top-level ``nn.RNN``, ``nn.LSTMCell`` and
``nn.GRUCell`` are PyTorch's.

Keras layers nn lacks (not here, so their use fails at once): ``GroupQueryAttention``,
``SpectralNormalization``, the ``ConvLSTM`` layers, ``HashedCrossing``, ``Wrapper``,
``TorchModuleWrapper``, ``JaxLayer``.
"""

from .base_layer import Layer
from .basic_layers import Activation, Dense, Dropout, Flatten, LeakyReLU, PReLU, ReLU, Softmax
from .conv_layers import (
    AveragePooling1D, AveragePooling2D, Conv1D, Conv2D, DepthwiseConv1D, DepthwiseConv2D,
    GlobalAveragePooling2D,
    GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D, SeparableConv1D, SeparableConv2D,
)
from .einsum_dense import EinsumDense
from .core_layers import Lambda, Permute, RepeatVector, Rescaling, TimeDistributed
from .functional_model import Input, InputLayer
from .keras_misc import UnitNormalization
from .lookup import CategoryEncoding, Discretization, Hashing, IntegerLookup, StringLookup
from .masking import Masking
from .merging import (
    Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, concatenate, dot,
    maximum, minimum,
)
from .attention import MultiHeadAttention
from .dot_attention import AdditiveAttention, Attention
from .augmentation import (
    CenterCrop, RandomBrightness, RandomContrast, RandomCrop, RandomFlip, RandomRotation,
    RandomTranslation, RandomZoom, Resizing,
)
from .noise import (
    ActivityRegularization, AlphaDropout, GaussianDropout, GaussianNoise, SpatialDropout1D,
    SpatialDropout2D,
)
from .normalization import BatchNormalization, LayerNormalization
from .keras_norms import GroupNormalization, RMSNormalization
from .preprocessing import Normalization
from .recurrent import GRU, LSTM, Bidirectional, SimpleRNN
from .reshaping import Embedding, Reshape
from .rnn_cells import KerasGRUCell as GRUCell
from .rnn_cells import KerasLSTMCell as LSTMCell
from .rnn_cells import KerasRNN as RNN
from .rnn_cells import SimpleRNNCell, StackedRNNCells
from .spatial import (
    Conv1DTranspose, Conv2DTranspose, Cropping1D, Cropping2D, GlobalAveragePooling1D,
    GlobalMaxPooling1D,
    UpSampling1D, UpSampling2D, ZeroPadding1D, ZeroPadding2D,
)
from .text_vectorization import TextVectorization
from .torch_activations import ELU, Identity
from .volumetric import (
    AveragePooling3D, Conv3D, Conv3DTranspose, Cropping3D, GlobalAveragePooling3D,
    GlobalMaxPooling3D, MaxPooling3D, SpatialDropout3D, UpSampling3D, ZeroPadding3D,
)

# Keras's other names for the same classes.
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D)
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (
    GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D)
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose, Convolution3DTranspose = Conv2DTranspose, Conv3DTranspose
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D


def average(inputs, **kwargs):
    """Keras's ``layers.average(inputs)``: ``Average(**kwargs)(inputs)``."""
    return Average(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Keras's ``layers.multiply(inputs)``: ``Multiply(**kwargs)(inputs)``."""
    return Multiply(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Keras's ``layers.subtract(inputs)``: ``Subtract(**kwargs)(inputs)``."""
    return Subtract(**kwargs)(inputs)


__all__ = [
    "Layer", "Input", "InputLayer",
    # core
    "Dense", "EinsumDense", "Activation", "Dropout", "Flatten", "Lambda", "Identity", "Masking",
    "Embedding", "Reshape", "Permute", "RepeatVector", "TimeDistributed",
    # activations
    "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax",
    # convolutions and pooling
    "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
    "DepthwiseConv1D", "DepthwiseConv2D", "Convolution1DTranspose",
    "SeparableConv1D", "SeparableConv2D", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D",
    "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "GlobalAveragePooling1D",
    "GlobalAveragePooling2D", "GlobalAveragePooling3D", "GlobalMaxPooling1D",
    "GlobalMaxPooling2D", "GlobalMaxPooling3D",
    "Convolution1D", "Convolution2D", "Convolution3D", "Convolution2DTranspose",
    "Convolution3DTranspose", "SeparableConvolution1D", "SeparableConvolution2D",
    "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
    "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D", "GlobalMaxPool1D",
    "GlobalMaxPool2D", "GlobalMaxPool3D",
    # reshaping
    "UpSampling1D", "UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D",
    "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D",
    # normalization, regularization, attention
    "BatchNormalization", "LayerNormalization", "GroupNormalization",
    "RMSNormalization", "UnitNormalization", "ActivityRegularization",
    "GaussianNoise", "GaussianDropout", "AlphaDropout", "SpatialDropout1D", "SpatialDropout2D",
    "SpatialDropout3D", "MultiHeadAttention", "Attention", "AdditiveAttention",
    # recurrent
    "SimpleRNN", "LSTM", "GRU", "Bidirectional", "RNN", "SimpleRNNCell", "LSTMCell", "GRUCell",
    "StackedRNNCells",
    # merging
    "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
    "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot",
    # preprocessing and augmentation
    "Normalization", "Rescaling", "Resizing", "CenterCrop", "RandomCrop", "RandomFlip",
    "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast", "RandomBrightness",
    "TextVectorization", "StringLookup", "IntegerLookup", "CategoryEncoding", "Hashing",
    "Discretization",
]

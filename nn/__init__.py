"""Neural-network layers, losses and training loops built on autograd_core.

The course's MNIST network, Keras's way:

>>> import nn
>>> model = nn.Sequential([nn.Dense(512, activation="relu", input_shape=(784,)),
...                        nn.Dense(10, activation="softmax")])
>>> model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
>>> model.count_params()
407050

``model.fit(x, y, epochs=5, batch_size=128)`` trains it; the same model also trains by
hand with a ``GradientTape`` over ``model.trainable_variables``, or PyTorch's way with
``loss.backward(); opt.step(); opt.zero_grad()`` over ``model.parameters()``.
"""

from . import (
    activations, backend, constraints, data, datasets, functional, init, initializers, losses,
    metrics, regularizers, saving, utils,
)
from .backend import clear_session
from .base_layer import Layer
from .data import Standardizer, one_hot, to_categorical
from .data_adapter import PyDataset
from .functional_model import Input, InputLayer
from .basic_layers import (
    Activation, Dense, Dropout, Flatten, LeakyReLU, Neuron, Perceptron, PReLU, ReLU,
    Residual, Sigmoid, Softmax, Tanh,
)
from .losses import (
    BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy,
    CategoricalFocalCrossentropy, CategoricalHinge, Dice, Hinge, Huber, KLDivergence, LogCosh,
    MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredError,
    MeanSquaredLogarithmicError, Poisson, SparseCategoricalCrossentropy, SquaredHinge,
    SumSquaredError, Tversky,
)
from .merging import (
    Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, concatenate, dot,
    maximum, minimum,
)
from .metrics import confusion_matrix
from .cloning import clone_model
from .model_saving import load_model, model_from_config, model_from_json
from .models import Model
from .module import Buffer, Module
from .saving import load, load_weights, save, save_weights
from .conv_layers import (
    AveragePooling1D, AveragePooling2D, Conv1D, Conv2D, DepthwiseConv2D, GlobalAveragePooling2D,
    GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D, SeparableConv1D, SeparableConv2D,
)
from .normalization import BatchNormalization, LayerNormalization
from .keras_norms import GroupNormalization, RMSNormalization
from .attention import MultiHeadAttention
from .preprocessing import Normalization
from .lookup import CategoryEncoding, Discretization, Hashing, IntegerLookup, StringLookup
from .text_vectorization import TextVectorization
from .augmentation import (
    CenterCrop, RandomBrightness, RandomContrast, RandomCrop, RandomFlip, RandomRotation,
    RandomTranslation, RandomZoom, Resizing,
)
from .spatial import (
    Conv2DTranspose, Cropping1D, Cropping2D, GlobalAveragePooling1D, GlobalMaxPooling1D,
    UpSampling1D, UpSampling2D, ZeroPadding1D, ZeroPadding2D,
)
from .core_layers import Lambda, Permute, RepeatVector, Rescaling, TimeDistributed
from .noise import (
    ActivityRegularization, AlphaDropout, GaussianDropout, GaussianNoise, SpatialDropout1D,
    SpatialDropout2D,
)
from .keras_misc import UnitNormalization
from .masking import Masking
from .reshaping import Embedding, Reshape
from .recurrent import GRU, LSTM, RNN, Bidirectional, SimpleRNN
from .torch_layers import LazyLinear, Linear, Parameter
from .torch_conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
from .torch_avg_pooling import (
    AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, LPPool1d, LPPool2d, LPPool3d,
)
from .torch_resizing import Unflatten, Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from .torch_dropout import Dropout1d, Dropout2d, FeatureAlphaDropout
from .torch_pooling import (
    AdaptiveAvgPool1d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, MaxPool1d, MaxPool2d, MaxUnpool1d,
    MaxUnpool2d,
)
from .torch_padding import (
    ChannelShuffle, CircularPad1d, CircularPad2d, ConstantPad1d, ConstantPad2d, Fold,
    PixelShuffle, PixelUnshuffle, ReflectionPad1d, ReflectionPad2d, ReplicationPad1d,
    ReplicationPad2d, Unfold, ZeroPad1d, ZeroPad2d,
)
from .torch_recurrent import RNNBase
from .torch_cells import GRUCell, LSTMCell, RNNCell, RNNCellBase
from .torch_activations import (
    CELU, ELU, GELU, GLU, CosineSimilarity, Hardshrink, Hardsigmoid, Hardswish, Hardtanh,
    Identity, LogSigmoid, LogSoftmax, Mish, PairwiseDistance, ReLU6, RReLU, SELU, SiLU,
    Softmax2d, Softmin, Softplus, Softshrink, Softsign, Tanhshrink, Threshold,
)
from .torch_sparse import Bilinear, EmbeddingBag
from .torch_attention import MultiheadAttention
from .torch_transformer import (
    Transformer, TransformerDecoder, TransformerDecoderLayer, TransformerEncoder,
    TransformerEncoderLayer,
)
from .torch_containers import ModuleDict, ModuleList, ParameterDict, ParameterList
from .torch_norm import (
    BatchNorm1d, BatchNorm2d, GroupNorm, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d,
    CrossMapLRN2d, LayerNorm, LocalResponseNorm, RMSNorm,
)
from .torch_data import (
    ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, Subset, TensorDataset,
    random_split,
)
from .torch_collate import default_collate, default_convert
from .torch_samplers import (
    BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
    WeightedRandomSampler,
)
from .torch_dataloader import DataLoader, get_worker_info
from .torch_losses import (
    BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss, CrossEntropyLoss, CTCLoss,
    GaussianNLLLoss, HingeEmbeddingLoss, HuberLoss, KLDivLoss, L1Loss, MarginRankingLoss,
    MSELoss, MultiLabelMarginLoss, MultiLabelSoftMarginLoss, MultiMarginLoss, NLLLoss,
    NLLLoss2d,
    PoissonNLLLoss, SmoothL1Loss, SoftMarginLoss, TripletMarginLoss,
)
from .torch_distance_losses import TripletMarginWithDistanceLoss
from .volumetric import (
    AdaptiveAvgPool3d, AdaptiveMaxPool3d, AveragePooling3D, AvgPool3D, AvgPool3d, BatchNorm3d, CircularPad3d,
    ConstantPad3d, Conv3D, Conv3d, Conv3DTranspose, ConvTranspose3d, Cropping3D, Dropout3d,
    GlobalAveragePooling3D, GlobalMaxPooling3D, MaxPool3D, MaxPool3d, MaxPooling3D, MaxUnpool3d,
    ReflectionPad3d, ReplicationPad3d, SpatialDropout3D, UpSampling3D, ZeroPad3d,
    ZeroPadding3D,
)
from .torch_lazy import (
    LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d, LazyConv1d, LazyConv2d, LazyConv3d,
    LazyConvTranspose1d, LazyConvTranspose2d, LazyConvTranspose3d, LazyInstanceNorm1d,
    LazyInstanceNorm2d, LazyInstanceNorm3d,
)
from .torch_adaptive import AdaptiveLogSoftmaxWithLoss
from .torch_fractional_pooling import FractionalMaxPool2d, FractionalMaxPool3d
from . import callbacks, state_dict, swa_utils
from .callbacks import (
    CSVLogger, LambdaCallback, LearningRateScheduler, ModelCheckpoint, ReduceLROnPlateau,
)
from .sequential import MLP, Sequential
from .symbolic import KerasTensor
from .metrics import MeanMetricWrapper
from .training import Callback, EarlyStopping, History, TerminateOnNaN
# Keras 3's namespaces: from nn import layers, ops, random, optimizers, config
from . import config, layers, ops, optimizers, random
from .keras_utils import save_model
# Keras 3's keras.saving.save_model/load_model, on the module holding nn.save and nn.load:
# saving.py cannot import model_saving, which is built on it, so the package binds them.
saving.save_model, saving.load_model = save_model, load_model

__all__ = [
    # building blocks
    "Module", "Layer", "Model", "Sequential", "MLP", "Input", "InputLayer", "KerasTensor",
    "Dense", "Perceptron", "Neuron", "Flatten", "Dropout", "Activation", "ReLU", "Sigmoid",
    "Tanh", "Softmax", "LeakyReLU", "PReLU", "Residual",
    # convolutions, pooling, normalization, reshaping (Keras's names)
    "Conv2D", "Conv1D", "DepthwiseConv2D", "MaxPooling2D", "AveragePooling2D", "MaxPooling1D",
    "AveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling2D",
    "GlobalAveragePooling1D", "GlobalMaxPooling1D", "Conv2DTranspose", "UpSampling1D",
    "UpSampling2D", "ZeroPadding1D", "ZeroPadding2D", "Cropping1D", "Cropping2D",
    "Lambda", "Rescaling", "Permute", "RepeatVector", "TimeDistributed",
    "GaussianNoise", "GaussianDropout", "SpatialDropout1D", "SpatialDropout2D",
    "ActivityRegularization", "AlphaDropout", "UnitNormalization", "Masking", "SeparableConv1D",
    "SeparableConv2D",
    # preprocessing and augmentation (Keras's)
    "Resizing", "CenterCrop", "RandomCrop", "RandomFlip", "RandomRotation", "RandomZoom",
    "RandomTranslation", "RandomContrast", "RandomBrightness", "TextVectorization",
    "StringLookup", "IntegerLookup", "CategoryEncoding", "Hashing", "Discretization",
    "BatchNormalization", "LayerNormalization", "GroupNormalization",
    "RMSNormalization", "Normalization", "Reshape", "Embedding",
    "MultiHeadAttention",
    # recurrent: Keras's SimpleRNN and Bidirectional, PyTorch's RNN; LSTM and GRU are
    # either library's, chosen by the arguments (nn.recurrent)
    "SimpleRNN", "LSTM", "GRU", "Bidirectional", "RNN",
    # merging (skip connections, several inputs)
    "Add", "Subtract", "Multiply", "Average", "Concatenate", "add", "concatenate",
    "Maximum", "Minimum", "Dot", "maximum", "minimum", "dot",
    # PyTorch's names
    "Linear", "Conv2d", "MaxPool2d", "Parameter", "CrossEntropyLoss", "NLLLoss", "MSELoss",
    "L1Loss", "BCELoss", "BCEWithLogitsLoss", "HuberLoss", "SmoothL1Loss", "DataLoader",
    "Dataset", "TensorDataset", "Subset", "random_split", "Conv1d", "AvgPool2d",
    "AdaptiveAvgPool2d", "LayerNorm", "BatchNorm1d", "BatchNorm2d", "ModuleList",
    "ModuleDict", "Identity", "LogSoftmax", "GELU", "SiLU", "ELU", "Softplus",
    "ConvTranspose2d", "Unflatten", "Dropout2d", "KLDivLoss", "MultiheadAttention",
    "TransformerEncoderLayer", "TransformerEncoder", "TransformerDecoderLayer",
    "TransformerDecoder", "Transformer", "ReLU6", "Hardtanh", "Mish", "Hardswish",
    "Hardsigmoid", "Softsign", "LogSigmoid", "Softmin", "CosineSimilarity", "Upsample",
    "GroupNorm", "MaxPool1d", "AvgPool1d",
    "SoftMarginLoss", "PoissonNLLLoss", "MarginRankingLoss", "CosineEmbeddingLoss",
    "HingeEmbeddingLoss", "TripletMarginLoss",
    "AdaptiveAvgPool1d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "MaxUnpool1d",
    "MaxUnpool2d", "ChannelShuffle", "CircularPad1d", "CircularPad2d", "ConstantPad1d",
    "ConstantPad2d", "Fold", "PixelShuffle", "PixelUnshuffle", "ReflectionPad1d",
    "ReflectionPad2d", "ReplicationPad1d", "ReplicationPad2d", "Unfold", "ZeroPad1d",
    "ZeroPad2d", "GRUCell", "LSTMCell", "RNNCell", "RNNBase", "RNNCellBase",
    "LocalResponseNorm", "GLU", "CELU",
    "Softshrink", "Hardshrink", "Tanhshrink", "Threshold", "RReLU", "Softmax2d",
    "GaussianNLLLoss", "MultiLabelSoftMarginLoss", "MultiMarginLoss", "MultiLabelMarginLoss",
    "CTCLoss", "EmbeddingBag", "Bilinear", "InstanceNorm1d", "InstanceNorm2d", "RMSNorm",
    "SELU", "ParameterList", "ParameterDict", "ConvTranspose1d", "Dropout1d", "LazyLinear",
    "UpsamplingNearest2d", "UpsamplingBilinear2d", "PairwiseDistance",
    "TripletMarginWithDistanceLoss", "LPPool1d", "LPPool2d", "LPPool3d", "InstanceNorm3d",
    "FeatureAlphaDropout",
    "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d",
    "LazyConvTranspose3d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d",
    "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d", "Buffer", "NLLLoss2d",
    "CrossMapLRN2d", "AdaptiveLogSoftmaxWithLoss", "FractionalMaxPool2d", "FractionalMaxPool3d",
    # torch.utils.data
    "IterableDataset", "ConcatDataset", "ChainDataset", "StackDataset", "default_collate",
    "default_convert",
    "get_worker_info", "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
    "WeightedRandomSampler", "BatchSampler",
    # 3-D (volumetric): Keras's, then PyTorch's
    "Conv3D", "Conv3DTranspose", "MaxPooling3D", "MaxPool3D", "AveragePooling3D", "AvgPool3D",
    "GlobalAveragePooling3D", "GlobalMaxPooling3D", "UpSampling3D", "ZeroPadding3D",
    "Cropping3D", "SpatialDropout3D",
    "Conv3d", "ConvTranspose3d", "MaxPool3d", "MaxUnpool3d", "AvgPool3d", "AdaptiveAvgPool3d",
    "AdaptiveMaxPool3d", "BatchNorm3d",
    "Dropout3d", "ConstantPad3d", "ZeroPad3d", "ReflectionPad3d", "ReplicationPad3d",
    "CircularPad3d",
    # losses and metrics
    "MeanSquaredError", "MeanAbsoluteError", "SumSquaredError", "BinaryCrossentropy",
    "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "Huber", "LogCosh",
    "KLDivergence", "Poisson", "Hinge", "SquaredHinge", "CategoricalHinge",
    "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "BinaryFocalCrossentropy",
    "CategoricalFocalCrossentropy", "Dice", "Tversky", "confusion_matrix",
    "MeanMetricWrapper",
    # training and files
    "Callback", "History", "EarlyStopping", "TerminateOnNaN", "ModelCheckpoint",
    "ReduceLROnPlateau", "LearningRateScheduler", "LambdaCallback", "CSVLogger",
    "save_weights", "load_weights", "load_model", "model_from_json", "model_from_config",
    "clone_model", "save", "load",
    # data
    "to_categorical", "one_hot", "Standardizer", "PyDataset",
    # submodules
    "activations", "initializers", "regularizers", "constraints", "losses", "metrics",
    "saving", "data", "utils", "backend", "clear_session",
    "datasets", "functional",
    "callbacks", "state_dict", "swa_utils",
    # Keras 3's namespaces
    "layers", "ops", "random", "optimizers", "config", "save_model",
]

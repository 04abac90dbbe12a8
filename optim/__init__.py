"""Optimizers, learning-rate schedules and gradient clipping built on autograd_core.

Each optimizer takes PyTorch's calls and Keras's, and the update formulas and defaults of
the library the call comes from: made with its parameters (``Adam(model.parameters())``),
torch.optim's, under its argument names (``betas``, ``eps``, ``weight_decay``, ...);
made without them (``Adam(0.001)``, ``compile``), Keras's:

>>> import autograd_core as ag
>>> import optim
>>> w = ag.Variable([2.0])
>>> opt = optim.SGD(0.5)                     # tf.keras.optimizers.SGD(0.5)
>>> opt.minimize(lambda: (w * w).sum(), [w])  # w <- w - 0.5 * 2w
>>> w.numpy(), opt.iterations
(array([0.], dtype=float32), 1)
"""

from .adadelta import Adadelta
from .adafactor import Adafactor
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .asgd import ASGD
from .clipping import clip_by_global_norm, clip_by_norm, clip_by_value, global_norm
from . import lr_scheduler
from .lr_scheduler import (
    ChainedScheduler, ConstantLR, CosineAnnealingLR, CosineAnnealingWarmRestarts, CyclicLR,
    ExponentialLR, LambdaLR, LinearLR, LRScheduler, MultiplicativeLR, MultiStepLR,
    OneCycleLR, PolynomialLR, ReduceLROnPlateau, SequentialLR, StepLR,
)
from .ftrl import Ftrl
from .lamb import Lamb
from .lbfgs import LBFGS
from .lion import Lion
from .muon import Muon
from .nadam import Nadam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .schedules import (
    CosineDecay, CosineDecayRestarts, ExponentialDecay, InverseTimeDecay, LearningRateSchedule,
    PiecewiseConstantDecay, PolynomialDecay, StepDecay,
)
from .sgd import SGD
from . import swa_utils

# PyTorch's name: Nadam made with its parameters is torch.optim.NAdam.
NAdam = Nadam

# Keras's names for model.compile(optimizer="adam").
_BY_NAME = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adamw": AdamW, "adagrad": Adagrad,
            "adadelta": Adadelta, "adamax": Adamax, "nadam": Nadam, "ftrl": Ftrl, "lion": Lion,
            "lamb": Lamb, "adafactor": Adafactor}


def get(identifier):
    """An optimizer from a Keras name, or the optimizer itself (``keras.optimizers.get``).

    Args:
        identifier: "sgd", "rmsprop", "adam", "adamw", "adagrad", "adadelta", "adamax",
            "nadam", "ftrl", "lion", "lamb" or "adafactor" (any case), giving a new
            optimizer with Keras's defaults; or an ``Optimizer``, returned as is.
    Returns:
        An ``Optimizer``.

    >>> get("RMSprop")
    RMSprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-07, centered=False)
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    raise ValueError(f"optim.get: unknown optimizer {identifier!r}; expected an Optimizer or "
                     f"one of {sorted(_BY_NAME)}")


__all__ = [
    "Optimizer", "SGD", "RMSprop", "Adam", "AdamW", "Adagrad", "Adadelta", "Adamax", "Nadam",
    "NAdam", "RAdam", "LBFGS", "Rprop", "ASGD", "Adafactor", "Ftrl", "Lion", "Lamb", "Muon", "get",
    "LearningRateSchedule", "ExponentialDecay", "StepDecay", "CosineDecay",
    "PiecewiseConstantDecay", "PolynomialDecay", "InverseTimeDecay", "CosineDecayRestarts",
    "lr_scheduler", "LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR",
    "CosineAnnealingLR", "LambdaLR", "LinearLR", "OneCycleLR", "ReduceLROnPlateau",
    "ConstantLR", "MultiplicativeLR", "PolynomialLR", "CosineAnnealingWarmRestarts",
    "CyclicLR", "SequentialLR", "ChainedScheduler", "swa_utils",
    "clip_by_value", "clip_by_norm", "clip_by_global_norm", "global_norm",
]

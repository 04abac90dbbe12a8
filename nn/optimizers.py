"""Keras 3's ``keras.optimizers`` (and ``keras.optimizers.schedules``): optim's classes.

``keras.optimizers.Adam(learning_rate=1e-3)`` becomes ``nn.optimizers.Adam(...)``: the
same class as ``optim.Adam``, which made without parameters follows Keras's names,
defaults and formulas.

>>> from nn import optimizers
>>> optimizers.Adam(learning_rate=1e-3).learning_rate
0.001
>>> type(optimizers.schedules.ExponentialDecay(0.1, 100, 0.96)).__name__
'ExponentialDecay'

Keras's ``LossScaleOptimizer`` and ``Muon`` are not here (optim lacks them).
"""

from optim import (
    SGD, Adadelta, Adafactor, Adagrad, Adam, Adamax, AdamW, Ftrl, Lamb, Lion, Nadam, Optimizer,
    RMSprop, get, schedules,
)

__all__ = ["Optimizer", "SGD", "RMSprop", "Adam", "AdamW", "Adadelta", "Adafactor", "Adagrad",
           "Adamax", "Ftrl", "Lamb", "Lion", "Nadam", "get", "schedules"]


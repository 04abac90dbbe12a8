"""PyTorch's ``torch.autograd.function``: ``Function``, its context class and the
``once_differentiable`` decorator for a backward that is not differentiable again (see
``autograd_core.custom``)."""

from __future__ import annotations

from ..custom import Function, FunctionContext, once_differentiable

FunctionCtx = FunctionContext  # PyTorch's name for the ctx class

__all__ = ["Function", "FunctionCtx", "FunctionContext", "once_differentiable"]

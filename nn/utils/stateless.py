"""PyTorch's ``torch.nn.utils.stateless``: ``functional_call``, the older name of
``ag.func.functional_call`` (which also takes a tuple of dicts). The swap itself lives in
autograd_core, written against PyTorch's Module API, so ``nn`` only re-exports it."""

import autograd_core as ag

__all__ = ["functional_call"]

functional_call = ag.func.functional_call

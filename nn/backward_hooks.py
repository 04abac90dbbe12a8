"""PyTorch's backward hooks on a module: ``register_full_backward_pre_hook`` and
``register_full_backward_hook``.

- ``hook(module, grad_output)`` runs once the gradients of the module's outputs are
  complete; what it returns, if not None, replaces them.
- ``hook(module, grad_input, grad_output)`` runs once the gradients of its positional
  inputs are; what it returns, if not None, replaces them.

Both need every gradient of the call at once, while the engine completes a gradient per
Value. So, as PyTorch wraps the inputs and outputs in one identity Function each, a
hooked call joins the Values that need a gradient into one flat Value and hands out its
pieces in their place (``_Joined``): the flat Value's gradient is the whole tuple,
complete when the walk reaches it, and its ``register_hook`` is where the module's hooks
run. Only hooked modules pay for the copy this makes.

Entries are None for arguments and outputs that are not Values needing a gradient, as in
PyTorch; the gradients reach the hooks as constant Values (recorded ones under
``create_graph``), so ported code may call ``.norm()``, ``.clone()``, ``.abs()`` on them.
"""

from __future__ import annotations

import numpy as np

import autograd_core as ag


class _Joined:
    """``values`` joined into one flat Value, and the pieces to use in their place: a
    gradient of the flat Value is the gradients of all the pieces, laid end to end."""

    def __init__(self, values):
        self.shapes = [v.shape for v in values]
        self.dtypes = [v.dtype for v in values]
        self.sizes = [v.size for v in values]
        self.flat = ag.concatenate([ag.reshape(v, (-1,)) for v in values])
        self.pieces = self.split(self.flat, cast=True)

    def split(self, flat, cast=False):
        """Pieces of ``flat`` (the Value or its gradient), each in its Value's shape: Values
        (``ag.reshape`` of a gradient's array piece is a constant)."""
        pieces, at = [], 0
        for shape, dtype, size in zip(self.shapes, self.dtypes, self.sizes):
            piece = ag.reshape(flat[at:at + size], shape)
            pieces.append(piece.astype(dtype) if cast and piece.dtype != dtype else piece)
            at += size
        return pieces

    def joined(self, gradients, where):
        """The gradients a hook returned, as one gradient of the flat Value."""
        gradients = [np.zeros(shape, self.flat.dtype) if g is None else g  # None: zeros
                     for g, shape in zip(gradients, self.shapes)]
        for g, shape in zip(gradients, self.shapes):
            if _shape(g) != tuple(shape):
                raise ValueError(f"{where}: a hook returned a gradient of shape "
                                 f"{_shape(g)} for one of shape {tuple(shape)}")
        return ag.concatenate([ag.reshape(ag.cast(g, self.flat.dtype), (-1,))
                               for g in gradients])


def _shape(g):
    return tuple(np.shape(g.data if isinstance(g, ag.Value) else g))


def _replaced(found, count, where):
    """A hook's result as a tuple of ``count`` gradients, or None to keep them."""
    if found is None:
        return None
    found = tuple(found) if isinstance(found, (tuple, list)) else (found,)
    if len(found) != count:
        raise ValueError(f"{where}: a hook returned {len(found)} gradients for {count}")
    return found


class BackwardHooks:
    """One call of a module with backward hooks: its inputs and outputs wrapped, and the
    gradients seen so far."""

    def __init__(self, module):
        self.module = module
        self.name = type(module).__name__
        self.grad_output = None
        self.arg_count = 0
        self.inputs = None   # (_Joined, positions of the args that need a gradient)

    @staticmethod
    def wanted(module):
        hooks = module.__dict__
        return bool(hooks.get("_backward_hooks") or hooks.get("_backward_pre_hooks"))

    def wrap_inputs(self, args):
        """The positional args, those needing a gradient replaced by pieces of one Value
        whose hook runs the full backward hooks."""
        self.arg_count = len(args)
        positions = [i for i, a in enumerate(args) if isinstance(a, ag.Value) and
                     a.requires_grad]
        if not positions or not ag.is_grad_enabled():
            return args
        joined = _Joined([args[i] for i in positions])
        joined.flat.register_hook(self._on_grad_input)
        self.inputs = joined, positions
        args = list(args)
        for i, piece in zip(positions, joined.pieces):
            args[i] = piece
        return tuple(args)

    def wrap_outputs(self, out):
        """The output (a Value or a tuple/list of them), those needing a gradient replaced
        by pieces of one Value whose hook runs the pre-hooks."""
        single = not isinstance(out, (tuple, list))
        outs = [out] if single else list(out)
        positions = [i for i, o in enumerate(outs) if isinstance(o, ag.Value) and
                     o.requires_grad]
        if not positions:
            return out
        joined = _Joined([outs[i] for i in positions])
        count = len(outs)

        def on_grad_output(g):
            grads = [None] * count
            for i, piece in zip(positions, joined.split(g)):
                grads[i] = piece
            grads, changed = tuple(grads), False
            for hook in list(self.module.__dict__.get("_backward_pre_hooks", {}).values()):
                found = _replaced(hook(self.module, grads), count,
                                  f"{self.name}.register_full_backward_pre_hook")
                if found is not None:
                    grads, changed = found, True
            self.grad_output = grads
            if self.inputs is None:  # no input needs a gradient: the full hooks run now
                self._run_full_hooks((None,) * self.arg_count)
            if changed:
                return joined.joined([grads[i] for i in positions],
                                     f"{self.name}.register_full_backward_pre_hook")
            return None

        joined.flat.register_hook(on_grad_output)
        if single:
            return joined.pieces[0]
        for i, piece in zip(positions, joined.pieces):
            outs[i] = piece
        return type(out)(outs)

    def _on_grad_input(self, g):
        joined, positions = self.inputs
        grads = [None] * self.arg_count
        for i, piece in zip(positions, joined.split(g)):
            grads[i] = piece
        found = self._run_full_hooks(tuple(grads))
        if found is None:
            return None
        return joined.joined([found[i] for i in positions],
                             f"{self.name}.register_full_backward_hook")

    def _run_full_hooks(self, grads):
        """The full hooks in order, each given the previous one's result; the final
        grad_input if any hook replaced it, else None."""
        changed = False
        for hook in list(self.module.__dict__.get("_backward_hooks", {}).values()):
            found = _replaced(hook(self.module, grads, self.grad_output), len(grads),
                              f"{self.name}.register_full_backward_hook")
            if found is not None:
                grads, changed = found, True
        return grads if changed else None

"""PyTorch's ``torch.nn.utils.parametrizations``: weight normalization and spectral
normalization, as parametrizations (``nn.utils.parametrize``).

- ``weight_norm(module, name="weight", dim=0)``: the weight as w = g * v / ||v||, the
  norm over every axis but ``dim`` (over all of them for dim=None), so its direction v and
  its length g are learned apart (Salimans and Kingma, 2016). The originals are g
  (``original0``) and v (``original1``), made from the weight it replaces.
- ``spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None)``:
  the weight divided by its largest singular value sigma, estimated by power iteration
  (u, v kept as buffers and refined at each training-mode read), which keeps the layer
  1-Lipschitz: GANs' discriminators (Miyato et al., 2018). In eval mode u and v stay.

Both are PyTorch's formulas, so with the same u and v PyTorch's layer and this one give
the same numbers; the random start of u and v comes from this library's generator.
"""

from __future__ import annotations

import autograd_core as ag

from ..module import Module
from ..torch_conv import ConvTranspose1d, ConvTranspose2d
from ..volumetric import ConvTranspose3d
from . import parametrize

__all__ = ["weight_norm", "spectral_norm"]


def _norm_except_dim(v, dim):
    """||v|| over every axis but ``dim``, kept as length-1 axes; over all for dim=-1
    (PyTorch's norm_except_dim, whose -1 means "no axis kept")."""
    if dim == -1:
        return ag.sqrt((v * v).sum())
    axes = tuple(a for a in range(v.ndim) if a != dim % v.ndim)
    return ag.sqrt((v * v).sum(axis=axes, keepdims=True))


class _WeightNorm(Module):
    """w = g * v / ||v||    (the norm over every axis but dim)"""

    def __init__(self, dim):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return weight_v * (weight_g / _norm_except_dim(weight_v, self.dim))

    def right_inverse(self, weight):
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module, name="weight", dim=0):
    """Reparametrize ``module.<name>`` as g * v / ||v|| (see the module's docstring).
    Returns the module."""
    weight = module.__dict__.get(name)
    if isinstance(weight, ag.Value) and dim is not None and not -weight.ndim <= dim < weight.ndim:
        raise ValueError(f"weight_norm: dim {dim} is out of range for {name!r} of shape "
                         f"{weight.shape}")
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


class _SpectralNorm(Module):
    """w / sigma(w), sigma the largest singular value, by power iteration"""

    initial_iterations = 15  # PyTorch's: u and v start from 15 steps on the first weight

    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        ndim = weight.ndim
        if not -ndim <= dim < max(ndim, 1):
            raise IndexError(f"spectral_norm: dim {dim} is out of range for a weight of "
                             f"shape {weight.shape}")
        if n_power_iterations <= 0:
            raise ValueError(f"spectral_norm: n_power_iterations must be positive, got "
                             f"{n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = self._reshape_weight_to_matrix(weight)
            h, w = weight_mat.shape
            self.register_buffer("_u", self._normalize(ag.randn(h, dtype=weight.dtype)))
            self.register_buffer("_v", self._normalize(ag.randn(w, dtype=weight.dtype)))
            self._power_method(weight_mat, self.initial_iterations)

    def _normalize(self, x):
        return x / ag.maximum(ag.sqrt((x * x).sum()), self.eps)

    def _reshape_weight_to_matrix(self, weight):
        """The weight as a matrix, axis ``dim`` first: (weight.shape[dim], the rest)."""
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.ndim) if d != self.dim))
        return weight.reshape(weight.shape[0], -1)

    def _power_method(self, weight_mat, n_power_iterations):
        """u <- W v / ||W v||,  v <- W^T u / ||W^T u||, n times, in place, unrecorded."""
        with ag.no_grad():
            for _ in range(n_power_iterations):
                self._u.assign(self._normalize(ag.mv(weight_mat, self._v)).numpy())
                self._v.assign(self._normalize(ag.mv(weight_mat.T, self._u)).numpy())

    def forward(self, weight):
        if weight.ndim == 1:
            return self._normalize(weight)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        u, v = ag.constant(self._u.numpy()), ag.constant(self._v.numpy())
        sigma = (u * ag.mv(weight_mat, v)).sum()
        return weight / sigma

    def right_inverse(self, value):
        return value


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Reparametrize ``module.<name>`` as w / sigma(w) (see the module's docstring); dim
    (the axis of the output channels) defaults to 1 for transposed convolutions, else 0.
    Returns the module."""
    return _register_spectral_norm(_SpectralNorm, module, name, n_power_iterations, eps, dim)


def _register_spectral_norm(kind, module, name, n_power_iterations, eps, dim):
    weight = module.__dict__.get(name)
    if not isinstance(weight, ag.Value):
        raise ValueError(f"spectral_norm: module {type(module).__name__} has no parameter or "
                         f"buffer named {name!r}")
    if dim is None:
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) \
            else 0
    parametrize.register_parametrization(module, name, kind(weight, n_power_iterations, dim,
                                                             eps))
    return module


# --- PyTorch's older functions (torch.nn.utils.weight_norm, spectral_norm) ------------------

def legacy_weight_norm(module, name="weight", dim=0):
    """PyTorch's older ``torch.nn.utils.weight_norm``: the same maths as ``weight_norm``,
    kept as a parametrization (g and v are ``parametrizations.<name>.original0`` and
    ``original1``, where PyTorch's older function made ``<name>_g`` and ``<name>_v``)."""
    return weight_norm(module, name, dim)


class _OlderSpectralNorm(_SpectralNorm):
    """PyTorch's older function's power iteration: v <- W^T u first, then u <- W v, from
    u and v as drawn (no first steps)"""

    initial_iterations = 0

    def _power_method(self, weight_mat, n_power_iterations):
        with ag.no_grad():
            for _ in range(n_power_iterations):
                self._v.assign(self._normalize(ag.mv(weight_mat.T, self._u)).numpy())
                self._u.assign(self._normalize(ag.mv(weight_mat, self._v)).numpy())


def legacy_spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """PyTorch's older ``torch.nn.utils.spectral_norm``: its power iteration (v first, no
    first steps), kept as a parametrization (u and v are buffers of
    ``parametrizations.<name>.0``, where PyTorch's older function made ``<name>_orig``,
    ``<name>_u`` and ``<name>_v``)."""
    return _register_spectral_norm(_OlderSpectralNorm, module, name, n_power_iterations,
                                   eps, dim)


def remove_weight_norm(module, name="weight"):
    """PyTorch's ``remove_weight_norm``: a plain weight again, holding g * v / ||v||."""
    return parametrize.remove_parametrizations(module, name)


def remove_spectral_norm(module, name="weight"):
    """PyTorch's ``remove_spectral_norm``: a plain weight again, holding w / sigma."""
    return parametrize.remove_parametrizations(module, name)

"""autograd_core: reverse-mode automatic differentiation on numpy, readable op by op.

A ``Value`` holds a numpy array and remembers the op that made it; ``backward()`` (PyTorch's
way) or a ``GradientTape`` (TensorFlow's) applies the chain rule back through the graph.

>>> import autograd_core as ag
>>> w, x = ag.Value(2.0), ag.Value(3.0)
>>> y = ag.tanh(w * x + 1)
>>> y.backward()
>>> print(f"{float(w.grad):.6f}")   # dy/dw = (1 - tanh(7)**2) * x
0.000010
"""

import numpy as _np

# First, before any array: on glibc, freed multi-megabyte arrays stay in the heap for the
# next step instead of faulting in again, and freed small buffers merge instead of waiting
# in fast bins (see _malloc; AUTOGRAD_CORE_MALLOC=system opts out).
from . import _malloc  # noqa: F401
# One product that writes the pages of OpenBLAS's work buffer its kernel prefetches, so that
# narrow float products run at full speed at one thread (see _blas_pages).
from . import _blas_pages  # noqa: F401
from . import linalg, random, special
from .engine import (
    BackwardStep, Op, apply, backward_steps, gradients, topological_order, unbroadcast,
)
from .modes import (
    detect_anomaly, enable_grad, inference_mode, is_anomaly_enabled, is_grad_enabled,
    name_scope, no_grad, set_detect_anomaly, set_grad_enabled,
)
from .value import Grad, Value, Variable, constant, get_default_dtype, set_default_dtype
from .custom import Function, custom_gradient
from .functional import (
    elementwise_grad, grad, hessian, hvp, jacobian, jvp, value_and_grad, vjp,
)
from .vectorize import jit, vmap
from .gradcheck import GradcheckError, gradcheck
from . import ops
from .ops import *  # noqa: F401,F403 - every op function (ops.__all__)
from .tape import GradientTape, UnconnectedGradients, function, stop_recording
from . import autodiff, utils  # tf.autodiff (ForwardAccumulator); torch.utils.checkpoint
from . import data  # tf.data: Dataset.from_tensor_slices(...).shuffle(...).batch(...)
from .data import TensorSpec
from .recompute import recompute_grad
from .generator import Generator  # torch.Generator: a random stream of one's own
from .random import (
    manual_seed, rand, rand_like, randint, randint_like, randn, randn_like, randperm,
)
from . import autograd  # PyTorch's torch.autograd names (grad, backward, functional...)
from . import distributions  # torch.distributions: Normal, Categorical, kl_divergence...
from .tf_names import *  # noqa: F401,F403 - TensorFlow's own top-level names (tf_names)
from .tf_names import math, nn  # tf.math and tf.nn; attributes only, not in __all__
from .devices import accelerator, backends, cuda, mps
from . import func  # torch.func: grad, vjp, jvp, jacrev, jacfwd, hessian, vmap
from .func import jacfwd, jacrev  # JAX's top-level names (the same transforms)
from . import tree_util  # jax.tree_util: tree_map, tree_flatten, ...
from .tree_util import tree  # jax.tree: tree.map, tree.leaves, ...
from .tensor_info import *  # noqa: F401,F403 - PyTorch's dtype and tensor questions
from .torch_random import *  # noqa: F401,F403 - torch.normal, bernoulli, rng state...
from .torch_settings import *  # noqa: F401,F403 - set_printoptions, threads, compile
from .torch_switches import *  # noqa: F401,F403 - determinism, matmul precision, typename
from .autocast import autocast, is_autocast_enabled, set_autocast_enabled
from . import tensor_info, torch_random, torch_settings, torch_switches
# torch.save / torch.load, never pickled: atomic writes, bounded .npz reading
from . import atomic, npz, serialization
from .serialization import load, save
from . import testing  # torch.testing.assert_close
from .ctc import ctc_loss  # torch.ctc_loss (nn.CTCLoss runs it)

float16 = _np.float16
float32 = _np.float32
float64 = _np.float64
int32 = _np.int32
int64 = _np.int64

# TensorFlow's names for the same functions, so the course's code ports by renaming.
reduce_sum = sum
reduce_mean = mean
reduce_max = max
reduce_min = min

__all__ = [
    # the graph
    "Value", "Variable", "Grad", "constant", "Op", "apply", "BackwardStep", "backward_steps",
    "topological_order", "unbroadcast", "gradients",
    # modes and dtypes
    "no_grad", "enable_grad", "inference_mode", "name_scope", "is_grad_enabled", "detect_anomaly",
    "set_default_dtype", "get_default_dtype", "float16", "float32", "float64", "int32", "int64",
    # tape, transforms, custom gradients and checking
    "GradientTape", "stop_recording", "function", "grad", "value_and_grad", "elementwise_grad",
    "jacobian", "hessian", "vjp", "jvp", "hvp", "jit", "jacfwd", "jacrev", "tree_util", "tree",
    "custom_gradient", "Function", "gradcheck",
    "GradcheckError", "recompute_grad", "UnconnectedGradients", "autodiff", "utils",
    "data", "TensorSpec",
    # TensorFlow's names
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min",
    "random", "linalg",
    # PyTorch's names
    "randn", "rand", "randint", "randperm", "manual_seed", "Generator", "randn_like", "rand_like",
    "randint_like", "set_grad_enabled", "special",
    "set_detect_anomaly", "is_anomaly_enabled", "autograd", "cuda", "mps", "accelerator",
    "backends", "func", "vmap", "distributions", "save", "load", "serialization", "atomic",
    "npz", "testing", "ctc_loss",
    "autocast", "is_autocast_enabled", "set_autocast_enabled",
] + tensor_info.__all__ + torch_random.__all__ + torch_settings.__all__ + \
    torch_switches.__all__ + ops.__all__ + [name for name in tf_names.__all__ if name != "newaxis"]

from .rendering import render  # noqa: E402
from .stepper import BackpropStepper, ForwardStepper  # noqa: E402
from .viz import draw_graph  # noqa: E402
from .scalar_graph import unroll  # noqa: E402

__all__ += ["draw_graph", "render", "BackpropStepper", "ForwardStepper", "unroll"]

# PyTorch's dtype names (torch.float is float32). Attributes only, not in __all__: a star
# import must not hide Python's own float and int.
float = float32  # noqa: A001
double = float64
half = float16
long = int64

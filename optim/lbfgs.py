"""L-BFGS, torch.optim.LBFGS's algorithm: a quasi-Newton method that re-evaluates the loss.

L-BFGS treats every parameter as one flat vector ``x`` and its gradient as one flat ``g``.
From the last ``history_size`` steps ``s = x_new - x`` and gradient changes
``y = g_new - g`` it builds ``d = -H g``, where ``H`` approximates the inverse Hessian (the
two-loop recursion), and moves ``x <- x + t*d``: ``t = lr`` (fixed step), or the ``t`` of a
line search that satisfies the strong Wolfe conditions. One ``step(closure)`` runs up to
``max_iter`` such iterations and calls the closure (loss and gradients at the current
parameters) up to ``max_eval`` times. The port follows torch 2.13's ``lbfgs.py`` line by
line, so the iterates are torch's.
"""

from __future__ import annotations

import numbers

import numpy as np

import autograd_core as ag

from . import _checks
from .optimizer import Optimizer, _made_with_params

_GROUPS_MESSAGE = "LBFGS doesn't support per-parameter options (parameter groups)"


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimizer of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2,
    clipped to ``bounds`` (default: between x1 and x2); their middle if it has none."""
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square >= 0:
        d2 = np.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def _strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9,
                  max_ls=25):
    """A step ``t`` along ``d`` with sufficient decrease, f(x+td) <= f + c1*t*gtd, and a
    flat enough slope, |g(x+td).d| <= c2*|gtd|: bracket such a t, then zoom in on it.

    Returns:
        ``(f_new, g_new, t, evaluations)``: the loss and flat gradient at the step taken.
    """
    d_norm = np.abs(d).max()
    g = g.copy()
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = g_new.dot(d)

    # Bracket an interval that holds a point satisfying the Wolfe conditions.
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        # Still going down: extrapolate, between 1.01 and 10 times the step.
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                               bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new.copy(), gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1

    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]

    # Zoom: shrink the bracket until a point in it satisfies the conditions.
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0],
                               bracket[1], bracket_f[1], bracket_gtd[1])
        # A trial point too near an end of the bracket, twice running (or at an end), is
        # moved to a tenth of the bracket's length from that end.
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False

        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1

        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            # Not enough decrease, or not below the low end: t becomes the high end.
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new.copy(), gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                # The old low end becomes the high end.
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new.copy(), gtd_new

    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


class LBFGS(Optimizer):
    """L-BFGS over all parameters as one vector, PyTorch's ``torch.optim.LBFGS``::

        d <- -H g                   (two-loop recursion over the last history_size (s, y))
        x <- x + t d                (t = lr, or a strong-Wolfe line search's step)
        s <- t d,  y <- g_new - g,  rho <- 1/(y.s)   (kept when y.s > 1e-10)

    ``step(closure)`` needs the closure: it zeroes the gradients, computes the loss, calls
    ``backward`` and returns the loss. A parameter whose gradient is None counts as having
    a zero gradient, as in torch.

    Args:
        params: the parameters, one group only (torch's rule).
        lr: the step size (>= 0), scaled on the very first iteration to
            ``min(1, 1/sum|g|) * lr``.
        max_iter: iterations per ``step``.
        max_eval: closure calls per ``step``; None gives ``max_iter * 5 // 4``.
        tolerance_grad: stop when ``max|g| <= tolerance_grad``.
        tolerance_change: stop when the step, or the loss's change, is below it.
        history_size: how many (s, y) pairs H is built from.
        line_search_fn: None (fixed step) or "strong_wolfe".

    torch's defaults: ``lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-07,
    tolerance_change=1e-09, history_size=100, line_search_fn=None``.

    State (torch's, kept for the whole vector): ``func_evals``, ``n_iter``, ``d``, ``t``,
    ``old_dirs``, ``old_stps``, ``ro``, ``H_diag``, ``prev_flat_grad``, ``prev_loss``, ``al``.

    >>> import autograd_core as ag
    >>> w = ag.Variable([3.0, -1.0], dtype="float64")
    >>> opt = LBFGS([w], line_search_fn="strong_wolfe")
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = ((w - 1.0) ** 2).sum()
    ...     loss.backward()
    ...     return loss
    >>> _ = opt.step(closure)
    >>> w.numpy().round(6)
    array([1., 1.])
    """

    group_keys = ("lr", "max_iter", "max_eval", "tolerance_grad", "tolerance_change",
                  "history_size", "line_search_fn")
    _STATE_SCALARS = ("func_evals", "n_iter", "t", "H_diag", "prev_loss")
    _STATE_VECTORS = ("d", "prev_flat_grad")
    _STATE_LISTS = ("old_dirs", "old_stps", "ro", "al")

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-07,
                 tolerance_change=1e-09, history_size=100, line_search_fn=None):
        if params is None or not _made_with_params(params):
            raise TypeError("LBFGS: pass the parameters first, LBFGS(model.parameters(), "
                            f"lr=...), as torch.optim.LBFGS takes them; got {params!r}")
        lr = _checks.non_negative(lr, "lr", "LBFGS")
        max_iter = _checks.positive_int(max_iter, "max_iter", "LBFGS")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        if isinstance(max_eval, bool) or not isinstance(max_eval, numbers.Integral):
            raise ValueError(f"LBFGS: max_eval must be an integer or None, got {max_eval!r}")
        self.max_iter, self.max_eval = max_iter, int(max_eval)
        self.tolerance_grad = _checks.number(tolerance_grad, "tolerance_grad", "LBFGS")
        self.tolerance_change = _checks.number(tolerance_change, "tolerance_change", "LBFGS")
        self.history_size = _checks.positive_int(history_size, "history_size", "LBFGS")
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe' (torch "
                             f"supports only these), got {line_search_fn!r}")
        self.line_search_fn = line_search_fn
        super().__init__(params, lr)
        if self._groups is not None and len(self._groups) != 1:
            raise ValueError(_GROUPS_MESSAGE)
        self._reset_state()

    def _reset_state(self):
        self.func_evals, self.n_iter = 0, 0
        self.d = self.t = self.H_diag = self.prev_flat_grad = self.prev_loss = None
        self.old_dirs = self.old_stps = self.ro = self.al = None

    def add_param_group(self, param_group):
        raise ValueError(_GROUPS_MESSAGE)

    def apply_gradients(self, grads_and_vars):
        """Refused: L-BFGS re-evaluates the loss, so one set of gradients is not enough."""
        raise TypeError("LBFGS re-evaluates the loss during a step and cannot apply given "
                        "gradients (apply_gradients, apply, minimize); call "
                        "optimizer.step(closure)")

    def minimize(self, loss, var_list, tape=None):
        self.apply_gradients(())

    # --- the flat vector of all parameters ----------------------------------------------
    def _gather_flat_grad(self):
        """g: every parameter's gradient, flattened and joined (zeros where it is None)."""
        views = []
        for p in self.params:
            if p.grad is None:
                views.append(np.zeros(p.data.size, p.dtype))
            else:
                views.append(np.ravel(self._checked_grad(p.grad, p, "step")))
        return np.concatenate(views)

    def _add_grad(self, step_size, update):
        """x <- x + step_size * update, each parameter in place, marked changed."""
        offset = 0
        for p in self.params:
            n = p.data.size
            p.assign(p.data + step_size * update[offset:offset + n].reshape(p.shape))
            offset += n

    def _clone_param(self):
        return [np.array(p.data, copy=True) for p in self.params]

    def _set_param(self, params_data):
        for p, data in zip(self.params, params_data, strict=True):
            p.assign(data)

    def _directional_evaluate(self, closure, x, t, d):
        """The loss and flat gradient at x + t*d; the parameters are put back to x."""
        self._add_grad(t, d)
        loss = float(closure())
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    # --- the algorithm -------------------------------------------------------------------
    def step(self, closure=None):
        """Run up to ``max_iter`` L-BFGS iterations, calling ``closure`` for the loss.

        Args:
            closure: a zero-argument callable that zeroes the gradients, computes the loss,
                calls ``backward`` and returns the loss (a Value or a number).
        Returns:
            The closure's loss at the parameters the step started from.
        Raises:
            TypeError: without a closure.
        """
        if closure is None or not callable(closure):
            raise TypeError("LBFGS.step needs a closure that re-evaluates the model: "
                            "def closure(): optimizer.zero_grad(); loss = loss_fn(model(x), "
                            "y); loss.backward(); return loss; then optimizer.step(closure)")

        def evaluate():
            with ag.enable_grad():
                return closure()

        lr, max_iter, max_eval = self.learning_rate, self.max_iter, self.max_eval
        tolerance_grad, tolerance_change = self.tolerance_grad, self.tolerance_change
        history_size = self.history_size
        self.iterations += 1

        orig_loss = evaluate()
        loss = float(orig_loss)
        current_evals = 1
        self.func_evals += 1

        flat_grad = self._gather_flat_grad()
        if np.abs(flat_grad).max() <= tolerance_grad:
            return orig_loss

        d, t, H_diag = self.d, self.t, self.H_diag
        old_dirs, old_stps, ro = self.old_dirs, self.old_stps, self.ro
        prev_flat_grad, prev_loss = self.prev_flat_grad, self.prev_loss

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            self.n_iter += 1

            # The direction d = -H g.
            if self.n_iter == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                H_diag = 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:  # keep (s, y) only where the curvature is positive
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / y.dot(y)       # H0 = (y.s / y.y) I
                num_old = len(old_dirs)
                if self.al is None:
                    self.al = [None] * history_size
                al = self.al
                q = -flat_grad
                for i in range(num_old - 1, -1, -1):
                    al[i] = old_stps[i].dot(q) * ro[i]       # alpha_i = rho_i s_i.q
                    q += -al[i] * old_dirs[i]                # q <- q - alpha_i y_i
                d = r = q * H_diag
                for i in range(num_old):
                    be_i = old_dirs[i].dot(r) * ro[i]        # beta_i = rho_i y_i.r
                    r += (al[i] - be_i) * old_stps[i]        # r <- r + (alpha_i - beta_i) s_i

            if prev_flat_grad is None:
                prev_flat_grad = flat_grad.copy()
            else:
                np.copyto(prev_flat_grad, flat_grad)
            prev_loss = loss

            # The step length.
            if self.n_iter == 1:
                t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr
            else:
                t = lr
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:  # not a descent direction any more
                break

            ls_func_evals = 0
            if self.line_search_fn is not None:
                x_init = self._clone_param()

                def obj_func(x, t, d):
                    return self._directional_evaluate(evaluate, x, t, d)

                loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                    obj_func, x_init, t, d, loss, flat_grad, gtd,
                    max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)
                if n_iter != max_iter:  # the last iteration's loss would go unused
                    loss = float(evaluate())
                    flat_grad = self._gather_flat_grad()
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1

            current_evals += ls_func_evals
            self.func_evals += ls_func_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if np.abs(d * t).max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        self.d, self.t, self.H_diag = d, t, H_diag
        self.old_dirs, self.old_stps, self.ro = old_dirs, old_stps, ro
        self.prev_flat_grad, self.prev_loss = prev_flat_grad, prev_loss
        return orig_loss

    # --- the state, to resume -------------------------------------------------------------
    def state_dict(self):
        """torch's state as flat names to arrays: "iterations", "func_evals", "n_iter",
        "t", "H_diag", "prev_loss", "d", "prev_flat_grad", and the lists by position
        ("old_dirs.0", ..., "ro.0", ..., "al.0", ...: only al's filled entries). What is
        not yet set (before the first iteration) is left out."""
        state = {"iterations": np.array(self.iterations, np.int64)}
        for name in (*self._STATE_SCALARS, *self._STATE_VECTORS):
            value = getattr(self, name)
            if value is not None:
                state[name] = np.array(value)
        for name in self._STATE_LISTS:
            for i, value in enumerate(getattr(self, name) or ()):
                if value is not None:
                    state[f"{name}.{i}"] = np.array(value)
        return state

    def load_state_dict(self, state):
        """Restore what ``state_dict`` gave, all or nothing.

        Raises:
            ValueError: an unexpected name, or an array of the wrong shape; nothing changed.
        """
        where = "LBFGS.load_state_dict"
        numel = sum(p.data.size for p in self.params)
        problems, loaded = [], {}
        lists = {name: {} for name in self._STATE_LISTS}
        for key in state.keys():
            value = np.array(state[key])
            name, _, index = key.partition(".")
            if key in ("iterations", *self._STATE_SCALARS):
                if value.shape != ():
                    problems.append(f"{key} must be one number, got shape {value.shape}")
                loaded[key] = value.item()
            elif key in self._STATE_VECTORS or name in ("old_dirs", "old_stps"):
                if value.shape != (numel,):
                    problems.append(f"{key} must have shape ({numel},) (every parameter's "
                                    f"elements), got {value.shape}")
                (lists[name] if index else loaded)[int(index) if index else key] = value
            elif name in ("ro", "al") and index.isdigit() and value.shape == ():
                lists[name][int(index)] = value[()]
            else:
                problems.append(f"unexpected name {key!r}")
        for name in ("old_dirs", "old_stps", "ro"):
            if sorted(lists[name]) != list(range(len(lists["ro"]))):
                problems.append(f"{name} holds positions {sorted(lists[name])}, expected "
                                f"0..{len(lists['ro']) - 1} like ro")
        if len(lists["ro"]) > self.history_size or any(
                i >= self.history_size for i in lists["al"]):
            problems.append(f"the history is longer than history_size={self.history_size}")
        for key in ("iterations", "func_evals", "n_iter"):
            if key in loaded and not float(loaded[key]).is_integer():
                problems.append(f"{key} must be an integer, got {loaded[key]!r}")
        if problems:
            raise ValueError(f"{where}: the state does not fit; nothing was loaded:\n  "
                             + "\n  ".join(problems))
        self._reset_state()
        self.iterations = int(loaded.pop("iterations", 0))
        self.func_evals = int(loaded.pop("func_evals", 0))
        self.n_iter = int(loaded.pop("n_iter", 0))
        for key, value in loaded.items():
            setattr(self, key, value)
        if self.n_iter:
            for name in ("old_dirs", "old_stps", "ro"):
                setattr(self, name, [lists[name][i] for i in range(len(lists[name]))])
        if lists["al"]:
            self.al = [lists["al"].get(i) for i in range(self.history_size)]

    def get_config(self):
        return {"lr": self.learning_rate, "max_iter": self.max_iter, "max_eval": self.max_eval,
                "tolerance_grad": self.tolerance_grad,
                "tolerance_change": self.tolerance_change, "history_size": self.history_size,
                "line_search_fn": self.line_search_fn}

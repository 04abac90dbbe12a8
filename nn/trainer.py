"""Training a model, Keras's way: ``compile``, ``fit``, ``evaluate``, ``predict`` and the
``*_on_batch`` methods, as ``Trainer``, the part of ``nn.Model`` (``nn.models``) that
trains (Keras splits its Model the same way: ``keras.src.trainers.trainer``).

When the model ends in softmax (sigmoid) and the loss is a categorical (binary)
cross-entropy of probabilities, training computes the loss from the logits before that
activation with the engine's fused op: exact where log(softmax) would underflow, and
faster. Keras does the same behind the scenes. ``predict`` still returns probabilities.

Data comes as arrays, which ``fit`` checks whole before the first update, or as batches
(a generator, a ``PyDataset``, an ``nn.DataLoader``; ``nn.data_adapter``), whose first
batch is checked before the first update and each later one before its step.
"""

import functools
import itertools
import math
import numbers
import warnings

import numpy as np

import autograd_core as ag
import optim

from . import activations, data_adapter, losses, training
from . import metrics as metrics_lib
from .data import _check_positive_int
from .basic_layers import Activation, Softmax

__all__ = ["Trainer"]


class Trainer:
    """``compile``, ``fit``, ``evaluate``, ``predict``, ``train_on_batch``,
    ``test_on_batch``, ``predict_on_batch`` and ``reset_metrics`` for ``nn.Model``, which
    holds the state they use (``optimizer``, ``loss``, the metrics, ``history``) and gives
    ``output_names``, ``_graph`` and the call itself.
    """

    # --- compile -------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None):
        """Choose how to train.

        Args:
            optimizer: a name ("sgd", "rmsprop", "adam", "adamw", "adagrad") or an
                optimizer object (``optim.get``).
            loss: a name ("categorical_crossentropy", "mse", ...), a Loss (a subclass of
                your own with ``call(y_true, y_pred)`` too) or a function
                ``(y_true, y_pred) -> Value``. For several outputs: one for all, a list
                in the outputs' order, or a dict by output name.
            metrics: names ("accuracy", "acc", ...), functions ``(y_true, y_pred) ->
                per-sample values``, or metric objects (``update_state``, ``result``,
                ``reset_state``). For several outputs, a flat list is computed on each
                output; a list of lists or a dict gives each its own.
            loss_weights: for several outputs, the weight of each output's loss in the
                total (a list or a dict); 1 by default.
        """
        # Everything is resolved before anything is set: a bad name leaves the previous
        # compile in place.
        names = self.output_names
        optimizer_obj = optim.get(optimizer)
        loss_list = [None if fn is None else losses.get(fn)
                     for fn in _per_output(loss, names, "loss", None)]
        if loss is not None and all(fn is None for fn in loss_list):
            raise ValueError("compile: every output's loss is None; nothing to minimise "
                             "(leave loss=None to compute your own in train_step)")
        weights = _per_output(loss_weights, names, "loss_weights", 1.0)
        for name, w in zip(names, weights):
            if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w):
                raise ValueError(f"compile: loss_weights for {name!r} must be a finite "
                                 f"number, got {w!r}")
        specs = _metric_specs(metrics, names)
        metric_list, used = [], set()
        for i, output_specs in enumerate(specs):
            for spec in output_specs:
                metric = training.get_metric(spec, loss_list[i])
                if id(metric) in used:
                    metric = training.copy_metric(metric)
                used.add(id(metric))
                name = spec if isinstance(spec, str) else metric.name
                metric_list.append((name if len(names) == 1 else f"{names[i]}_{name}",
                                    i, metric))
        self.optimizer = optimizer_obj
        self.loss = loss_list[0] if len(names) == 1 else loss_list
        self._loss_specs = [(n, fn, float(w)) for n, fn, w in zip(names, loss_list, weights)]
        self._metrics = metric_list
        self._metric_trackers = [_CompiledMetric(name, i, metric, len(names))
                                 for name, i, metric in metric_list]
        self._loss_means()
        self._compile_args = {"optimizer": optimizer, "loss": loss, "metrics": metrics,
                              "loss_weights": loss_weights}
        # Keras's rule: training uses the weights trainable now (a layer frozen later,
        # such as a GAN's discriminator inside the combined model, still trains in this
        # model); a model without weights yet takes them at its first step.
        self._compiled_variables = None
        if self._weights_made():
            self._variables_to_train()

    def _weights_made(self):
        """Whether every weight exists yet (Keras's ``built``): a functional model's do, a
        subclassed model's after its first call."""
        return self._graph is not None or self.built

    def _variables_to_train(self):
        """The Variables ``fit`` and ``train_on_batch`` update: those trainable when the
        model was compiled (or, built later, at its first step)."""
        if getattr(self, "_compiled_variables", None) is None:
            variables = self.trainable_variables
            chosen = {id(v) for v in variables}
            every = not any(v.requires_grad and id(v) not in chosen for v in self._variables())
            self._compiled_variables = _Chosen(variables, every)
            if not variables:
                warnings.warn(f"Model {self.name!r} has no trainable weights: training it "
                              "changes nothing (as Keras warns)", stacklevel=3)
        return self._compiled_variables.variables

    @property
    def metrics_names(self):
        """The names ``evaluate`` returns values for: ["loss", "accuracy", ...]."""
        per_output = ([f"{n}_loss" for n, fn, _ in self._loss_specs if fn is not None]
                      if len(self._loss_specs) > 1 else [])
        return ["loss"] + per_output + [name for name, _, _ in self._metrics]

    # --- the pieces of a step --------------------------------------------------------------
    def _check_compiled(self, where):
        if self.optimizer is None or not self._loss_specs:
            raise RuntimeError(f"{where}: call compile(optimizer, loss, metrics) first (model "
                               f"{self.name!r} is not compiled)")

    def _check_loss(self, where, step):
        """The default steps need a compiled loss; one's own ``step`` need not."""
        if all(fn is None for _, fn, _ in self._loss_specs):
            raise ValueError(f"{where}: model {self.name!r} was compiled without a loss: give "
                             f"compile(loss=...), or override {step} to compute your own")

    def _paths(self):
        """(forward, loss functions, to_probabilities) for training and evaluation.

        Fused when the single output ends in softmax/sigmoid and its loss is the matching
        cross-entropy of probabilities: forward stops at the logits and the loss takes
        them (from_logits=True); the metrics see the probabilities, recomputed.
        """
        fns = [fn for _, fn, _ in self._loss_specs]
        fused = _FUSED.get(getattr(self, "output_activation", None))
        loss = fns[0]
        if len(fns) == 1 and fused is not None and type(loss) in fused[0] \
                and not loss.from_logits:
            return (self.forward_logits, [type(loss)(from_logits=True,
                                                     reduction=loss.reduction)], fused[1])
        return self, fns, None

    def _dtype(self):
        params = self._variables()
        return params[0].dtype if params else ag.get_default_dtype()

    def _xs(self, x, where):
        """x as one array per input, floats of the weights' dtype (converted once)."""
        listed = self._graph is not None and not self._graph.single_input
        xs = data_adapter.as_arrays(x, self.input_names, "x", where, listed)
        kinds = ([t.dtype.kind for t in self._graph.inputs] if self._graph is not None
                 else ["f"] * len(xs))
        # text (TextVectorization, StringLookup as the first layer) stays text
        xs = [a.astype(self._dtype(), copy=False) if kind == "f" and a.dtype.kind in "fiub"
              else a for a, kind in zip(xs, kinds)]
        data_adapter.check_lengths([("x", xs)], where)
        return xs

    def _arrays(self, x, y, where):
        """x and y as lists of arrays of one length, with no NaN or Inf."""
        xs = self._xs(x, where)
        listed = self._graph is not None and not self._graph.single_output
        ys = data_adapter.as_arrays(y, self.output_names, "y", where, listed)
        data_adapter.check_lengths([("x", xs), ("y", ys)], where)
        # Integer class labels stay integers for the sparse loss; targets become floats.
        ys = [a if (isinstance(fn, losses.SparseCategoricalCrossentropy) and a.dtype.kind
                    in "iu") else a.astype(self._dtype(), copy=False)
              for a, (_, fn, _) in zip(ys, self._loss_specs)]
        for label, arrays in (("x", xs), ("y", ys)):
            for a in arrays:
                data_adapter.check_finite(a, label, where)
        return xs, ys

    def _model_input(self, xs):
        if self._graph is not None and not self._graph.single_input:
            return xs               # built with a list of inputs, even of one
        return xs[0] if len(xs) == 1 else xs

    def _check_with_model(self, xs, ys, batch_size, paths, where):
        """Run the model on the first batch, without a graph and in inference mode (a wrong
        input shape fails here), check every target against its loss with the predictions'
        shape (a label out of range in the last batch fails here), and run the losses on
        the first batch, so that a loss function of the user's own checks its targets too.

        Returns:
            The predictions' shapes for all samples, one per output, and the first batch's
            predictions (for ``_check_loss_to_train``).
        """
        forward, fns, _ = paths
        n = len(ys[0])
        try:
            with ag.no_grad(), self._using_mode(False):
                outs = _as_list(forward(self._model_input([a[:batch_size] for a in xs])))
                if len(outs) != len(ys):
                    raise ValueError(f"the model gives {len(outs)} outputs, y holds "
                                     f"{len(ys)} arrays")
                shapes = [(n,) + tuple(np.shape(z)[1:]) for z in outs]
                for fn, y, z, shape in zip(fns, ys, outs, shapes):
                    if fn is not None:
                        losses.check_targets(fn, y, shape, "y")
                        _call_loss(fn, y[:batch_size], z, None)
        except (ValueError, TypeError) as e:
            if type(e) not in (ValueError, TypeError):  # numpy's own kinds take other arguments
                raise
            raise type(e)(f"{where}: {e}") from e
        return shapes, outs

    def _check_loss_to_train(self, outs, ys, w, batch_size, paths, where):
        """backward() needs a scalar: each output's loss of the first batch (its predictions
        ``outs`` from ``_check_with_model``), weighted as training weighs it, must be one.
        Checked here, before any update: found in the first training step, it came after
        the forward pass had drawn dropout masks and moved BatchNorm's statistics."""
        _, fns, _ = paths
        wb = None if w is None else w[:batch_size]
        for (name, _, _), fn, y, z in zip(self._loss_specs, fns, ys, outs):
            if fn is None:
                continue
            try:
                value = _call_loss(fn, y[:batch_size], z, wb)
            except ValueError as e:
                raise ValueError(f"{where}: {e}") from e
            if np.ndim(value) != 0:
                of = "" if len(self._loss_specs) == 1 else f" of output {name!r}"
                raise ValueError(f"{where}: the loss{of} must be a scalar to train, got shape "
                                 f"{np.shape(value)} (use reduction='mean' or 'sum')")

    def _batch(self, forward, fns, xb, yb, wb):
        """Forward one batch: the outputs, the total loss (a Value) and each output's.

        The total adds ``sum(self.losses)``: the batch's ``add_loss`` values and activity
        penalties, and the weights' penalties, as Keras's ``compute_loss`` (in ``fit``'s
        logged loss and in ``evaluate``'s too).
        """
        with self._one_call():  # the fused forward_logits is a call of the model too
            outs = _as_list(forward(self._model_input(xb)))
        total, per_output = None, []
        for (_, _, weight), fn, y, z in zip(self._loss_specs, fns, yb, outs):
            if fn is None:
                continue
            value = _call_loss(fn, y, z, wb)
            per_output.append(value)
            term = value if weight == 1 else value * weight
            total = term if total is None else total + term
        added = self.losses
        if added:
            total = total + functools.reduce(ag.add, added)
        return outs, total, per_output

    def _update_metrics(self, yb, outs, wb, to_prob):
        for _, i, metric in self._metrics:
            z = outs[i]
            y_pred = z.data if isinstance(z, ag.Value) else np.asarray(z)
            if to_prob is not None:
                y_pred = to_prob(y_pred)
            metric.update_state(yb[i], y_pred, sample_weight=wb)

    def _loss_means(self):
        """New running means of the total loss and of each output's (``metrics``'s first
        entries from now on: Keras's ``_loss_tracker``), each on its own, so that an
        ``evaluate`` inside a callback leaves ``fit``'s running loss alone."""
        self._loss_trackers = [_LossMean(name=name)
                               for name in self.metrics_names[:1 + _extra(self)]]
        return self._loss_trackers

    def _train_step(self, paths, xb, yb, wb, means, variables=None):
        """One gradient update on one batch, in training mode: forward, loss, backward, the
        optimizer's step. The batch's loss goes into ``means``, its predictions into the
        metrics. ``fit`` runs it for each batch, ``train_on_batch`` once.

        Args:
            paths: from ``_paths``.
            xb, yb: the batch, one array per input and per output; wb: its weights or None.
            variables: the trainable Variables, once known.
        Returns:
            The trainable Variables, for the next step: a lazy model has them only after its
            first forward, and listing them again for every batch costs a walk of the model.
        """
        forward, fns, to_prob = paths
        outs, loss, per_output = self._batch(forward, fns, xb, yb, wb)
        if variables is None:
            variables = self._variables_to_train()
        if not variables:
            pass  # all frozen: the loss and metrics alone, as Keras (which warns; see compile)
        elif self._compiled_variables.every:
            loss.backward()
        else:  # frozen layers: no gradient for their weights, none below the lowest trained
            loss.backward(inputs=variables)
        if variables:
            self.optimizer.apply_gradients([(v.grad, v) for v in variables])
        for v in variables:
            v.grad = None
        _add_means(means, loss, per_output, len(yb[0]))
        self._update_metrics(yb, outs, wb, to_prob)
        # The batch's graph (its activations) goes when this returns, before the next
        # batch's forward: kept alive until that forward was done, it made fit's peak
        # memory 1.5x a bare training step's.
        return variables

    def reset_metrics(self):
        """Forget what the compiled metrics have seen (Keras's ``reset_metrics``).

        ``fit`` does it at the start of every epoch; ``evaluate``, ``train_on_batch`` and
        ``test_on_batch`` at the start of every call, so the values they return are of their
        own data alone: the compiled metrics and every entry of ``metrics`` (a subclass's
        own trackers too, when it lists them there, as Keras's rule).
        """
        done = set()
        for metric in [metric for _, _, metric in self._metrics] + self.metrics:
            metric = metric.metric if isinstance(metric, _CompiledMetric) else metric
            if id(metric) not in done:
                done.add(id(metric))
                metric.reset_state()

    def _results(self, logs, return_dict):
        """What Keras's evaluate returns: ``{name: value}`` in ``metrics_names`` order, or the
        values as a list, or the loss alone when there is nothing else."""
        if return_dict:
            return {name: logs[name] for name in self.metrics_names}
        values = [logs[name] for name in self.metrics_names]
        return values if len(values) > 1 else values[0]

    def _logs(self, means):
        logs = {name: mean.result() for name, mean in zip(self.metrics_names, means)}
        for name, _, metric in self._metrics:
            result = metric.result()  # a number, or one per class (F1Score(average=None))
            logs[name] = float(result) if np.ndim(result) == 0 else np.asarray(result)
        return logs

    def _sample_weights(self, sample_weight, class_weight, ys, shapes, where):
        return data_adapter.sample_weights(sample_weight, class_weight, ys, shapes, where)

    # --- Keras 3's steps, which a subclass may override ------------------------------------
    @property
    def metrics(self):
        """The metric objects ``fit`` and ``evaluate`` reset and report, in Keras 3's order:
        the loss tracker ("loss", a ``Mean``), each output's loss tracker for several
        outputs, then the compiled metrics, named as the logs name them; [] before
        ``compile``. A subclass that tracks its own may list them here instead (the
        guide's ``return [self.loss_tracker, self.mae_metric]``)."""
        if self.optimizer is None or not self._loss_specs:
            return []
        return list(self._loss_trackers) + list(self._metric_trackers)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss(es) of ``y_pred`` against ``y``, weighted as compiled, plus
        ``self.losses`` (regularization, ``add_loss``): Keras 3's ``compute_loss``.

        loss = sum_k loss_weight_k * loss_k(y_k, y_pred_k, sample_weight) + sum(self.losses)

        Args:
            x: unused (Keras's signature, for an override that needs the inputs).
            y, y_pred: the targets and the model's outputs (lists for several outputs).
            sample_weight: None or (batch,) weights of the samples.
            training: unused here (Keras's signature).
        Returns:
            A scalar Value, to differentiate.
        """
        where = f"compute_loss (model {self.name!r})"
        specs = [spec for spec in self._loss_specs if spec[1] is not None]
        total = None
        if specs:
            ys, zs = _as_list(y), _as_list(y_pred)
            if y is None or len(ys) != len(self._loss_specs) or len(zs) != len(ys):
                raise ValueError(f"{where}: give y and y_pred, one each per output "
                                 f"{self.output_names}, got {len(ys)} and {len(zs)}")
            ys = [a if isinstance(a, ag.Value) else np.asarray(a) for a in ys]
            w = data_adapter.sample_weights(sample_weight, None, ys, None, where)
            for (_, fn, weight), a, z in zip(self._loss_specs, ys, zs):
                if fn is None:
                    continue
                term = _call_loss(fn, a, z, w)
                term = term if weight == 1 else term * weight
                total = term if total is None else total + term
        added = self.losses
        if added:
            extra = functools.reduce(ag.add, added)
            total = extra if total is None else total + extra
        if total is None:
            raise ValueError(f"{where}: no loss to compute; give a loss in compile()")
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with this batch and return ``get_metrics_result()``
        (Keras 3's; ``x`` is unused)."""
        for metric in self._metric_trackers:
            metric.update_state(y, y_pred, sample_weight=sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self):
        """``{metric.name: metric.result()}`` for every entry of ``metrics``, as numbers."""
        logs = {}
        for metric in self.metrics:
            result = metric.result()
            logs.update(_pythonify(result) if isinstance(result, dict)
                        else {metric.name: _number(result)})
        return logs

    def train_step(self, data):
        """One gradient update on one batch, which ``fit`` calls for each: Keras 3's.

        Override it to train your own way (the keras.io guide "Customizing what happens in
        fit()"); what it returns, ``{name: value}``, becomes the batch's logs.

        Args:
            data: ``(x, y)``, ``(x, y, sample_weight)``, or x alone when fit got no y.
        Returns:
            ``get_metrics_result()``: the running loss and compiled metrics.
        """
        where = f"train_step (model {self.name!r})"
        self._check_loss(where, "train_step")
        xs, ys, w = self._step_arrays(data, where)
        with self._using_mode(True):
            self._train_step(self._paths(), xs, ys, w, self._loss_trackers)
        return self.get_metrics_result()

    def test_step(self, data):
        """The loss and metrics of one batch, in inference mode: what ``evaluate`` (and
        ``fit``'s validation) calls for each batch. Override it as ``train_step``.

        Returns:
            ``get_metrics_result()``: the running loss and compiled metrics.
        """
        where = f"test_step (model {self.name!r})"
        self._check_loss(where, "test_step")
        xs, ys, w = self._step_arrays(data, where)
        forward, fns, to_prob = self._paths()
        with ag.no_grad(), self._using_mode(False):
            outs, loss, per_output = self._batch(forward, fns, xs, ys, w)
            _add_means(self._loss_trackers, loss, per_output, len(ys[0]))
            self._update_metrics(ys, outs, w, to_prob)
        return self.get_metrics_result()

    def predict_step(self, data):
        """The model's outputs for one batch, in inference mode: what ``predict`` calls for
        each batch. ``data`` is x, or a tuple whose first entry is x."""
        x, _, _ = data_adapter.unpack_batch(data, f"predict_step (model {self.name!r})")
        xs = self._xs(x, f"predict_step (model {self.name!r})")
        with ag.no_grad(), self._using_mode(False):
            return self(self._model_input(xs))

    def _step_arrays(self, data, where):
        """A step's data as the default steps take it: (xs, ys, weights), checked."""
        x, y, sample_weight = data_adapter.unpack_batch(data, where)
        xs, ys = self._arrays(x, _targets(y, where), where)
        return xs, ys, data_adapter.sample_weights(sample_weight, None, ys, None, where)

    def _overridden(self, step):
        """Whether this model's class defines its own ``step`` ("train_step", ...)."""
        return getattr(type(self), step) is not getattr(Trainer, step)

    def _step_logs(self, logs, step):
        """What ``step`` returned, as the batch's logs: a dict of numbers (Keras's
        ``pythonify_logs``)."""
        if not isinstance(logs, dict):
            raise TypeError(f"Model {self.name!r}: {step} must return a dict {{name: value}} "
                            f"of logs (e.g. {{m.name: m.result() for m in self.metrics}}), "
                            f"got {type(logs).__name__}")
        return _pythonify(logs)

    def _metrics_result_or_logs(self, logs):
        """Keras's rule at the end of an epoch or evaluation: the metrics' results when
        the step's logs name exactly them, else the last step's logs."""
        results = self.get_metrics_result()
        return results if set(results) == set(logs) else logs

    def _custom_data(self, x, y, sample_weight, class_weight, where):
        """Array data for steps of one's own: xs as fit's, ys (None without y) with their
        floats in the weights' dtype, and the weights."""
        xs = self._xs(x, where)
        if y is None:
            if sample_weight is not None or class_weight is not None:
                raise ValueError(f"{where}: sample_weight and class_weight need y")
            return xs, None, None, False
        listed = self._graph is not None and not self._graph.single_output
        names = self.output_names
        if self._graph is None and isinstance(y, (list, tuple)):
            names, listed = [f"y{i}" for i in range(len(y))], True
        ys = data_adapter.as_arrays(y, names, "y", where, listed)
        ys = [a.astype(self._dtype(), copy=False) if a.dtype.kind == "f" else a for a in ys]
        data_adapter.check_lengths([("x", xs), ("y", ys)], where)
        w = data_adapter.sample_weights(sample_weight, class_weight, ys,
                                        [a.shape for a in ys], where)
        return xs, ys, w, listed or isinstance(y, dict)

    def _pack(self, batch, listed=False):
        """An (xs, ys, w) batch of arrays as Keras hands it to a step: x alone, (x, y) or
        (x, y, sample_weight)."""
        xb, yb, wb = batch
        x = self._model_input(xb)
        if yb is None:
            return x
        y = yb if listed else yb[0]
        return (x, y) if wb is None else (x, y, wb)

    def _test_loop(self, batches, bar=None):
        """``test_step`` on each batch, in inference mode; the logs at the end."""
        self.reset_metrics()
        logs = {}
        with self._using_mode(False):
            for step, batch in enumerate(batches):
                logs = self._step_logs(self.test_step(batch), "test_step")
                if bar is not None:
                    bar.update(step + 1, logs)
        return self._metrics_result_or_logs(logs)

    def _custom_fit(self, x, y, epochs, batch_size, validation_data, validation_split,
                    shuffle, seed, verbose, callbacks, sample_weight, class_weight,
                    initial_epoch, steps_per_epoch, validation_steps):
        """``fit`` with a ``train_step`` (or ``test_step``) of the model's own: the data
        batched as given, each batch handed to the step, its returned dict the logs."""
        if not self._overridden("train_step"):
            self._check_loss("fit", "train_step")
        if (validation_data is not None or validation_split) \
                and not self._overridden("test_step"):
            self._check_loss("fit (validation)", "test_step")
        given_batches = data_adapter.is_batches(x)
        validation = None
        if given_batches:
            _refuse_with_batches(x, "fit", y=y, batch_size=batch_size,
                                 sample_weight=sample_weight)
            if validation_split or class_weight is not None:
                raise ValueError("fit: validation_split and class_weight are for arrays; x "
                                 f"is a {type(x).__name__} of batches")
            data = data_adapter.Batches(x, steps_per_epoch, "fit", "x", "steps_per_epoch")
        else:
            _check_positive_int(32 if batch_size is None else batch_size, "fit: batch_size")
            xs, ys, w, listed = self._custom_data(x, y, sample_weight, class_weight, "fit")
            if validation_data is None and validation_split:
                if not 0 < validation_split < 1:
                    raise ValueError(f"fit: validation_split must lie in (0, 1), got "
                                     f"{validation_split}")
                n = len(xs[0])
                split = int(n * (1 - validation_split))
                if split == 0 or split == n:
                    raise ValueError(f"fit: validation_split={validation_split} of {n} "
                                     "samples leaves no training or no validation data")
                cut = [(a[:split], a[split:]) for a in xs], \
                    None if ys is None else [(a[:split], a[split:]) for a in ys]
                validation = ([b for _, b in cut[0]],
                              None if ys is None else [b for _, b in cut[1]],
                              None if w is None else w[split:])
                xs = [a for a, _ in cut[0]]
                ys = None if ys is None else [a for a, _ in cut[1]]
                w = None if w is None else w[:split]
        if data_adapter.is_batches(validation_data):
            validation = data_adapter.Batches(validation_data, validation_steps, "fit",
                                              "validation_data", "validation_steps")
        elif validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2 \
                    and len(validation_data) != 3:
                raise ValueError("fit: validation_data must be (x_val, y_val) or (x_val, "
                                 "y_val, sample_weight_val), or batches")
            *validation, val_listed = self._custom_data(
                *validation_data[:2], (list(validation_data) + [None])[2], None,
                "fit (validation_data)")
        elif validation is not None:
            val_listed = listed
        val_pack = _as_given
        if isinstance(validation, (tuple, list)):
            validation, _ = _array_data(*validation, batch_size, validation_steps, "fit",
                                        "validation_data", "validation_steps")
            val_pack = functools.partial(self._pack, listed=val_listed)
        if not given_batches:
            data, batch_size = _array_epochs(xs, ys, w, batch_size, shuffle, seed,
                                             steps_per_epoch)
        pack = _as_given if given_batches else functools.partial(self._pack, listed=listed)

        self.history = training.History()
        callbacks = list(callbacks or []) + [self.history]
        for cb in callbacks:
            cb.set_model(self)
            cb.set_params({"epochs": epochs, "steps": data.steps, "batch_size": batch_size,
                           "verbose": verbose})
        self.stop_training = False
        self.zero_grad()
        logs = {}
        # A callback may move the first epoch on at on_train_begin (BackupAndRestore);
        # a ProgbarLogger among the callbacks draws the bar instead of fit.
        self._initial_epoch = initial_epoch
        bar_verbose = 0 if any(isinstance(cb, training.ProgbarLogger) for cb in callbacks) \
            else verbose
        with self._using_mode(True):
            for cb in callbacks:
                cb.on_train_begin({})
            for epoch in range(self._initial_epoch, epochs):
                batches = data.epoch(epoch)
                first = next(batches, None)
                if first is None:
                    break
                for cb in callbacks:
                    cb.on_epoch_begin(epoch, {})
                self.reset_metrics()
                bar = training.ProgressBar(data.steps, bar_verbose,
                                           title=f"Epoch {epoch + 1}/{epochs}")
                for step, batch in enumerate(itertools.chain((first,), batches)):
                    for cb in callbacks:
                        cb.on_train_batch_begin(step, {})
                    logs = self._step_logs(self.train_step(pack(batch)), "train_step")
                    for cb in callbacks:
                        cb.on_train_batch_end(step, logs)
                    bar.update(step + 1, logs)
                    if self.stop_training:
                        break
                data.end_epoch()
                logs = dict(self._metrics_result_or_logs(logs))
                if validation is not None:
                    val = self._test_loop(map(val_pack, validation.evaluation()))
                    logs.update({"val_" + k: v for k, v in val.items()})
                bar.close(logs)
                for cb in callbacks:
                    cb.on_epoch_end(epoch, logs)
                if self.stop_training or data.ran_out:
                    break
            for cb in callbacks:
                cb.on_train_end(logs)
        return self.history

    # --- fit -----------------------------------------------------------------------------
    def fit(self, x=None, y=None, epochs=1, batch_size=None, validation_data=None,
            validation_split=0.0, shuffle=True, seed=None, verbose=1, callbacks=None,
            sample_weight=None, class_weight=None, initial_epoch=0, steps_per_epoch=None,
            validation_steps=None):
        """Train on (x, y) in mini-batches, epochs ``initial_epoch`` .. ``epochs - 1``.

        Args:
            x: (n, ...) inputs (a list or dict of them for several inputs); or the data as
                batches, each ``(x, y)`` or ``(x, y, sample_weight)``: a generator, a
                ``PyDataset``, an ``nn.DataLoader``, a list of batches (see
                ``nn.data_adapter``).
            y: (n, ...) targets (integer labels for the sparse loss); a list or dict for
                several outputs. None when x gives batches.
            epochs: the index of the epoch to stop before, as in Keras: with the default
                ``initial_epoch=0``, the number of passes over the data.
            batch_size: samples per update (the last batch may be smaller), 32 if None.
                None when x gives batches: they are the data's own.
            validation_data: (x_val, y_val) or (x_val, y_val, sample_weight_val), or data
                as batches, evaluated after every epoch.
            validation_split: else, the fraction of (x, y) held out for validation: the
                last samples, taken before shuffling, as Keras does. Arrays only.
            shuffle: reshuffle the samples every epoch. Batches are the data's business
                (``DataLoader(shuffle=True)``, a PyDataset's ``on_epoch_end``): ignored.
            seed: seed of the shuffling (default: drawn from ``ag.random``, so
                ``ag.random.set_seed`` makes a whole run reproducible).
            verbose: 0 silent, 1 a progress bar per epoch, 2 one line per epoch.
            callbacks: a list of ``Callback``.
            sample_weight: (n,) weights >= 0 of the samples' losses (and metrics). Arrays
                only: batches carry their own, ``(x, y, sample_weight)``.
            class_weight: {class: weight}, multiplied into the sample weights by the class
                of each sample (single-output models); with batches, batch by batch.
            initial_epoch: the index of the first epoch to run, to resume an earlier run:
                ``fit(x, y, epochs=5, initial_epoch=3)`` trains epochs 3 and 4, which the
                callbacks, ``history.epoch`` and the progress lines ("Epoch 4/5") number
                so. 0 <= initial_epoch <= epochs.
            steps_per_epoch: the batches an epoch takes; a generator then goes on from
                epoch to epoch (needed for one that never ends), and so do arrays and other
                batches, starting a new pass when one is used up (an epoch that meets the
                end of a pass ends there, with a warning: Keras 3's). With arrays and no
                batch_size, a batch is ceil(n / steps_per_epoch) samples. None: one pass
                over the data per epoch. A generator that runs out stops training, with
                Keras's warning.
            validation_steps: the batches each evaluation takes, from a new pass over the
                validation data (a generator goes on: it is needed for one evaluated more
                than once); with arrays and no batch_size, ceil(n / validation_steps)
                samples each, as Keras 3. None: a whole pass.
        Returns:
            A ``History``: ``history.history["loss"]``, ``["accuracy"]``, ``["val_loss"]``...

        Everything that can be is checked before the first update, so that a call that
        raises has changed nothing: not the weights, not the optimizer, not the random
        generator. Arrays are checked whole. Batches cannot be: the arguments are checked,
        then the first batch of x (and of validation_data) is read and checked as arrays
        are (its shapes with the model, its targets with the loss, its weights). Reading
        it is the data's own doing: a generator gives that batch up (fit keeps it, to train
        on first), a shuffling DataLoader draws its order. Every later batch is checked
        before its step (its shapes against the first's, its targets, its weights); a
        malformed one raises, naming the epoch and step, after the steps before it.
        """
        self._check_compiled("fit")
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"fit: epochs must be a non-negative integer, got {epochs!r}")
        if isinstance(initial_epoch, bool) or not isinstance(initial_epoch, (int, np.integer)) \
                or not 0 <= initial_epoch <= epochs:
            raise ValueError(f"fit: initial_epoch must be an integer in [0, epochs={epochs}] "
                             f"(the index of the first epoch to run), got {initial_epoch!r}")
        given_batches = data_adapter.is_batches(x)
        validation_batches = data_adapter.is_batches(validation_data)
        _check_steps(steps_per_epoch, "steps_per_epoch", "fit")
        _check_steps(validation_steps, "validation_steps", "fit")
        if validation_steps is not None and validation_data is None and not validation_split:
            raise ValueError("fit: validation_steps is for validation data: give "
                             "validation_data or validation_split")
        if validation_data is not None and not validation_batches and (
                not isinstance(validation_data, (tuple, list))
                or len(validation_data) not in (2, 3)):
            raise ValueError("fit: validation_data must be (x_val, y_val) or (x_val, y_val, "
                             "sample_weight_val), or batches")
        if validation_batches and validation_steps is None \
                and hasattr(validation_data, "__next__") and epochs - initial_epoch > 1:
            raise ValueError(f"fit: validation_data is a {type(validation_data).__name__}, "
                             f"read once: with {epochs - initial_epoch} epochs to run, give "
                             "validation_steps, the batches each evaluation takes from it "
                             "(the first would use it up)")
        if not (self._overridden("train_step") or self._overridden("test_step")):
            self._check_loss("fit", "train_step")
        else:
            return self._custom_fit(x, y, epochs, batch_size, validation_data,
                                    validation_split, shuffle, seed, verbose, callbacks,
                                    sample_weight, class_weight, initial_epoch,
                                    steps_per_epoch, validation_steps)
        paths = self._paths()
        if given_batches:
            _refuse_with_batches(x, "fit", y=y, batch_size=batch_size,
                                 sample_weight=sample_weight)
            if validation_split:
                raise ValueError(f"fit: validation_split holds out the last samples of arrays;"
                                 f" x is a {type(x).__name__} of batches: give "
                                 "validation_data")
            data = data_adapter.Batches(x, steps_per_epoch, "fit", "x", "steps_per_epoch")
            self._check_first_batch(data, paths, class_weight, train=True)
            validation = None
            if validation_data is not None and not validation_batches:
                validation = self._validation_arrays(validation_data, 32, paths)
        else:
            xs, ys, w, validation = self._fit_arrays(
                x, y, 32 if batch_size is None else batch_size, validation_data,
                validation_split, sample_weight, class_weight, paths)
        if validation_batches:
            validation = data_adapter.Batches(validation_data, validation_steps, "fit",
                                              "validation_data", "validation_steps")
            self._check_first_batch(validation, paths)
        elif validation is not None:
            validation, _ = _array_data(*validation, batch_size, validation_steps, "fit",
                                        "validation_data", "validation_steps")
        if not given_batches:
            data, batch_size = _array_epochs(xs, ys, w, batch_size, shuffle, seed,
                                             steps_per_epoch)

        self.history = training.History()
        # History comes last, as in Keras, so that it records what the other callbacks add
        # to an epoch's logs (ReduceLROnPlateau's "learning_rate").
        callbacks = list(callbacks or []) + [self.history]
        for cb in callbacks:
            cb.set_model(self)
            cb.set_params({"epochs": epochs, "steps": data.steps, "batch_size": batch_size,
                           "verbose": verbose})
        self.stop_training = False
        self.zero_grad()
        variables = None
        logs = {}
        # A callback may move the first epoch on at on_train_begin (BackupAndRestore);
        # a ProgbarLogger among the callbacks draws the bar instead of fit.
        self._initial_epoch = initial_epoch
        bar_verbose = 0 if any(isinstance(cb, training.ProgbarLogger) for cb in callbacks) \
            else verbose
        with self._using_mode(True):
            for cb in callbacks:
                cb.on_train_begin({})
            for epoch in range(self._initial_epoch, epochs):
                batches = data.epoch(epoch)
                first = next(batches, None)
                if first is None:  # the data ran out (it warned): no epoch begins
                    break
                for cb in callbacks:
                    cb.on_epoch_begin(epoch, {})
                means = self._loss_means()
                self.reset_metrics()
                bar = training.ProgressBar(data.steps, bar_verbose,
                                           title=f"Epoch {epoch + 1}/{epochs}")
                for step, (xb, yb, wb) in enumerate(itertools.chain((first,), batches)):
                    for cb in callbacks:
                        cb.on_train_batch_begin(step, {})
                    variables = self._train_step(paths, xb, yb, wb, means, variables)
                    logs = self._logs(means)
                    for cb in callbacks:
                        cb.on_train_batch_end(step, logs)
                    bar.update(step + 1, logs)
                    if self.stop_training:
                        break
                data.end_epoch()
                logs = self._logs(means)
                if validation is not None:
                    val = self._evaluate(validation.evaluation(), paths)
                    logs.update({"val_" + k: v for k, v in val.items()})
                bar.close(logs)
                for cb in callbacks:
                    cb.on_epoch_end(epoch, logs)
                if self.stop_training or data.ran_out:
                    break
            for cb in callbacks:
                cb.on_train_end(logs)
        return self.history

    def _fit_arrays(self, x, y, batch_size, validation_data, validation_split, sample_weight,
                    class_weight, paths):
        """fit's checks of array data, all of it: x, y and their weights (w), and the
        validation arrays (from validation_data, unless given as batches, or held out by
        validation_split).

        Returns:
            xs, ys, w, and the validation's (xs, ys, w) or None.
        """
        _check_positive_int(batch_size, "fit: batch_size")
        xs, ys = self._arrays(x, _targets(y, "fit"), "fit")
        validation = None
        if validation_data is None and validation_split:
            if not 0 < validation_split < 1:
                raise ValueError(f"fit: validation_split must lie in (0, 1), got "
                                 f"{validation_split}")
            n = len(ys[0])
            split = int(n * (1 - validation_split))
            if split == 0 or split == n:
                raise ValueError(f"fit: validation_split={validation_split} of {n} "
                                 "samples leaves no training or no validation data")
            shapes, first = self._check_with_model([a[:split] for a in xs],
                                                   [a[:split] for a in ys], batch_size, paths,
                                                   "fit")
            w = self._sample_weights(sample_weight, class_weight, ys,
                                     [(n,) + s[1:] for s in shapes], "fit")
            validation = ([a[split:] for a in xs], [a[split:] for a in ys],
                          None if w is None else w[split:])
            xs, ys = [a[:split] for a in xs], [a[:split] for a in ys]
            w = None if w is None else w[:split]
        else:
            shapes, first = self._check_with_model(xs, ys, batch_size, paths, "fit")
            w = self._sample_weights(sample_weight, class_weight, ys, shapes, "fit")
        self._check_loss_to_train(first, ys, w, batch_size, paths, "fit")
        if validation is not None:
            vx, vy, vw = validation
            where = "fit (validation_data)"
            vshapes, _ = self._check_with_model(vx, vy, batch_size, paths, where)
            validation = (vx, vy, self._sample_weights(vw, None, vy, vshapes, where))
        elif validation_data is not None and not data_adapter.is_batches(validation_data):
            validation = self._validation_arrays(validation_data, batch_size, paths)
        return xs, ys, w, validation

    def _validation_arrays(self, validation_data, batch_size, paths):
        """(x_val, y_val[, sample_weight_val]) as checked arrays (xs, ys, w)."""
        where = "fit (validation_data)"
        vx, vy = self._arrays(*validation_data[:2], where)
        vshapes, _ = self._check_with_model(vx, vy, batch_size, paths, where)
        vw = validation_data[2] if len(validation_data) == 3 else None
        return vx, vy, self._sample_weights(vw, None, vy, vshapes, where)

    # --- data given as batches: the first checked with the model, the others against it --
    def _check_first_batch(self, data, paths, class_weight=None, train=False):
        """Read ``data``'s first batch and check it as arrays are checked (with the model,
        with the loss and, to train on it, that the loss is a scalar), then have ``data``
        check each batch against it (``_later_batch``)."""
        where = f"{data.where} ({data.what}'s first batch)"
        x, y, sw = data_adapter.unpack_batch(data.first(), where)
        xs, ys = self._arrays(x, _batch_targets(y, where), where)
        n = len(ys[0])
        shapes, outs = self._check_with_model(xs, ys, n, paths, where)
        w = self._sample_weights(sw, class_weight, ys, shapes, where)
        if train:
            self._check_loss_to_train(outs, ys, w, n, paths, where)
        data.convert = functools.partial(
            self._later_batch, fns=paths[1], patterns=self._input_patterns(xs),
            first=[a.shape[1:] for a in xs], pred_shapes=shapes, class_weight=class_weight)

    def _later_batch(self, batch, where, fns, patterns, first, pred_shapes, class_weight):
        """A batch as (xs, ys, w), checked: its inputs' shapes against the first batch's, its
        targets against the loss (with the first batch's prediction shapes, when its
        inputs have the first's shapes), its weights."""
        x, y, sw = data_adapter.unpack_batch(batch, where)
        xs, ys = self._arrays(x, _batch_targets(y, where), where)
        _check_inputs(xs, patterns, where)
        n = len(ys[0])
        shapes = [(n,) + tuple(s[1:]) for s in pred_shapes]
        if all(a.shape[1:] == s for a, s in zip(xs, first)):
            for fn, a, shape in zip(fns, ys, shapes):
                if fn is not None:
                    try:
                        losses.check_targets(fn, a, shape, "y")
                    except (ValueError, TypeError) as e:
                        raise type(e)(f"{where}: {e}") from e
        return xs, ys, self._sample_weights(sw, class_weight, ys, shapes, where)

    def _later_inputs(self, batch, where, patterns):
        """A batch's inputs alone, for ``predict``: (xs, None, None)."""
        xs = self._xs(data_adapter.unpack_batch(batch, where)[0], where)
        _check_inputs(xs, patterns, where)
        return xs, None, None

    def _input_patterns(self, xs):
        """The shapes past the batch axis every batch's inputs must have: the model's
        declared input shapes; a model that declares none (subclassed, or a Sequential
        without ``Input``) fixes the number of axes only (None: any length), so that a
        recurrent model takes sequences of another length in every batch."""
        declared = ([t.shape for t in self._graph.inputs] if self._graph is not None
                    else [getattr(self, "input_shape", None)] * len(xs))
        return [tuple(shape[1:]) if isinstance(shape, tuple) and len(shape) == a.ndim
                else (None,) * (a.ndim - 1) for shape, a in zip(declared, xs)]

    # --- evaluate and predict ------------------------------------------------------------
    def _evaluate(self, batches, paths, bar=None):
        """Mean loss and metrics over ``batches`` ((xs, ys, w) each), in inference mode and
        without a graph."""
        forward, fns, to_prob = paths
        means = self._loss_means()
        self.reset_metrics()
        with ag.no_grad(), self._using_mode(False):
            for step, (xb, yb, wb) in enumerate(batches):
                outs, loss, per_output = self._batch(forward, fns, xb, yb, wb)
                _add_means(means, loss, per_output, len(yb[0]))
                self._update_metrics(yb, outs, wb, to_prob)
                if bar is not None:
                    bar.update(step + 1, self._logs(means))
        return self._logs(means)

    def evaluate(self, x=None, y=None, batch_size=None, verbose=1, sample_weight=None,
                 steps=None, return_dict=False):
        """The loss and metrics on (x, y), in inference mode (no dropout).

        Args:
            x, y: as ``fit``'s: arrays, or x as batches and y None.
            batch_size: samples per forward pass, 32 if None; None for batches.
            verbose: 1 shows a progress bar, 0 nothing.
            sample_weight: (n,) weights of the samples, as in ``fit`` (arrays only).
            steps: how many batches to evaluate on, the first ones (with arrays and no
                batch_size, ceil(n / steps) samples each, as Keras 3); None: a whole pass.
            return_dict: True returns ``{name: value}`` keyed by ``metrics_names``.
        Returns:
            ``[loss, metric_1, ...]`` in ``metrics_names`` order, or the loss alone when
            compiled without metrics (as Keras), or the dict.

        With batches, the first is checked before any is evaluated, and each later one
        before it is used, as in ``fit``.
        """
        self._check_compiled("evaluate")
        _check_flag(return_dict, "return_dict", "evaluate")
        given_batches = data_adapter.is_batches(x)
        _check_steps(steps, "steps", "evaluate")
        if self._overridden("test_step"):
            return self._custom_evaluate(x, y, batch_size, verbose, sample_weight, steps,
                                         return_dict)
        self._check_loss("evaluate", "test_step")
        paths = self._paths()
        if given_batches:
            _refuse_with_batches(x, "evaluate", y=y, batch_size=batch_size,
                                 sample_weight=sample_weight)
            data = data_adapter.Batches(x, steps, "evaluate", "x", "steps")
            self._check_first_batch(data, paths)
        else:
            checked = 32 if batch_size is None else batch_size
            _check_positive_int(checked, "evaluate: batch_size")
            xs, ys = self._arrays(x, _targets(y, "evaluate"), "evaluate")
            shapes, _ = self._check_with_model(xs, ys, checked, paths, "evaluate")
            w = self._sample_weights(sample_weight, None, ys, shapes, "evaluate")
            data, _ = _array_data(xs, ys, w, batch_size, steps, "evaluate")
        bar = training.ProgressBar(data.steps, verbose)
        logs = self._evaluate(data.evaluation(), paths, bar)
        bar.close(logs)
        return self._results(logs, return_dict)

    def _predict(self, batches, bar=None):
        """The outputs for ``batches`` ((xs, ...) each), without a graph and in inference
        mode."""
        outputs = []
        with ag.no_grad(), self._using_mode(False):
            for step, (xb, _, _) in enumerate(batches):
                out = self(self._model_input(xb))
                outputs.append([np.asarray(z.data if isinstance(z, ag.Value) else z)
                                for z in _as_list(out)])
                if bar is not None:
                    bar.update(step + 1, {})
        joined = [np.concatenate(parts) for parts in zip(*outputs)]
        single = not isinstance(out, (list, tuple))
        return joined[0] if single else joined

    def predict(self, x, batch_size=None, verbose=0, steps=None):
        """The model's outputs for x, batch by batch, without a graph and in inference mode.

        Args:
            x: (n, ...) inputs (a list or dict of them for several inputs); or batches, each
                x alone, ``(x,)``, or ``(x, y)`` and ``(x, y, sample_weight)`` whose x is
                used.
            batch_size: samples per forward pass, 32 if None; None for batches.
            verbose: 1 shows a progress bar.
            steps: how many batches to predict, the first ones (with arrays and no
                batch_size, ceil(n / steps) samples each, as Keras 3); None: a whole pass.
        Returns:
            A numpy array (n, ...) (probabilities for a softmax model), or a list of them
            for several outputs.
        """
        given_batches = data_adapter.is_batches(x)
        _check_steps(steps, "steps", "predict")
        if self._overridden("predict_step"):
            return self._custom_predict(x, batch_size, verbose, steps)
        if given_batches:
            _refuse_with_batches(x, "predict", batch_size=batch_size)
            data = data_adapter.Batches(x, steps, "predict", "x", "steps")
            where = "predict (x's first batch)"
            xs = self._xs(data_adapter.unpack_batch(data.first(), where)[0], where)
            data.convert = functools.partial(self._later_inputs,
                                             patterns=self._input_patterns(xs))
        else:
            _check_positive_int(32 if batch_size is None else batch_size, "predict: batch_size")
            xs = self._xs(x, "predict")
            data, _ = _array_data(xs, None, None, batch_size, steps, "predict")
        bar = training.ProgressBar(data.steps, verbose)
        outputs = self._predict(data.evaluation(), bar)
        bar.close({})
        return outputs

    def _custom_evaluate(self, x, y, batch_size, verbose, sample_weight, steps, return_dict):
        """``evaluate`` with a ``test_step`` of the model's own."""
        if data_adapter.is_batches(x):
            _refuse_with_batches(x, "evaluate", y=y, batch_size=batch_size,
                                 sample_weight=sample_weight)
            data, pack = data_adapter.Batches(x, steps, "evaluate", "x", "steps"), _as_given
        else:
            _check_positive_int(32 if batch_size is None else batch_size, "evaluate: batch_size")
            xs, ys, w, listed = self._custom_data(x, y, sample_weight, None, "evaluate")
            data, _ = _array_data(xs, ys, w, batch_size, steps, "evaluate")
            pack = functools.partial(self._pack, listed=listed)
        bar = training.ProgressBar(data.steps, verbose)
        logs = self._test_loop(map(pack, data.evaluation()), bar)
        bar.close(logs)
        return self._custom_results(logs, return_dict)

    def _custom_results(self, logs, return_dict):
        """Keras's return of logs from steps of one's own: the dict, or its values with the
        names of ``metrics`` first, in that order (a single value alone)."""
        if return_dict:
            return logs
        order = [m.name for m in self.metrics if m.name in logs]
        values = [logs[k] for k in order + [k for k in logs if k not in order]]
        return values[0] if len(values) == 1 else values

    def _custom_predict(self, x, batch_size, verbose, steps):
        """``predict`` with a ``predict_step`` of the model's own: its outputs (an array,
        or a list or tuple of them) joined over the batches."""
        if data_adapter.is_batches(x):
            _refuse_with_batches(x, "predict", batch_size=batch_size)
            data, pack = data_adapter.Batches(x, steps, "predict", "x", "steps"), _as_given
        else:
            _check_positive_int(32 if batch_size is None else batch_size, "predict: batch_size")
            xs = self._xs(x, "predict")
            data, _ = _array_data(xs, None, None, batch_size, steps, "predict")
            pack = self._pack
        bar = training.ProgressBar(data.steps, verbose)
        outputs, single = [], True
        with ag.no_grad(), self._using_mode(False):
            for step, batch in enumerate(data.evaluation()):
                out = self.predict_step(pack(batch))
                single = not isinstance(out, (list, tuple))
                outputs.append([np.asarray(z.numpy() if isinstance(z, ag.Value) else z)
                                for z in _as_list(out)])
                bar.update(step + 1, {})
        bar.close({})
        joined = [np.concatenate(parts) for parts in zip(*outputs)]
        return joined[0] if single else joined

    # --- one batch at a time, for loops of your own (Keras's *_on_batch) -----------------
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        """One gradient update on exactly this batch: ``fit``'s step, without shuffling,
        batching or callbacks, for a training loop of your own (a GAN's alternating steps).

        The metrics are reset first, so the values returned are this batch's alone, as in
        Keras since 3.15 (keras-team/keras#22617; 3.0 to 3.14 let them pile up across calls
        until ``reset_metrics()``). The loss and metrics are those of the forward pass that
        computed the gradient: before the update, in training mode.

        Args:
            x: (batch, ...) inputs (a list or dict of them for several inputs).
            y: (batch, ...) targets, as ``fit``'s; needed, since the compiled loss needs them.
            sample_weight, class_weight: as ``fit``'s.
            return_dict: True returns ``{name: value}`` keyed by ``metrics_names``.
        Returns:
            The loss (a float), or ``[loss, metric_1, ...]`` as ``evaluate``, or the dict.

        >>> import nn
        >>> model = nn.Sequential([nn.Input((2,)), nn.Dense(1, seed=0)])
        >>> model.compile(optim.SGD(0.1), "mse", metrics=["mae"])
        >>> x, y = np.ones((4, 2)), np.zeros((4, 1))
        >>> loss, mae = model.test_on_batch(x, y)
        >>> model.train_on_batch(x, y, return_dict=True) == {"loss": loss, "mae": mae}
        True
        >>> model.test_on_batch(x, y)[0] < loss        # one step down the gradient
        True
        """
        where = "train_on_batch"
        if self._overridden("train_step"):
            return self._custom_on_batch(x, y, sample_weight, class_weight, return_dict,
                                         where, "train_step", True)
        xs, ys, w, paths, first = self._one_batch(x, y, sample_weight, class_weight,
                                                  return_dict, where)
        self._check_loss_to_train(first, ys, w, len(ys[0]), paths, where)
        # As fit: no gradient left by an earlier backward of the user's joins this one.
        self.zero_grad()
        self.reset_metrics()
        means = self._loss_means()
        with self._using_mode(True):
            self._train_step(paths, xs, ys, w, means)
        return self._results(self._logs(means), return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """The loss and metrics on exactly this batch, in inference mode: ``evaluate`` with
        ``batch_size=len(x)``, without the progress bar. The metrics are reset first, as in
        ``train_on_batch``.

        Args:
            x, y, sample_weight: as ``evaluate``'s, one batch.
            return_dict: True returns ``{name: value}`` keyed by ``metrics_names``.
        Returns:
            The loss (a float), or ``[loss, metric_1, ...]`` as ``evaluate``, or the dict.
        """
        if self._overridden("test_step"):
            return self._custom_on_batch(x, y, sample_weight, None, return_dict,
                                         "test_on_batch", "test_step", False)
        xs, ys, w, paths, _ = self._one_batch(x, y, sample_weight, None, return_dict,
                                              "test_on_batch")
        batches = data_adapter.ArrayBatches(xs, ys, w, len(ys[0])).evaluation()
        return self._results(self._evaluate(batches, paths), return_dict)

    def _custom_on_batch(self, x, y, sample_weight, class_weight, return_dict, where, step,
                         training):
        """``train_on_batch`` or ``test_on_batch`` through a step of the model's own, the
        metrics reset first."""
        self._check_compiled(where)
        _check_flag(return_dict, "return_dict", where)
        xs, ys, w, listed = self._custom_data(x, y, sample_weight, class_weight, where)
        self.reset_metrics()
        with self._using_mode(training):
            logs = self._step_logs(getattr(self, step)(self._pack((xs, ys, w), listed)), step)
        return self._custom_results(self._metrics_result_or_logs(logs), return_dict)

    def _one_batch(self, x, y, sample_weight, class_weight, return_dict, where):
        """``train_on_batch``'s and ``test_on_batch``'s arguments checked, with the model
        on the batch: ``(xs, ys, weights, paths, the predictions)``."""
        self._check_compiled(where)
        self._check_loss(where, "train_step" if where == "train_on_batch" else "test_step")
        _check_flag(return_dict, "return_dict", where)
        xs, ys = self._arrays(x, _targets(y, where), where)
        paths = self._paths()
        shapes, first = self._check_with_model(xs, ys, len(ys[0]), paths, where)
        w = self._sample_weights(sample_weight, class_weight, ys, shapes, where)
        return xs, ys, w, paths, first

    def predict_on_batch(self, x):
        """The model's outputs for exactly this batch, in one forward pass: ``predict`` with
        ``batch_size=len(x)``.

        Args:
            x: (batch, ...) inputs (a list or dict of them for several inputs).
        Returns:
            A numpy array (batch, ...), or a list of them for several outputs.
        """
        xs = self._xs(x, "predict_on_batch")
        return self._predict(data_adapter.ArrayBatches(xs, None, None, len(xs[0])).evaluation())


class _LossMean(metrics_lib.Mean):
    """Keras's loss tracker, a ``Mean`` named "loss": ``update_state(loss)`` in a step of
    one's own; ``fit``'s default step adds each batch's mean loss counted once per sample,
    in float64, so that its logs are the running mean over the samples seen."""

    def add(self, value, count):
        self.total += value * count
        self.count += count

    def result(self):
        return self.total / self.count if self.count else 0.0


class _CompiledMetric:
    """A compiled metric as ``model.metrics`` lists it: named as the logs name it
    ("mae", "out_accuracy"), updated with the whole ``(y, y_pred)`` of the model (its own
    output's picked out when there are several), Values read as arrays."""

    def __init__(self, name, index, metric, outputs):
        self.name, self.index, self.metric, self.outputs = name, index, metric, outputs

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self.outputs > 1:
            y_true, y_pred = y_true[self.index], y_pred[self.index]
        y_true, y_pred = (z.numpy() if isinstance(z, ag.Value) else z for z in (y_true, y_pred))
        if isinstance(sample_weight, ag.Value):
            sample_weight = sample_weight.numpy()
        self.metric.update_state(y_true, y_pred, sample_weight=sample_weight)

    def result(self):
        return self.metric.result()

    def reset_state(self):
        self.metric.reset_state()


def _number(value):
    """A logged value as Python: a float, or an array (one per class); else as given."""
    if isinstance(value, ag.Value):
        value = value.numpy()
    if isinstance(value, (numbers.Number, np.number, np.ndarray)):
        return float(value) if np.ndim(value) == 0 else np.asarray(value)
    return value


def _pythonify(logs):
    """Keras's ``pythonify_logs``: numbers as Python floats, nested dicts flattened."""
    out = {}
    for key, value in logs.items():
        if isinstance(value, dict):
            out.update(_pythonify(value))
        else:
            out[key] = _number(value)
    return out


def _as_given(batch):
    return batch


class _Chosen:
    """The Variables training updates, kept out of the model's Variables (a list attribute
    would be found and named by ``named_parameters``), and whether they are every weight
    that records a gradient (else the backward pass is asked for theirs alone)."""

    __slots__ = ("variables", "every")

    def __init__(self, variables, every):
        self.variables, self.every = variables, every


def _check_flag(value, what, where):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {what} must be True or False, got {value!r}")


def _array_epochs(xs, ys, w, batch_size, shuffle, seed, steps_per_epoch):
    """fit's epochs over checked arrays, and the batch size they take (``_array_data``),
    shuffled every pass when ``shuffle``, seeded with ``seed`` (drawn from ``ag.random``
    when None); with ``steps_per_epoch`` an epoch goes on where the last one stopped."""
    if seed is None:
        seed = int(ag.random.uniform((), 0, 2**31 - 1, dtype=ag.float64).item())
    rng = np.random.default_rng(seed)
    return _array_data(xs, ys, w, batch_size, steps_per_epoch, "fit", "x", "steps_per_epoch",
                       rng if shuffle else None)


def _array_data(xs, ys, w, batch_size, steps, where, what="x", steps_name="steps",
                rng=None):
    """Checked arrays as batches, and the batch size: ``batch_size`` samples, or when None
    ceil(n / steps) (Keras 3) or 32; with ``steps``, that many batches at a time, read
    through ``Batches`` as data given as batches is (an evaluation takes the first ones)."""
    if batch_size is None:
        batch_size = 32 if steps is None else math.ceil(len(xs[0]) / steps)
    data = data_adapter.ArrayBatches(xs, ys, w, batch_size, rng)
    if steps is not None:
        data = data_adapter.Batches(data, steps, where, what, steps_name)
    return data, batch_size


def _check_steps(steps, what, where):
    """A number of batches (``steps_per_epoch``, ``validation_steps``, ``steps``): None, or
    a positive integer."""
    if steps is not None:
        _check_positive_int(steps, f"{where}: {what}")


# Why an argument must be None when x comes as batches (Keras refuses them too).
_IN_THE_BATCHES = {
    "y": "the targets come in the batches, (x, y) or (x, y, sample_weight)",
    "batch_size": "the data makes its own batches",
    "sample_weight": "the weights come in the batches, (x, y, sample_weight)",
}


def _refuse_with_batches(x, where, **given):
    for name, value in given.items():
        if value is not None:
            raise ValueError(f"{where}: {name} must be None when x is given as batches (x is "
                             f"a {type(x).__name__}): {_IN_THE_BATCHES[name]}")


def _batch_targets(y, where):
    if y is None:
        raise ValueError(f"{where}: the batch holds x alone; give (x, y) or (x, y, "
                         "sample_weight) batches: the compiled loss needs the targets")
    return y


def _check_inputs(xs, patterns, where):
    """Each input of a batch has the shape ``patterns`` gives past the batch axis (None:
    any length)."""
    for i, (a, pattern) in enumerate(zip(xs, patterns)):
        if a.ndim != 1 + len(pattern) or any(d is not None and d != s
                                             for d, s in zip(pattern, a.shape[1:])):
            label = "x" if len(xs) == 1 else f"x[{i}]"
            want = ", ".join(["batch"] + ["any" if d is None else str(d) for d in pattern])
            raise ValueError(f"{where}: {label} has shape {a.shape}, not ({want}) as the "
                             "model's input")


def _targets(y, where):
    """``y``, which Keras's signature lets default to None, but which the compiled loss needs."""
    if y is None:
        raise ValueError(f"{where}: y is None; give the targets of the batch, which the "
                         "compiled loss needs")
    return y


def _as_list(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _extra(model):
    """How many per-output losses are logged besides the total."""
    return len(model.metrics_names) - 1 - len(model._metrics)


def _add_means(means, loss, per_output, count):
    means[0].add(float(np.mean(loss.data)), count)
    if len(means) > 1:
        for mean, value in zip(means[1:], per_output):
            mean.add(float(np.mean(value.data)), count)


def _call_loss(fn, y, z, w):
    """``fn(y, z)`` reduced as compiled, each sample's loss weighted by ``w`` if given."""
    if isinstance(fn, losses.Loss):
        return fn(y, z, sample_weight=w)
    value = fn(y, z)
    if w is None:
        return value
    if np.ndim(value) == 0:
        raise ValueError("sample_weight needs the loss of each sample: this loss function "
                         "returns a scalar; return per-sample values, or use a nn.losses.Loss")
    # Keras's weighting of a function's per-sample values: sum(w * l) / size(l).
    w = np.asarray(w, dtype=value.dtype).reshape((-1,) + (1,) * (value.ndim - 1))
    return ag.sum(value * w) / value.size


def _probabilities(activation):
    def to_prob(z):
        with ag.no_grad():
            return activation(ag.constant(z)).numpy()
    return to_prob


# Which losses a final softmax or sigmoid can hand its logits to, and how the metrics
# recover the probabilities from those logits.
_FUSED = {
    "softmax": ((losses.CategoricalCrossentropy, losses.SparseCategoricalCrossentropy),
                _probabilities(ag.softmax)),
    "sigmoid": ((losses.BinaryCrossentropy,), _probabilities(ag.sigmoid)),
}


def _final_activation(layer):
    """"softmax"/"sigmoid" when ``layer`` ends with it and its input to it can be had:
    a layer with ``logits`` (Dense), or a pure activation layer; never when it has an
    activity regularizer, which needs the output that the fused path skips."""
    if layer.activity_regularizer is not None:
        return None
    if isinstance(layer, Softmax):
        return "softmax" if layer.axis == -1 else None
    if isinstance(layer, Activation) or hasattr(layer, "logits"):
        name = activations.name_of(getattr(layer, "activation", None))
        return name if name in ("softmax", "sigmoid") else None
    return None


def _logits(layer, x):
    """The last layer's output before its activation: ``logits`` if it has them, else its
    input (a pure activation layer)."""
    return layer.logits(x) if hasattr(layer, "logits") else x


def _per_output(value, names, what, default):
    """One entry per output from one value, a list, or a dict by output name."""
    if isinstance(value, dict):
        unknown = [k for k in value if k not in names]
        if unknown:
            raise ValueError(f"compile: {what} names unknown outputs {unknown}; the model's "
                             f"are {names}")
        return [value.get(n, default) for n in names]
    if isinstance(value, (list, tuple)):
        if len(value) != len(names):
            raise ValueError(f"compile: {what} is a list of {len(value)}, the model has "
                             f"{len(names)} outputs {names}")
        return list(value)
    return [default if value is None else value] * len(names)


def _metric_specs(metrics, names):
    """The metrics of each output, as lists."""
    if metrics is None:
        return [[] for _ in names]
    if isinstance(metrics, dict):
        unknown = [k for k in metrics if k not in names]
        if unknown:
            raise ValueError(f"compile: metrics names unknown outputs {unknown}; the model's "
                             f"are {names}")
        return [_listed(metrics.get(n)) for n in names]
    metrics = _listed(metrics)
    if len(names) > 1 and metrics and all(isinstance(m, (list, tuple)) or m is None
                                          for m in metrics):
        if len(metrics) != len(names):
            raise ValueError(f"compile: metrics is a list of {len(metrics)} lists, the model "
                             f"has {len(names)} outputs {names}")
        return [_listed(m) for m in metrics]
    return [list(metrics) for _ in names]


def _listed(spec):
    if spec is None:
        return []
    if isinstance(spec, (list, tuple)):
        return list(spec)
    return [spec]

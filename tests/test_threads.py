"""Modes and training are per thread: what one thread does under no_grad, in a tape or in
fit changes nothing for another (issue: the engine's state was once per process)."""

import sys
import threading

import numpy as np

import autograd_core as ag
import nn


def _model(seed):
    return nn.Sequential([nn.Dense(16, activation="relu", input_shape=(4,), seed=seed),
                          nn.Dense(3, activation="softmax", seed=seed + 1)])


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0)
    return x, y


def _train(model, x, y, out, key):
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, batch_size=32, seed=0, verbose=0)
    out[key] = ([w.copy() for w in model.get_weights()], history.history["loss"])


def test_fit_in_two_threads_gives_each_model_the_result_it_gets_alone():
    x, y = _data()
    alone = {}
    _train(_model(1), x, y, alone, "a")
    _train(_model(7), x, y, alone, "b")
    together = {}
    threads = [threading.Thread(target=_train, args=(_model(s), x, y, together, k))
               for s, k in ((1, "a"), (7, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for key in ("a", "b"):
        np.testing.assert_allclose(together[key][1], alone[key][1], rtol=1e-6)
        for w_together, w_alone in zip(together[key][0], alone[key][0]):
            np.testing.assert_allclose(w_together, w_alone, rtol=1e-5, atol=1e-7)


def test_evaluating_under_no_grad_while_another_thread_trains():
    x, y = _data()
    model = _model(3)
    stop = threading.Event()
    seen = []

    def evaluate():
        while not stop.is_set():
            with ag.no_grad():
                model(ag.constant(x[:8]))
                seen.append(ag.is_grad_enabled())

    t = threading.Thread(target=evaluate)
    t.start()
    try:
        for _ in range(20):
            with ag.GradientTape() as tape:
                loss = ag.mean(ag.square(model(ag.constant(x)) - ag.one_hot(y, 3)))
            grads = tape.gradient(loss, model.trainable_variables)
            assert all(g is not None for g in grads) and ag.is_grad_enabled()
    finally:
        stop.set()
        t.join()
    assert seen and not any(seen)


def test_layers_made_in_many_threads_at_once_get_different_names():
    """Keras's unique names (dense, dense_1, ...) from one counter: a read and a write per
    layer, which two threads interleaving could both read as the same count (without the
    lock this failed about one run in three)."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    names, start = [], threading.Barrier(8)

    def make():
        start.wait()
        names.extend(nn.Dense(1, name=None).name for _ in range(200))

    try:
        threads = [threading.Thread(target=make) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(before)
    assert len(names) == 1600 and len(set(names)) == 1600

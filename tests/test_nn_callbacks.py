"""ModelCheckpoint: Keras's file names, save_best_only, mode, save_freq, weights saved
atomically through save_weights."""

import numpy as np
import pytest

import nn


def small_model():
    model = nn.Sequential([nn.Dense(4, activation="relu", input_shape=(3,)),
                           nn.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    return model


def data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 3)).astype(np.float32)
    return x, (x[:, :1] > 0).astype(np.float32)


def test_checkpoint_every_epoch_formats_keras_fields(tmp_path):
    model = small_model()
    x, y = data()
    cb = nn.ModelCheckpoint(str(tmp_path / "w.{epoch:02d}-{val_loss:.2f}.npz"))
    history = model.fit(x, y, epochs=3, batch_size=10, validation_split=0.25, verbose=0,
                        callbacks=[cb])
    expect = [tmp_path / f"w.{e + 1:02d}-{loss:.2f}.npz"
              for e, loss in enumerate(history.history["val_loss"])]
    assert [str(p) for p in expect] == cb.saved
    assert all(p.exists() for p in expect)
    restored = small_model()
    restored.load_weights(cb.saved[-1])
    for a, b in zip(restored.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


class FakeModel:
    def __init__(self):
        self.weights_saved, self.models_saved = [], []

    def save_weights(self, path):
        self.weights_saved.append(path)

    def save(self, path):
        self.models_saved.append(path)


def run(cb, values, key):
    cb.set_model(FakeModel())
    cb.on_train_begin({})
    for epoch, value in enumerate(values):
        cb.on_epoch_begin(epoch, {})
        cb.on_epoch_end(epoch, {key: value})
    return cb.model


def test_save_best_only_and_mode(tmp_path):
    cb = nn.ModelCheckpoint(str(tmp_path / "best-{epoch}.npz"), save_best_only=True)
    assert cb.mode == "min"
    model = run(cb, [0.5, 0.6, 0.4, 0.4, 0.3], "val_loss")
    assert [p[-6:] for p in model.weights_saved] == ["-1.npz", "-3.npz", "-5.npz"]
    assert cb.best == 0.3
    acc = nn.ModelCheckpoint("a.npz", monitor="val_accuracy", save_best_only=True)
    assert acc.mode == "max"
    assert len(run(acc, [0.5, 0.4, 0.7], "val_accuracy").weights_saved) == 2
    assert nn.ModelCheckpoint("a", monitor="val_auc").mode == "max"
    assert nn.ModelCheckpoint("a", monitor="loss", mode="max").mode == "max"


def test_missing_monitor_skips_with_a_warning(capsys):
    cb = nn.ModelCheckpoint("x.npz", save_best_only=True)
    assert run(cb, [0.1], "loss").weights_saved == []
    assert "val_loss available" in capsys.readouterr().out


def test_save_freq_in_batches_and_whole_model(tmp_path):
    cb = nn.ModelCheckpoint(str(tmp_path / "m-{epoch}-{batch}"), save_weights_only=False,
                            save_freq=3)
    cb.set_model(FakeModel())
    for epoch in range(2):
        cb.on_epoch_begin(epoch, {})
        for batch in range(4):
            cb.on_batch_end(batch, {"loss": 1.0})
        cb.on_epoch_end(epoch, {"loss": 1.0})
    assert [p.rsplit("/", 1)[1] for p in cb.model.models_saved] == ["m-1-3", "m-2-2"]
    assert cb.model.weights_saved == []


def test_invalid_arguments_raise():
    with pytest.raises(ValueError, match="mode must be"):
        nn.ModelCheckpoint("x", mode="best")
    with pytest.raises(ValueError, match="save_freq must be"):
        nn.ModelCheckpoint("x", save_freq=0)
    with pytest.raises(TypeError, match="filepath must be a path"):
        nn.ModelCheckpoint(3)
    cb = nn.ModelCheckpoint("w-{val_acc}.npz")
    cb.set_model(FakeModel())
    with pytest.raises(KeyError, match="val_acc"):
        cb.on_epoch_end(0, {"loss": 1.0})

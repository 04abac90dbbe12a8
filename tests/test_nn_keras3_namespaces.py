"""Keras 3's namespaces: ``from nn import layers, ops, random, optimizers, config``.

keras.io's examples are ported verbatim (``keras`` -> ``nn``, scaled down); ``nn.ops`` is
checked name by name against numpy and torch, values and gradients.
"""

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim
from nn import layers, ops

torch = pytest.importorskip("torch")
TF = torch.nn.functional

# --- nn.layers: Keras's classes, not PyTorch's -----------------------------------------

# keras.layers's names that nn has (Keras 3.x's API listing), written out here.
KERAS_LAYERS = """Activation ActivityRegularization Add AlphaDropout Average AveragePooling1D
AveragePooling2D AveragePooling3D AvgPool1D AvgPool2D AvgPool3D BatchNormalization
Bidirectional CategoryEncoding CenterCrop Concatenate Conv1D Conv2D Conv2DTranspose Conv3D
Conv3DTranspose Convolution1D Convolution2D Convolution2DTranspose Convolution3D
Convolution3DTranspose Cropping1D Cropping2D Cropping3D Dense DepthwiseConv2D Discretization
Dot Dropout ELU Embedding Flatten GaussianDropout GaussianNoise GlobalAveragePooling1D
GlobalAveragePooling2D GlobalAveragePooling3D GlobalAvgPool1D GlobalAvgPool2D GlobalAvgPool3D
GlobalMaxPool1D GlobalMaxPool2D GlobalMaxPool3D GlobalMaxPooling1D GlobalMaxPooling2D
GlobalMaxPooling3D GroupNormalization GRU Hashing Identity Input InputLayer IntegerLookup
Lambda Layer
LayerNormalization LeakyReLU LSTM Masking MaxPool1D MaxPool2D MaxPool3D MaxPooling1D
MaxPooling2D MaxPooling3D Maximum Minimum MultiHeadAttention Multiply Normalization Permute
PReLU RandomBrightness RandomContrast RandomCrop RandomFlip RandomRotation RandomTranslation
RandomZoom ReLU RepeatVector RMSNormalization Rescaling Reshape Resizing SeparableConv1D
SeparableConv2D
SeparableConvolution1D SeparableConvolution2D SimpleRNN Softmax SpatialDropout1D
SpatialDropout2D SpatialDropout3D StringLookup Subtract TextVectorization TimeDistributed
UnitNormalization UpSampling1D UpSampling2D UpSampling3D ZeroPadding1D ZeroPadding2D
ZeroPadding3D add average concatenate dot maximum minimum multiply subtract
RNN SimpleRNNCell LSTMCell GRUCell StackedRNNCells Attention AdditiveAttention
Conv1DTranspose Convolution1DTranspose DepthwiseConv1D EinsumDense""".split()

# Keras's names whose top-level nn class is PyTorch's (nn.RNN, nn.LSTMCell, nn.GRUCell).
SHARED_WITH_PYTORCH = {"RNN", "LSTMCell", "GRUCell"}

PYTORCH_ONLY = """Linear Conv1d Conv2d Conv3d MaxPool2d AvgPool2d BatchNorm1d BatchNorm2d LayerNorm
GroupNorm ConvTranspose2d MultiheadAttention ModuleList ModuleDict Sequential MLP Residual
Perceptron Neuron Sigmoid Tanh RNNCell Parameter CrossEntropyLoss Dropout2d
Upsample Unflatten GELU SiLU Mish""".split()


def test_the_namespaces_import_as_modules_too():
    # Keras 3 code writes `import keras.random` as well as `from keras import random`.
    import importlib
    for name in ("layers", "ops", "random", "optimizers", "config"):
        module = importlib.import_module(f"nn.{name}")
        assert module is getattr(nn, name), name
    assert importlib.import_module("nn.random").normal((2, 3), seed=1).shape == (2, 3)


def test_layers_holds_every_keras_layer_and_nothing_else():
    assert sorted(layers.__all__) == sorted(KERAS_LAYERS)
    for name in KERAS_LAYERS:
        assert callable(getattr(layers, name)), name
    for name in PYTORCH_ONLY:
        assert not hasattr(layers, name), name
    # The top-level classes are the same objects: nn.Conv2D is layers.Conv2D.
    for name in KERAS_LAYERS:
        if hasattr(nn, name) and name not in SHARED_WITH_PYTORCH:
            assert getattr(nn, name) is getattr(layers, name), name
    for name in SHARED_WITH_PYTORCH:   # the top level keeps PyTorch's class
        assert getattr(nn, name) is not getattr(layers, name), name
    from nn.layers import Conv2D, MaxPool2D  # Keras's `from keras.layers import ...`
    assert Conv2D is nn.Conv2D and MaxPool2D is nn.MaxPooling2D


def test_layers_merging_functions():
    a, b = np.array([[1.0, 2.0]]), np.array([[3.0, 5.0]])
    np.testing.assert_allclose(layers.subtract([a, b]).numpy(), a - b)
    np.testing.assert_allclose(layers.multiply([a, b]).numpy(), a * b)
    np.testing.assert_allclose(layers.average([a, b]).numpy(), (a + b) / 2)


# --- keras.io: "Simple MNIST convnet" (Keras 3), scaled down ---------------------------

def test_simple_mnist_convnet(full_data_root, monkeypatch):
    monkeypatch.setenv("AUTOGRAD_CORE_DATA", str(full_data_root))
    keras = nn
    nn.utils.set_random_seed(0)
    # Model / data parameters
    num_classes = 10
    input_shape = (28, 28, 1)

    # Load the data and split it between train and test sets
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    assert x_train.dtype == np.uint8 and x_train.shape == (60000, 28, 28)
    assert y_test.dtype == np.uint8 and y_test.shape == (10000,)
    x_train, y_train, x_test, y_test = x_train[:1200], y_train[:1200], x_test[:300], y_test[:300]

    # Scale images to the [0, 1] range
    x_train = x_train.astype("float32") / 255
    x_test = x_test.astype("float32") / 255
    # Make sure images have shape (28, 28, 1)
    x_train = np.expand_dims(x_train, -1)
    x_test = np.expand_dims(x_test, -1)

    # convert class vectors to binary class matrices
    y_train = keras.utils.to_categorical(y_train, num_classes)
    y_test = keras.utils.to_categorical(y_test, num_classes)

    model = keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(num_classes, activation="softmax"),
        ]
    )

    model.summary()
    assert model.count_params() == 34826  # Keras's summary: "Total params: 34,826"

    batch_size = 128
    epochs = 1

    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])

    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs,
                        validation_split=0.1)

    score = model.evaluate(x_test, y_test, verbose=0)
    print("Test loss:", score[0])
    print("Test accuracy:", score[1])
    assert "val_loss" in history.history and len(history.history["val_loss"]) == 1
    assert score[0] < 2.2 and score[1] > 0.3  # chance: loss log(10) = 2.30, accuracy 0.1


def test_fashion_mnist_load_data(full_data_root, monkeypatch):
    monkeypatch.setenv("AUTOGRAD_CORE_DATA", str(full_data_root))
    (x_train, y_train), (x_test, y_test) = nn.datasets.fashion_mnist.load_data()
    assert (x_train.shape, y_train.shape, x_test.shape, y_test.shape) == \
        ((60000, 28, 28), (60000,), (10000, 28, 28), (10000,))
    assert x_train.dtype == y_train.dtype == np.uint8 and set(np.unique(y_test)) == set(range(10))


# --- keras.io: "Making new layers and models via subclassing" (Keras 3) ----------------

keras = nn


class Linear(keras.layers.Layer):
    def __init__(self, units=32, input_dim=32):
        super().__init__()
        self.w = self.add_weight(
            shape=(input_dim, units),
            initializer="random_normal",
            trainable=True,
        )
        self.b = self.add_weight(shape=(units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b


class ActivityRegularizationLayer(keras.layers.Layer):
    def __init__(self, rate=1e-2):
        super().__init__()
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * ops.mean(inputs))
        return inputs


class OuterLayer(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.activity_reg = ActivityRegularizationLayer(1e-2)

    def call(self, inputs):
        return self.activity_reg(inputs)


class Sampling(layers.Layer):
    """Uses (z_mean, z_log_var) to sample z, the vector encoding a digit."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch = ops.shape(z_mean)[0]
        dim = ops.shape(z_mean)[1]
        epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


class Encoder(layers.Layer):
    """Maps MNIST digits to a triplet (z_mean, z_log_var, z)."""

    def __init__(self, latent_dim=32, intermediate_dim=64, name="encoder", **kwargs):
        super().__init__(name=name, **kwargs)
        self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
        self.dense_mean = layers.Dense(latent_dim)
        self.dense_log_var = layers.Dense(latent_dim)
        self.sampling = Sampling()

    def call(self, inputs):
        x = self.dense_proj(inputs)
        z_mean = self.dense_mean(x)
        z_log_var = self.dense_log_var(x)
        z = self.sampling((z_mean, z_log_var))
        return z_mean, z_log_var, z


class Decoder(layers.Layer):
    """Converts z, the encoded digit vector, back into a readable digit."""

    def __init__(self, original_dim, intermediate_dim=64, name="decoder", **kwargs):
        super().__init__(name=name, **kwargs)
        self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
        self.dense_output = layers.Dense(original_dim, activation="sigmoid")

    def call(self, inputs):
        x = self.dense_proj(inputs)
        return self.dense_output(x)


class VariationalAutoEncoder(keras.Model):
    """Combines the encoder and decoder into an end-to-end model for training."""

    def __init__(
        self,
        original_dim,
        intermediate_dim=64,
        latent_dim=32,
        name="autoencoder",
        **kwargs
    ):
        super().__init__(name=name, **kwargs)
        self.original_dim = original_dim
        self.encoder = Encoder(latent_dim=latent_dim, intermediate_dim=intermediate_dim)
        self.decoder = Decoder(original_dim, intermediate_dim=intermediate_dim)

    def call(self, inputs):
        z_mean, z_log_var, z = self.encoder(inputs)
        reconstructed = self.decoder(z)
        # Add KL divergence regularization loss.
        kl_loss = -0.5 * ops.mean(
            z_log_var - ops.square(z_mean) - ops.exp(z_log_var) + 1
        )
        self.add_loss(kl_loss)
        return reconstructed


def test_subclassing_linear_layer():
    x = ops.ones((2, 2))
    linear_layer = Linear(4, 2)
    y = linear_layer(x)
    print(y)
    assert linear_layer.weights == [linear_layer.w, linear_layer.b]
    w = linear_layer.w.numpy()
    np.testing.assert_allclose(y.numpy(), np.ones((2, 2)) @ w, rtol=1e-6)
    assert 0 < w.std() < 0.2  # random_normal: stddev 0.05
    y.sum().backward()
    np.testing.assert_allclose(linear_layer.w.grad, np.full((2, 4), 2.0))
    np.testing.assert_allclose(linear_layer.b.grad, np.full((4,), 2.0))


def test_subclassing_activity_regularization():
    layer = OuterLayer()
    assert len(layer.losses) == 0  # No losses yet since the layer has never been called

    _ = layer(ops.zeros((1, 1)))
    assert len(layer.losses) == 1  # We created one loss value

    # `layer.losses` gets reset at the start of each __call__
    _ = layer(ops.zeros((1, 1)))
    assert len(layer.losses) == 1  # This is the loss created during the call above
    _ = layer(ops.convert_to_tensor([[2.0, 4.0]]))
    np.testing.assert_allclose(float(layer.losses[0].numpy()), 1e-2 * 3.0, rtol=1e-6)


def test_subclassing_sampling_and_vae():
    z_mean, z_log_var = np.zeros((3, 2), "float32"), np.full((3, 2), np.log(4.0), "float32")
    first, again = Sampling(), Sampling()
    z1, z2 = first((z_mean, z_log_var)), first((z_mean, z_log_var))
    assert not np.allclose(z1.numpy(), z2.numpy())           # a new seed at each call
    np.testing.assert_allclose(again((z_mean, z_log_var)).numpy(), z1.numpy())  # same seeds
    eps = keras.random.normal((3, 2), seed=keras.random.SeedGenerator(1337))
    np.testing.assert_allclose(z1.numpy(), 2.0 * eps.numpy(), rtol=1e-6)  # exp(0.5 log 4) = 2

    rng = np.random.default_rng(0)
    x_train = rng.uniform(size=(128, 784)).astype("float32")
    vae = VariationalAutoEncoder(784, 64, 32)
    out = vae(x_train[:4])
    assert out.shape == (4, 784) and len(vae.losses) == 1
    z_mean, z_log_var, _ = vae.encoder(x_train[:4])
    zm, zl = z_mean.numpy(), z_log_var.numpy()
    kl = -0.5 * np.mean(zl - zm ** 2 - np.exp(zl) + 1)
    np.testing.assert_allclose(float(vae.losses[0].numpy()), kl, rtol=1e-5)

    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    vae.compile(optimizer, loss=keras.losses.MeanSquaredError())
    history = vae.fit(x_train, x_train, epochs=2, batch_size=64)
    losses = history.history["loss"]
    assert len(losses) == 2 and all(np.isfinite(losses)) and losses[1] < losses[0]


# --- nn.random, optimizers, config, utils ----------------------------------------------

def test_random_seeds():
    a, b = keras.random.normal((4,), seed=3), keras.random.normal((4,), seed=3)
    np.testing.assert_array_equal(a.numpy(), b.numpy())          # an int seed repeats
    nn.utils.set_random_seed(5)
    c = keras.random.uniform((1000,), minval=2.0, maxval=3.0)
    nn.utils.set_random_seed(5)
    np.testing.assert_array_equal(keras.random.uniform((1000,), minval=2.0, maxval=3.0).numpy(),
                                  c.numpy())
    assert c.dtype == np.float32 and 2.0 <= c.numpy().min() and c.numpy().max() < 3.0
    t = keras.random.truncated_normal((5000,), stddev=2.0, seed=1).numpy()
    assert np.abs(t).max() <= 4.0 and 1.5 < t.std() < 2.0
    r = keras.random.randint((100,), 3, 7, seed=1).numpy()
    assert r.dtype == np.int32 and set(np.unique(r)) == {3, 4, 5, 6}
    draws = keras.random.categorical(np.log([[0.0001, 0.9999]]), 50, seed=2).numpy()
    assert draws.shape == (1, 50) and draws.sum() >= 48
    x = ag.Variable(np.ones((200, 10)))
    y = keras.random.dropout(x, 0.5, seed=0)
    kept = y.numpy() != 0
    np.testing.assert_allclose(y.numpy()[kept], 2.0)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, 2.0 * kept)
    s = keras.random.shuffle(np.arange(10.0), seed=0).numpy()
    assert sorted(s) == list(range(10)) and list(s) != list(range(10))


def test_optimizers_config_utils_saving(tmp_path):
    assert keras.optimizers.Adam is optim.Adam and keras.optimizers.AdamW is optim.AdamW
    assert keras.optimizers.SGD is optim.SGD and keras.optimizers.RMSprop is optim.RMSprop
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    np.testing.assert_allclose(float(schedule(20)), 0.1 * 0.5 ** 2, rtol=1e-6)
    assert keras.config.floatx() == "float32" and keras.config.epsilon() == 1e-7
    keras.config.set_floatx("float64")
    try:
        assert ag.get_default_dtype() == np.float64 and ops.ones((2,)).dtype == np.float64
    finally:
        keras.config.set_floatx("float32")
    padded = keras.utils.pad_sequences([[1, 2, 3, 4], [5], []], maxlen=3, padding="post",
                                       truncating="pre", value=-1)
    np.testing.assert_array_equal(padded, [[2, 3, 4], [5, -1, -1], [-1, -1, -1]])
    assert padded.dtype == np.int32
    np.testing.assert_array_equal(keras.utils.pad_sequences([[1], [2, 3]]), [[0, 1], [2, 3]])
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    keras.save_model(model, tmp_path / "m.keras")
    again = keras.load_model(tmp_path / "m.keras")
    x = np.ones((1, 3), "float32")
    np.testing.assert_allclose(again(x).numpy(), model(x).numpy())


# --- nn.ops against torch: values and gradients ------------------------------------------

def _both(array):
    """The same float64 data as a Variable and as a torch leaf."""
    return ag.Variable(array.copy()), torch.tensor(array, requires_grad=True)


def test_ops_lines_against_torch():
    rng = np.random.default_rng(0)
    logits, t_logits = _both(rng.normal(size=(4, 5)))
    labels = np.array([0, 3, 4, 1])
    w, t_w = _both(rng.normal(size=(5, 3)))
    # A few lines of Keras 3 code: a dense layer, gelu, a log-softmax cross-entropy.
    hidden = ops.gelu(ops.matmul(logits, w))
    loss = ops.mean(ops.sparse_categorical_crossentropy(labels[:, None] % 3 * 0 + labels % 3,
                                                        hidden, from_logits=True))
    loss = loss + ops.sum(ops.square(ops.logsumexp(logits, axis=1)))
    t_hidden = TF.gelu(t_logits @ t_w, approximate="tanh")
    t_loss = TF.cross_entropy(t_hidden, torch.tensor(labels % 3)) + \
        (torch.logsumexp(t_logits, dim=1) ** 2).sum()
    np.testing.assert_allclose(loss.numpy(), t_loss.detach().numpy(), rtol=1e-10)
    loss.backward()
    t_loss.backward()
    np.testing.assert_allclose(logits.grad, t_logits.grad.numpy(), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(w.grad, t_w.grad.numpy(), rtol=1e-8, atol=1e-12)


def test_ops_conv_pool_topk_against_torch():
    rng = np.random.default_rng(1)
    x, t_x = _both(rng.normal(size=(2, 6, 6, 3)))        # Keras: channels last
    k, t_k = _both(rng.normal(size=(3, 3, 3, 4)))        # (h, w, in, out)
    y = ops.max_pool(ops.relu(ops.conv(x, k, padding="same")), 2)
    values, indices = ops.top_k(ops.reshape(y, (2, -1)), 3)
    t_y = TF.max_pool2d(torch.relu(TF.conv2d(t_x.permute(0, 3, 1, 2), t_k.permute(3, 2, 0, 1),
                                             padding=1)), 2).permute(0, 2, 3, 1)
    t_values, t_indices = torch.topk(t_y.reshape(2, -1), 3)
    np.testing.assert_allclose(y.numpy(), t_y.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(values.numpy(), t_values.detach().numpy(), rtol=1e-10)
    np.testing.assert_array_equal(indices.numpy(), t_indices.numpy())
    values.sum().backward()
    t_values.sum().backward()
    np.testing.assert_allclose(x.grad, t_x.grad.numpy(), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(k.grad, t_k.grad.numpy(), rtol=1e-8, atol=1e-12)


def test_ops_binary_crossentropy_gradients_against_torch():
    rng = np.random.default_rng(2)
    z, t_z = _both(rng.normal(size=(3, 4)))
    target = rng.uniform(size=(3, 4))
    a = ops.binary_crossentropy(target, z, from_logits=True)
    b = ops.binary_crossentropy(target, ops.sigmoid(z))
    t_a = TF.binary_cross_entropy_with_logits(t_z, torch.tensor(target), reduction="none")
    np.testing.assert_allclose(a.numpy(), t_a.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(b.numpy(), t_a.detach().numpy(), rtol=1e-6)
    ops.sum(a + b).backward()
    (2 * t_a).sum().backward()
    np.testing.assert_allclose(z.grad, t_z.grad.numpy(), rtol=1e-6)


# --- every name of nn.ops: callable, numpy-equal on a small input -----------------------

X = np.array([[0.2, 0.5, 0.9], [0.4, 0.1, 0.7]])
Y = np.array([[0.3, 0.5, 0.1], [0.8, 0.6, 0.2]])
Z = np.array([[-2.5, -0.7, 0.0], [0.3, 1.2, 3.0]])
S = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])  # symmetric positive definite
V = np.array([1.0, 2.0, 3.0])
T = torch.tensor


def _t(f, *args, **kwargs):
    return f(*(T(a) if isinstance(a, np.ndarray) else a for a in args), **kwargs).numpy()


UNARY_NUMPY = """abs absolute negative sign square sqrt exp exp2 expm1 log log1p log2 log10
reciprocal sin cos tan arcsin arccos arctan sinh cosh tanh arcsinh arctanh floor ceil trunc
round ravel isnan isinf isfinite logical_not""".split()
BINARY_NUMPY = """add subtract multiply divide true_divide floor_divide power maximum minimum
arctan2 hypot logaddexp mod equal not_equal less less_equal greater greater_equal logical_and
logical_or logical_xor isclose outer vdot kron""".split()
REDUCTIONS = "sum mean max min prod std var median amax amin all any argmax argmin".split()

CASES = {name: (lambda f, n=name: f(X), lambda n=name: getattr(np, n)(X)) for name in UNARY_NUMPY}
CASES.update({name: (lambda f: f(X, Y), lambda n=name: getattr(np, n)(X, Y))
              for name in BINARY_NUMPY})
CASES.update({name: (lambda f: f(X, axis=1), lambda n=name: getattr(np, n)(X, axis=1))
              for name in REDUCTIONS})
CASES.update({
    "sum": (lambda f: f(X, axis=0, keepdims=True), lambda: X.sum(0, keepdims=True)),
    "arccosh": (lambda f: f(X + 1), lambda: np.arccosh(X + 1)),
    "rsqrt": (lambda f: f(X), lambda: 1 / np.sqrt(X)),
    "floor_divide": (lambda f: f(Z, 0.7), lambda: np.floor_divide(Z, 0.7)),
    "erf": (lambda f: f(Z), lambda: _t(torch.erf, Z)),
    "erfinv": (lambda f: f(X), lambda: _t(torch.erfinv, X)),
    "divide_no_nan": (lambda f: f(X, np.array([2.0, 0.0, 4.0])),
                      lambda: np.array([[0.1, 0.0, 0.225], [0.2, 0.0, 0.175]])),
    "matmul": (lambda f: f(X, Y.T), lambda: X @ Y.T),
    "dot": (lambda f: f(X, Y.T), lambda: np.dot(X, Y.T)),
    "tensordot": (lambda f: f(X, Y.T, axes=1), lambda: np.tensordot(X, Y.T, axes=1)),
    "einsum": (lambda f: f("ij,kj->ik", X, Y), lambda: np.einsum("ij,kj->ik", X, Y)),
    "argsort": (lambda f: f(Y, axis=-1), lambda: np.argsort(Y, axis=-1)),
    "sort": (lambda f: f(Y, axis=0), lambda: np.sort(Y, axis=0)),
    "count_nonzero": (lambda f: f(Z, axis=1), lambda: np.count_nonzero(Z, axis=1)),
    "average": (lambda f: f(X, axis=1, weights=V), lambda: np.average(X, axis=1, weights=V)),
    "concatenate": (lambda f: f([X, Y], axis=1), lambda: np.concatenate([X, Y], axis=1)),
    "stack": (lambda f: f([X, Y], axis=1), lambda: np.stack([X, Y], axis=1)),
    "hstack": (lambda f: f([X, Y]), lambda: np.hstack([X, Y])),
    "vstack": (lambda f: f([X, Y]), lambda: np.vstack([X, Y])),
    "append": (lambda f: f(X, Y, axis=0), lambda: np.append(X, Y, axis=0)),
    "expand_dims": (lambda f: f(X, 1), lambda: X[:, None]),
    "squeeze": (lambda f: f(X[None], axis=0), lambda: X),
    "tile": (lambda f: f(X, (2, 1)), lambda: np.tile(X, (2, 1))),
    "repeat": (lambda f: f(X, 2, axis=1), lambda: np.repeat(X, 2, axis=1)),
    "roll": (lambda f: f(X, 1, axis=1), lambda: np.roll(X, 1, axis=1)),
    "flip": (lambda f: f(X, axis=1), lambda: X[:, ::-1]),
    "moveaxis": (lambda f: f(X[None], 0, 2), lambda: np.moveaxis(X[None], 0, 2)),
    "swapaxes": (lambda f: f(X, 0, 1), lambda: X.T),
    "broadcast_to": (lambda f: f(V, (2, 3)), lambda: np.broadcast_to(V, (2, 3))),
    "rot90": (lambda f: f(X), lambda: np.rot90(X)),
    "take": (lambda f: f(X, np.array([2, 0]), axis=1), lambda: X[:, [2, 0]]),
    "diag": (lambda f: f(V), lambda: np.diag(V)),
    "diagonal": (lambda f: f(S), lambda: np.diagonal(S)),
    "trace": (lambda f: f(S), lambda: np.trace(S)),
    "tril": (lambda f: f(S), lambda: np.tril(S)),
    "triu": (lambda f: f(S, 1), lambda: np.triu(S, 1)),
    "diff": (lambda f: f(X), lambda: np.diff(X)),
    "split": (lambda f: f(X, 3, axis=1), lambda: np.split(X, 3, axis=1)),
    "where": (lambda f: f(X > 0.4, X, -Y), lambda: np.where(X > 0.4, X, -Y)),
    "clip": (lambda f: f(X, 0.3, 0.6), lambda: np.clip(X, 0.3, 0.6)),
    "nan_to_num": (lambda f: f(np.array([np.nan, 1.0])), lambda: np.array([0.0, 1.0])),
    "digitize": (lambda f: f(V, np.array([1.5, 2.5])), lambda: np.digitize(V, [1.5, 2.5])),
    "bincount": (lambda f: f(np.array([0, 1, 1, 3])), lambda: np.bincount([0, 1, 1, 3])),
    "cast": (lambda f: f(X, "float32"), lambda: X.astype(np.float32)),
    "stop_gradient": (lambda f: f(X), lambda: X),
    "is_tensor": (lambda f: f(ag.constant(X)), lambda: True),
    "cond": (lambda f: f(False, lambda: X, lambda: Y), lambda: Y),
    "while_loop": (lambda f: f(lambda i: i < 3, lambda i: (i + 1,), (0,))[0], lambda: 3),
    "vectorized_map": (lambda f: f(lambda row: row * 2, X), lambda: 2 * X),
    "custom_gradient": (lambda f: f(lambda x: (x * 3, lambda g: g))(ag.constant(X)),
                        lambda: 3 * X),
    "segment_sum": (lambda f: f(X, np.array([0, 0])), lambda: X.sum(0, keepdims=True)),
    "segment_max": (lambda f: f(X, np.array([0, 0])), lambda: X.max(0, keepdims=True)),
    "in_top_k": (lambda f: f(np.array([2, 0]), X, 1), lambda: np.array([True, False])),
    "logdet": (lambda f: f(S), lambda: np.linalg.slogdet(S)[1]),
    "inv": (lambda f: f(S), lambda: np.linalg.inv(S)),
    "det": (lambda f: f(S), lambda: np.linalg.det(S)),
    "solve": (lambda f: f(S, V[:, None]), lambda: np.linalg.solve(S, V[:, None])),
    "lstsq": (lambda f: f(S, V[:, None]), lambda: np.linalg.lstsq(S, V[:, None], rcond=None)[0]),
    "eigh": (lambda f: f(S)[0], lambda: np.linalg.eigh(S)[0]),
    "convert_to_tensor": (lambda f: f([[1, 2]]), lambda: np.array([[1, 2]], np.int32)),
    "convert_to_numpy": (lambda f: f(ag.constant(X)), lambda: X),
    "shape": (lambda f: f(X), lambda: (2, 3)),
    "ndim": (lambda f: f(X), lambda: 2),
    "size": (lambda f: f(X), lambda: 6),
    "dtype": (lambda f: f(np.ones(2, np.float64)), lambda: "float64"),
    "reshape": (lambda f: f(X, (3, -1)), lambda: X.reshape(3, 2)),
    "transpose": (lambda f: f(X[None], (2, 0, 1)), lambda: np.transpose(X[None], (2, 0, 1))),
    "logsumexp": (lambda f: f(X), lambda: np.log(np.exp(X).sum())),
    "take_along_axis": (lambda f: f(X, np.argsort(X, axis=1), axis=1),
                        lambda: np.sort(X, axis=1)),
    "top_k": (lambda f: f(X, 2), lambda: (np.sort(X, 1)[:, ::-1][:, :2], np.array([[2, 1],
                                                                               [2, 0]]))),
    "norm": (lambda f: f(X), lambda: np.linalg.norm(X)),
    "cumsum": (lambda f: f(X, axis=1), lambda: np.cumsum(X, axis=1)),
    "cumprod": (lambda f: f(X), lambda: np.cumprod(X)),
    "pad": (lambda f: f(X, ((1, 0), (0, 2))), lambda: np.pad(X, ((1, 0), (0, 2)))),
    "quantile": (lambda f: f(X, 0.25, axis=1), lambda: np.quantile(X, 0.25, axis=1)),
    "searchsorted": (lambda f: f(V, np.array([2.5, 0.0])), lambda: np.searchsorted(V, [2.5, 0])),
    "nonzero": (lambda f: f(Z), lambda: np.nonzero(Z)),
    "unstack": (lambda f: f(X), lambda: [X[0], X[1]]),
    "meshgrid": (lambda f: f(V, V[:2]), lambda: np.meshgrid(V, V[:2])),
    "copy": (lambda f: f(X), lambda: X),
    "slice": (lambda f: f(X, (1, 1), (1, 2)), lambda: X[1:2, 1:3]),
    "scatter": (lambda f: f(np.array([[0, 1], [1, 2]]), V[:2], (2, 3)),
                lambda: np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 2.0]])),
    "switch": (lambda f: f(1, [lambda x: x, lambda x: -x], X), lambda: -X),
    "fori_loop": (lambda f: f(0, 4, lambda i, v: v + i, 0), lambda: 6),
    "map": (lambda f: f(lambda row: row.sum(), X), lambda: X.sum(1)),
    "scan": (lambda f: f(lambda c, x: (c + x, c * 2), 0.0, V), lambda: (6.0, [0.0, 2.0, 6.0])),
    "ones": (lambda f: f((2, 3)), lambda: np.ones((2, 3), np.float32)),
    "zeros": (lambda f: f((2,)), lambda: np.zeros(2, np.float32)),
    "full": (lambda f: f((2,), 7.0), lambda: np.full(2, 7.0)),
    "ones_like": (lambda f: f(X), lambda: np.ones_like(X)),
    "zeros_like": (lambda f: f(X), lambda: np.zeros_like(X)),
    "full_like": (lambda f: f(X, 2.5), lambda: np.full_like(X, 2.5)),
    "arange": (lambda f: f(1, 7, 2), lambda: np.arange(1, 7, 2, dtype=np.int32)),
    "linspace": (lambda f: f(0.0, 1.0, 5), lambda: np.linspace(0, 1, 5).astype(np.float32)),
    "eye": (lambda f: f(2, 3, 1), lambda: np.eye(2, 3, 1, dtype=np.float32)),
    "identity": (lambda f: f(3), lambda: np.eye(3, dtype=np.float32)),
    "tri": (lambda f: f(3), lambda: np.tri(3, dtype=np.float32)),
    # neural-network ops against torch (or the formula, where torch has no such function)
    "relu": (lambda f: f(Z), lambda: _t(torch.relu, Z)),
    "relu6": (lambda f: f(Z * 3), lambda: _t(TF.relu6, Z * 3)),
    "sigmoid": (lambda f: f(Z), lambda: _t(torch.sigmoid, Z)),
    "softplus": (lambda f: f(Z), lambda: _t(TF.softplus, Z)),
    "softsign": (lambda f: f(Z), lambda: _t(TF.softsign, Z)),
    "silu": (lambda f: f(Z), lambda: _t(TF.silu, Z)),
    "swish": (lambda f: f(Z), lambda: _t(TF.silu, Z)),
    "log_sigmoid": (lambda f: f(Z), lambda: _t(TF.logsigmoid, Z)),
    "leaky_relu": (lambda f: f(Z), lambda: _t(TF.leaky_relu, Z, 0.2)),
    "hard_sigmoid": (lambda f: f(Z * 2), lambda: _t(TF.hardsigmoid, Z * 2)),
    "hard_silu": (lambda f: f(Z * 2), lambda: _t(TF.hardswish, Z * 2)),
    "hard_swish": (lambda f: f(Z * 2), lambda: _t(TF.hardswish, Z * 2)),
    "elu": (lambda f: f(Z, 0.5), lambda: _t(TF.elu, Z, 0.5)),
    "selu": (lambda f: f(Z), lambda: _t(TF.selu, Z)),
    "celu": (lambda f: f(Z, 2.0), lambda: _t(TF.celu, Z, 2.0)),
    "gelu": (lambda f: f(Z), lambda: _t(TF.gelu, Z, approximate="tanh")),
    "glu": (lambda f: f(np.hstack([Z, X])), lambda: _t(TF.glu, np.hstack([Z, X]))),
    "hard_tanh": (lambda f: f(Z), lambda: _t(TF.hardtanh, Z)),
    "soft_shrink": (lambda f: f(Z), lambda: _t(TF.softshrink, Z)),
    "hard_shrink": (lambda f: f(Z), lambda: _t(TF.hardshrink, Z)),
    "tanh_shrink": (lambda f: f(Z), lambda: _t(TF.tanhshrink, Z)),
    "squareplus": (lambda f: f(Z), lambda: (Z + np.sqrt(Z ** 2 + 4)) / 2),
    "sparse_plus": (lambda f: f(Z / 2), lambda: np.select(
        [Z / 2 <= -1, Z / 2 >= 1], [0.0, Z / 2], (Z / 2 + 1) ** 2 / 4)),
    "threshold": (lambda f: f(Z, 0.5, -9.0), lambda: _t(TF.threshold, Z, 0.5, -9.0)),
    "softmax": (lambda f: f(Z, axis=0), lambda: _t(torch.softmax, Z, 0)),
    "log_softmax": (lambda f: f(Z), lambda: _t(torch.log_softmax, Z, -1)),
    "one_hot": (lambda f: f(np.array([1, 0, 2]), 3), lambda: np.eye(3)[[1, 0, 2]]),
    "multi_hot": (lambda f: f(np.array([[0, 2], [1, 1]]), 3),
                  lambda: np.array([[1.0, 0, 1], [0, 1, 0]])),
    "moments": (lambda f: f(X, [1]), lambda: (X.mean(1), X.var(1))),
    "batch_normalization": (lambda f: f(X, V, V, axis=1, offset=V, scale=V, epsilon=0.1),
                            lambda: (X - V) / np.sqrt(V + 0.1) * V + V),
    "normalize": (lambda f: f(Z), lambda: _t(TF.normalize, Z, dim=-1)),
    "layer_normalization": (lambda f: f(Z, epsilon=1e-5),
                            lambda: _t(TF.layer_norm, Z, (3,), eps=1e-5)),
    "rms_normalization": (lambda f: f(Z, epsilon=1e-6), lambda: _t(TF.rms_norm, Z, (3,),
                                                                   eps=1e-6)),
    "binary_crossentropy": (lambda f: f(Y, X), lambda: _t(TF.binary_cross_entropy, X, Y,
                                                          reduction="none")),
    "categorical_crossentropy": (lambda f: f(Y / Y.sum(1, keepdims=True), Z, from_logits=True),
                                 lambda: _t(TF.cross_entropy, Z, Y / Y.sum(1, keepdims=True),
                                            reduction="none")),
    "sparse_categorical_crossentropy": (lambda f: f(np.array([2, 0]), X),
                                        lambda: -np.log((X / X.sum(1, keepdims=True))[[0, 1],
                                                                                     [2, 0]])),
    "psnr": (lambda f: f(X, Y, 1.0), lambda: 10 * np.log10(1 / np.mean((X - Y) ** 2))),
})

rng = np.random.default_rng(3)
IMG = rng.normal(size=(1, 5, 5, 2))
K = rng.normal(size=(3, 3, 2, 4))
DW = rng.normal(size=(3, 3, 2, 2))
PW = rng.normal(size=(1, 1, 4, 3))
Q, KEY, VAL = rng.normal(size=(1, 4, 2, 3)), rng.normal(size=(1, 5, 2, 3)), \
    rng.normal(size=(1, 5, 2, 3))


def _nchw(a):
    return T(a).permute(0, 3, 1, 2)


def _nhwc(t):
    return t.permute(0, 2, 3, 1).numpy()


CASES.update({
    "conv": (lambda f: f(IMG, K, strides=2), lambda: _nhwc(TF.conv2d(
        _nchw(IMG), T(K).permute(3, 2, 0, 1), stride=2))),
    "depthwise_conv": (lambda f: f(IMG, DW), lambda: _nhwc(TF.conv2d(
        _nchw(IMG), T(DW).reshape(3, 3, 1, 4).permute(3, 2, 0, 1), groups=2))),
    "separable_conv": (lambda f: f(IMG, DW, PW), lambda: _nhwc(TF.conv2d(TF.conv2d(
        _nchw(IMG), T(DW).reshape(3, 3, 1, 4).permute(3, 2, 0, 1), groups=2),
        T(PW).permute(3, 2, 0, 1)))),
    "conv_transpose": (lambda f: f(IMG, K.transpose(0, 1, 3, 2), strides=2),
                       lambda: _nhwc(TF.conv_transpose2d(_nchw(IMG), T(K).permute(2, 3, 0, 1),
                                                         stride=2))),
    "max_pool": (lambda f: f(IMG, 2, strides=1), lambda: _nhwc(TF.max_pool2d(_nchw(IMG), 2, 1))),
    "average_pool": (lambda f: f(IMG, 2), lambda: _nhwc(TF.avg_pool2d(_nchw(IMG), 2))),
    "dot_product_attention": (
        lambda f: f(Q, KEY, VAL, is_causal=True),
        lambda: TF.scaled_dot_product_attention(
            *(T(a).transpose(1, 2) for a in (Q, KEY, VAL)),
            attn_mask=torch.ones(4, 5, dtype=torch.bool).tril()).transpose(1, 2).numpy()),
})


def _plain(result):
    if isinstance(result, (tuple, list)):
        return [_plain(item) for item in result]
    return ops.convert_to_numpy(result) if isinstance(result, ag.Value) else np.asarray(result)


def test_every_op_has_a_case():
    assert sorted(CASES) == sorted(ops.__all__)
    assert len(ops.__all__) == len(set(ops.__all__))


@pytest.mark.parametrize("name", sorted(CASES))
def test_op_matches_numpy(name):
    call, reference = CASES[name]
    f = getattr(ops, name)
    assert callable(f)
    ours, expected = _plain(call(f)), _plain(reference())
    if isinstance(expected, list):
        assert isinstance(ours, list) and len(ours) == len(expected)
    for a, b in zip(ours if isinstance(ours, list) else [ours],
                    expected if isinstance(expected, list) else [expected]):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape, (a.shape, b.shape)
        if b.dtype.kind in "biuU":
            np.testing.assert_array_equal(a, b)
        else:
            np.testing.assert_allclose(a.astype(np.float64), b, rtol=1e-5, atol=1e-6)
    if name in ("ones", "zeros", "arange", "linspace", "eye", "convert_to_tensor"):
        assert ours.dtype == expected.dtype


def test_keras_saving_namespace_round_trip(tmp_path):
    """keras.saving.save_model / load_model, as nn.saving's."""
    model = nn.Sequential([layers.Input((4,)), layers.Dense(3, activation="relu"),
                           layers.Dense(2)])
    path = str(tmp_path / "model.keras")
    nn.saving.save_model(model, path)
    again = nn.saving.load_model(path)
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    np.testing.assert_array_equal(model(x).numpy(), again(x).numpy())
    with pytest.raises(FileExistsError):
        nn.saving.save_model(model, path, overwrite=False)

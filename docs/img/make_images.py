"""Make the README's pictures: ``python docs/img/make_images.py`` (from the repo root).

graph.png: the graph of one 784-512-10 training step (a batch of 32), after backward.
stepper.png: the 2-2-1 XOR net of lecture 2 half way through backprop, at the step where
the bias gradient is summed over the batch.
training.png: loss and accuracy curves of the course's 784-512-10 MNIST network, five
epochs of RMSprop with 1,000 images held out for validation (needs the MNIST data).
"""

from pathlib import Path

import numpy as np

import autograd_core as ag

HERE = Path(__file__).parent


def mnist_step():
    rng = np.random.default_rng(0)
    x = ag.constant(rng.normal(size=(32, 784)).astype(np.float32), name="x")
    labels = rng.integers(0, 10, size=32)
    W1 = ag.Variable(rng.normal(0, 0.05, size=(784, 512)).astype(np.float32), name="W1")
    b1 = ag.Variable(np.zeros(512, np.float32), name="b1")
    W2 = ag.Variable(rng.normal(0, 0.05, size=(512, 10)).astype(np.float32), name="W2")
    b2 = ag.Variable(np.zeros(10, np.float32), name="b2")
    with ag.name_scope("dense"):
        h = ag.relu(x @ W1 + b1)
    with ag.name_scope("dense_1"):
        logits = h @ W2 + b2
    loss = ag.softmax_cross_entropy(logits, labels, reduction="mean")
    loss.name = "loss"
    return loss


def xor_loss():
    rng = np.random.default_rng(1)
    x = ag.constant([[0, 0], [0, 1], [1, 0], [1, 1]], name="x")
    t = ag.constant([[0], [1], [1], [0]], name="t")
    W1 = ag.Variable(rng.uniform(-1, 1, size=(2, 2)).astype(np.float32), name="W1")
    b1 = ag.Variable(np.zeros(2, np.float32), name="b1")
    W2 = ag.Variable(rng.uniform(-1, 1, size=(2, 1)).astype(np.float32), name="W2")
    b2 = ag.Variable(np.zeros(1, np.float32), name="b2")
    with ag.name_scope("dense"):
        h = ag.sigmoid(x @ W1 + b1)
    with ag.name_scope("dense_1"):
        y = ag.sigmoid(h @ W2 + b2)
    loss = ag.reduce_sum(ag.square(y - t))
    loss.name = "loss"
    return loss


def mnist_history():
    import nn
    (x, y), _ = nn.datasets.load_mnist()
    x = x.reshape(-1, 784).astype(np.float32) / 255
    model = nn.Sequential([nn.Dense(512, activation="relu", input_shape=(784,), seed=0),
                           nn.Dense(10, activation="softmax", seed=1)])
    model.compile("rmsprop", "sparse_categorical_crossentropy", ["accuracy"])
    return model.fit(x, y, epochs=5, batch_size=128, validation_split=1000 / 60000, seed=0,
                     verbose=0)


if __name__ == "__main__":
    loss = mnist_step()
    loss.backward()
    ag.render(ag.draw_graph(loss), "png", HERE / "graph.png", dpi=110)
    stepper = ag.BackpropStepper(xor_loss())
    stepper.goto(5)
    ag.render(stepper.render(), "png", HERE / "stepper.png", dpi=110)
    import matplotlib
    matplotlib.use("Agg")
    from nn import plots
    plots.plot_history(mnist_history()).savefig(HERE / "training.png", dpi=90)

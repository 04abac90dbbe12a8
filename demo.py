"""The short tour: a neuron's graph and its gradients, backprop by two routes.

Run with ``make demo``.
"""

import numpy as np

import autograd_core as ag

# A single neuron y = tanh(w1*x1 + w2*x2 + b), as in micrograd's first lesson.
x1, x2 = ag.Value(2.0, name="x1"), ag.Value(0.0, name="x2")
w1, w2 = ag.Value(-3.0, name="w1"), ag.Value(1.0, name="w2")
b = ag.Value(6.8813735870195432, name="b")
y = ag.tanh(x1 * w1 + x2 * w2 + b)

print("Backprop, one op at a time (the chain rule at each node):")
for step in ag.backward_steps(y):
    sent = ", ".join(f"{x.name or type(x.op).__name__}: {float(g):+.4f}"
                     for x, g in zip(step.node.inputs, step.input_grads) if g is not None)
    print(f"  {type(step.op).__name__:5s} upstream {float(step.grad):+.4f}  ->  {sent}")
print(f"y = {float(y):.4f}")
for v in (x1, w1, x2, w2, b):
    print(f"  dy/d{v.name} = {float(v.grad):+.4f}")

# The same gradients with TensorFlow's GradientTape.
W = ag.Variable([[-3.0], [1.0]], name="W")
with ag.GradientTape() as tape:
    out = ag.tanh(ag.constant([[2.0, 0.0]]) @ W + 6.8813735870195432)
grad_W = tape.gradient(out, W)
print("GradientTape: dy/dW =", np.round(grad_W.numpy().ravel(), 4))

"""PyTorch's Module API beyond parameters(): named_modules, buffers (register_buffer), the
registration calls, get_submodule/get_parameter/get_buffer, requires_grad_, forward
hooks; and ``v[index] = value`` (which register_buffer's tutorial code needs). Each
against torch 2.13 where torch answers the same question."""

import math

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim

torch = pytest.importorskip("torch")


class PositionalEncoding(nn.Module):
    """PyTorch's transformer tutorial's module, ported by renaming torch to ag."""

    def __init__(self, d_model, dropout=0.1, max_len=5000):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        position = ag.arange(max_len).unsqueeze(1)
        div_term = ag.exp(ag.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = ag.zeros(max_len, 1, d_model)
        pe[:, 0, 0::2] = ag.sin(position * div_term)
        pe[:, 0, 1::2] = ag.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x):
        x = x + self.pe[:x.size(0)]
        return self.dropout(x)


class TorchPositionalEncoding(torch.nn.Module):
    def __init__(self, d_model, dropout=0.1, max_len=5000):
        super().__init__()
        self.dropout = torch.nn.Dropout(p=dropout)
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, 1, d_model)
        pe[:, 0, 0::2] = torch.sin(position * div_term)
        pe[:, 0, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x):
        return self.dropout(x + self.pe[:x.size(0)])


def test_positional_encoding_ports_with_its_buffer():
    ours, theirs = PositionalEncoding(8, max_len=50).eval(), TorchPositionalEncoding(8, 0.1, 50)
    theirs.eval()
    assert ours.parameters() == [] and [n for n, _ in ours.named_buffers()] == ["pe"]
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["pe"]
    np.testing.assert_allclose(ours.pe.numpy(), theirs.pe.numpy(), rtol=1e-6, atol=1e-6)
    x = np.random.default_rng(0).normal(size=(5, 2, 8)).astype(np.float32)
    np.testing.assert_allclose(ours(ag.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(),
                               atol=1e-6)
    ours.load_state_dict(theirs.state_dict())  # a torch state_dict loads, buffer and all
    np.testing.assert_array_equal(ours.pe.numpy(), theirs.pe.numpy())


def conv_bn():
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2)))


def torch_conv_bn():
    tnn = torch.nn
    return tnn.Sequential(tnn.Conv2d(3, 4, 3), tnn.BatchNorm2d(4), tnn.ReLU(),
                          tnn.Sequential(tnn.Linear(2, 2), tnn.BatchNorm1d(2)))


def test_parameters_buffers_modules_and_state_dict_are_torchs():
    ours, theirs = conv_bn(), torch_conv_bn()
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    # the tutorials' parameter count
    assert sum(p.numel() for p in ours.parameters()) == \
        sum(p.numel() for p in theirs.parameters())
    assert [type(m).__name__ for m in ours.modules()] == \
        [type(m).__name__ for m in theirs.modules()]
    # the running statistics are no optimizer's business
    opt = optim.SGD(ours.parameters(), lr=0.1)
    assert all(id(p) not in {id(b) for b in ours.buffers()} for p in opt.params)


def test_named_modules_with_a_shared_module():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    tshared = torch.nn.Linear(2, 2)
    theirs = torch.nn.Sequential(tshared, torch.nn.ReLU(), tshared)
    for kwargs in ({}, {"remove_duplicate": False}):
        assert [n for n, _ in model.named_modules(**kwargs)] == \
            [n for n, _ in theirs.named_modules(**kwargs)]
    assert [n for n, _ in model.named_modules(prefix="net")] == \
        [n for n, _ in theirs.named_modules(prefix="net")]


def test_buffers_follow_dtype_changes_reassignment_and_persistence():
    class Counter(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)
            self.register_buffer("count", np.zeros(()))
            self.register_buffer("mask", np.ones((2, 2)), persistent=False)

        def forward(self, x):
            self.count = self.count + 1  # a new tensor under the name: still the buffer
            return self.lin(x) * self.mask

    m = Counter()
    m(np.ones((1, 2), np.float32))
    m(np.ones((1, 2), np.float32))
    assert float(m.count) == 2 and [n for n, _ in m.named_buffers()] == ["count", "mask"]
    # a module's own parameters and buffers before its children's, as PyTorch orders them;
    # mask is not persistent
    assert list(m.state_dict()) == ["count", "lin.weight", "lin.bias"]
    m.double()
    assert {b.dtype for b in m.buffers()} == {np.dtype(np.float64)}
    again = Counter()
    again.load_state_dict(m.state_dict())
    assert float(again.count) == 2


def test_registration_calls_and_lookups_as_torch():
    m = nn.Module()
    m.add_module("block", nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2)))
    m.register_module("head", nn.Linear(2, 1))
    m.register_parameter("scale", nn.Parameter(np.ones(1, np.float32)))
    m.register_parameter("unused", None)
    assert m.get_submodule("block.1") is m.block[1]
    assert m.get_submodule("") is m
    assert m.get_parameter("block.0.weight") is m.block[0].weight
    assert m.get_buffer("block.1.running_var") is m.block[1].running_var
    assert [n for n, _ in m.named_parameters()] == [
        "scale", "block.0.weight", "block.0.bias", "block.1.weight", "block.1.bias",
        "head.weight", "head.bias"]
    with pytest.raises(KeyError, match="be empty or contain"):
        m.register_buffer("a.b", np.zeros(1))
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("scale", np.zeros(1))
    with pytest.raises(TypeError, match="Parameter or None"):
        m.register_parameter("w", np.zeros(1))
    with pytest.raises(TypeError, match="not a Module"):
        m.add_module("x", 3)
    with pytest.raises(AttributeError, match="no submodule 'nope'"):
        m.get_submodule("block.nope")
    with pytest.raises(AttributeError, match="no parameter"):
        m.get_parameter("block.1.running_var")
    assert "w" not in vars(m) and "x" not in vars(m)  # refused calls changed nothing


def test_requires_grad_freezes_every_parameter():
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    assert model.requires_grad_(False) is model
    assert not any(p.requires_grad for p in model.parameters())
    model[2].requires_grad_()
    assert [p.requires_grad for p in model.parameters()] == [False, False, True, True]


def test_forward_hooks_extract_features_as_in_pytorchs_docs():
    """The feature-extraction recipe: a forward hook stores an intermediate output."""
    rng = np.random.default_rng(1)
    ours, theirs = conv_bn(), torch_conv_bn()
    ours.load_state_dict(theirs.state_dict())
    ours.eval(), theirs.eval()
    got, want = {}, {}
    handle = ours[1].register_forward_hook(lambda m, args, out: got.__setitem__("bn", out))
    theirs[1].register_forward_hook(lambda m, args, out: want.__setitem__("bn", out))
    x = rng.normal(size=(2, 3, 4, 4)).astype(np.float32)
    ours[:3](x), theirs[:3](torch.tensor(x))
    np.testing.assert_allclose(got["bn"].numpy(), want["bn"].detach().numpy(), atol=1e-5)
    handle.remove()
    got.clear()
    ours[:3](x)
    assert got == {}


def test_hooks_can_replace_the_input_and_the_output_and_run_in_order():
    layer, calls = nn.Linear(2, 2), []
    with layer.register_forward_pre_hook(lambda m, args: (args[0] * 0,)):
        with layer.register_forward_hook(lambda m, args, out: calls.append("a")):
            layer.register_forward_hook(lambda m, args, out: out + 1)
            y = layer(np.ones((1, 2), np.float32))
    np.testing.assert_allclose(y.numpy(), layer.bias.numpy()[None] + 1, rtol=1e-6)
    assert calls == ["a"]
    calls.clear()
    y = layer(np.ones((1, 2), np.float32))  # the with-blocks removed their hooks
    assert calls == [] and not np.allclose(y.numpy(), layer.bias.numpy()[None] + 1)
    with pytest.raises(TypeError, match="callable"):
        layer.register_forward_hook(3)


def test_setitem_writes_constants_and_refuses_recorded_values():
    v = ag.zeros(3, 4)
    v[1:, ::2] = 5.0
    t = torch.zeros(3, 4)
    t[1:, ::2] = 5.0
    np.testing.assert_array_equal(v.numpy(), t.numpy())
    w = ag.Variable(np.zeros(3))
    with pytest.raises(RuntimeError, match=r"requires grad.*no_grad"):
        w[0] = 1.0
    assert w.numpy().tolist() == [0.0, 0.0, 0.0]
    with ag.no_grad():
        w[0] = 1.0
    assert w.numpy().tolist() == [1.0, 0.0, 0.0]
    with pytest.raises(ValueError, match=r"could not broadcast .*\(Value of shape \(3, 4\)\)"):
        v[:, 0] = np.ones(5)
    with pytest.raises(TypeError, match="cannot write float64"):
        ag.tensor([1, 2])[0] = 1.5
    x = ag.zeros(2)
    y = (ag.Variable(np.ones(2)) * x).sum()
    x[0] = 3.0  # after the op read it: its backward refuses rather than mix old and new
    with pytest.raises(RuntimeError, match="changed in place"):
        y.backward()
    s = ag.tensor(2.0)
    s[()] = 4.0
    assert float(s) == 4.0


def test_a_pytorch_state_dict_loads_into_embedding_by_its_name():
    """PyTorch names an Embedding's table "weight", Keras "embeddings": either loads."""
    theirs = torch.nn.Sequential(torch.nn.Embedding(5, 3), torch.nn.Linear(3, 2))
    ours = nn.Sequential(nn.Embedding(5, 3), nn.Linear(3, 2))
    ours.load_state_dict(theirs.state_dict())
    np.testing.assert_array_equal(ours[0].weight.numpy(), theirs[0].weight.detach().numpy())
    ours.load_state_dict(ours.state_dict())  # our own names still load
    both = {**theirs.state_dict(), "0.embeddings": np.zeros((5, 3), np.float32)}
    with pytest.raises(ValueError, match="both '0.weight' and '0.embeddings'"):
        ours.load_state_dict(both)

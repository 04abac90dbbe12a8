"""PyTorch's padding layers (ZeroPad, ConstantPad, ReflectionPad, ReplicationPad,
CircularPad, 1d and 2d), PixelShuffle/PixelUnshuffle/ChannelShuffle, Fold/Unfold, and
Conv1d/Conv2d's padding_mode: each against torch's layer or function of the same name, in
float64 over hypothesis-drawn shapes and arguments (batched and unbatched inputs, negative
padding), outputs and the gradients of the input (and of the weights for the
convolutions); a float32 case each; torch's repr; and bad arguments and inputs refused
where torch refuses them, naming the layer."""

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import autograd_core as ag
import nn
from nn.torch_padding import (ChannelShuffle, CircularPad1d, CircularPad2d, ConstantPad1d,
                              ConstantPad2d, Fold, PixelShuffle, PixelUnshuffle,
                              ReflectionPad1d, ReflectionPad2d, ReplicationPad1d,
                              ReplicationPad2d, Unfold, ZeroPad1d, ZeroPad2d, channel_shuffle,
                              fold, pixel_shuffle, pixel_unshuffle, unfold)

torch = pytest.importorskip("torch")
TF = torch.nn.functional

FAST = settings(max_examples=25, deadline=None)
TOL = dict(rtol=1e-12, atol=1e-12)
PADS = {"ZeroPad": (ZeroPad1d, ZeroPad2d), "ConstantPad": (ConstantPad1d, ConstantPad2d),
        "ReflectionPad": (ReflectionPad1d, ReflectionPad2d),
        "ReplicationPad": (ReplicationPad1d, ReplicationPad2d),
        "CircularPad": (CircularPad1d, CircularPad2d)}


def _float64():
    ag.set_default_dtype(ag.float64)  # conftest puts the default back after each test


def _same_run(ours, theirs, x, seed, tol=TOL):
    """The same output, and the same gradient of sum(y * g) for the input."""
    xv = ag.Value(x)
    y = ours(xv)
    xt = torch.tensor(x, requires_grad=True)
    yt = theirs(xt)
    g = np.random.default_rng(seed).standard_normal(tuple(yt.shape)).astype(x.dtype)
    (y * g).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    assert y.shape == tuple(yt.shape) and y.dtype == x.dtype
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), **tol)
    np.testing.assert_allclose(xv.grad, xt.grad.numpy(), **tol)


# --- padding layers ---------------------------------------------------------------------


@FAST
@given(kind=st.sampled_from(sorted(PADS)), dims=st.sampled_from([1, 2]),
       batched=st.booleans(), data=st.data(), seed=st.integers(0, 2**16))
def test_padding_layers_match_torch(kind, dims, batched, data, seed):
    _float64()
    spatial = data.draw(st.lists(st.integers(2, 5), min_size=dims, max_size=dims))
    shape = ([2] if batched else []) + [3] + spatial
    padding = data.draw(st.one_of(
        st.integers(0, 2), st.tuples(*[st.integers(-1, 3)] * (2 * dims))))
    args = (3.5,) if kind == "ConstantPad" else ()
    ours, theirs = PADS[kind][dims - 1](padding, *args), getattr(
        torch.nn, f"{kind}{dims}d")(padding, *args)
    x = np.random.default_rng(seed).standard_normal(shape)
    try:
        empty = 0 in theirs(torch.tensor(x)).shape
    except RuntimeError:  # torch refuses (reflect padding >= the size): so do we
        empty = True
    if empty:  # or torch crops an axis to nothing: refused here
        event("refused as torch")
        with pytest.raises(ValueError, match=f"{kind}{dims}d"):
            ours(x)
        return
    _same_run(ours, theirs, x, seed)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("kind", sorted(PADS))
def test_padding_layers_in_float32_and_negative_padding(kind):
    args = (-2.0,) if kind == "ConstantPad" else ()
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5)).astype(np.float32)
    padding = (-1, 2, 2, -1)
    _same_run(PADS[kind][1](padding, *args), getattr(torch.nn, f"{kind}2d")(padding, *args),
              x, 1, dict(rtol=1e-6, atol=1e-6))
    _same_run(PADS[kind][0]((2, -1), *args), getattr(torch.nn, f"{kind}1d")((2, -1), *args),
              x[0], 2, dict(rtol=1e-6, atol=1e-6))


def test_padding_values_by_hand():
    x = np.array([[[1.0, 2.0, 3.0]]])
    assert ReflectionPad1d((2, 1))(x).numpy().tolist() == [[[3, 2, 1, 2, 3, 2]]]
    assert ReplicationPad1d((1, 2))(x).numpy().tolist() == [[[1, 1, 2, 3, 3, 3]]]
    assert CircularPad1d((1, 3))(x).numpy().tolist() == [[[3, 1, 2, 3, 1, 2, 3]]]
    assert ConstantPad1d((1, -1), 7)(x).numpy().tolist() == [[[7, 1, 2]]]
    assert ZeroPad2d((0, 0, 1, 0))(x).numpy().tolist() == [[[0, 0, 0], [1, 2, 3]]]


def test_constant_padding_takes_any_rank_as_torch():
    x = np.random.default_rng(0).standard_normal((2, 2, 3, 4, 5))
    _same_run(ZeroPad2d((1, 0, 2, 1)), torch.nn.ZeroPad2d((1, 0, 2, 1)), x, 3)
    _same_run(ConstantPad1d(1, 0.5), torch.nn.ConstantPad1d(1, 0.5), x[0, 0, 0, 0], 4)


@pytest.mark.parametrize("make, x, message", [
    (lambda: ReflectionPad2d((3, 0, 0, 0)), np.zeros((1, 1, 4, 3)),
     r"ReflectionPad2d .*reflect padding must be smaller .*\(3, 0\) for axis -1 of size 3"),
    (lambda: ReflectionPad1d(2), np.zeros((1, 2)), "ReflectionPad1d .*axis -1 of size 2"),
    (lambda: CircularPad1d((4, 0)), np.zeros((1, 3)), "CircularPad1d .*circular padding"),
    (lambda: ReplicationPad2d(1), np.zeros((2, 3)), r"ReplicationPad2d .*\(C, H, W\)"),
    (lambda: CircularPad2d(1), np.zeros((1, 1, 1, 2, 2)), r"CircularPad2d .*got shape"),
    (lambda: ReplicationPad1d(1), np.zeros((2, 0, 3)), "ReplicationPad1d .*non-empty"),
    (lambda: ZeroPad2d(1), np.zeros(3), "ZeroPad2d .*at least 2 axes"),
    (lambda: ZeroPad1d(-2), np.zeros((1, 3)), r"ZeroPad1d .*\(-2, -2\) leaves nothing"),
])
def test_bad_inputs_are_refused_naming_the_layer(make, x, message):
    with pytest.raises(ValueError, match=message):
        make()(x)


@pytest.mark.parametrize("make, message", [
    (lambda: ZeroPad2d((1, 1, 1)), r"ZeroPad2d: padding must be an int or a tuple of 4"),
    (lambda: ZeroPad1d(1.5), r"ZeroPad1d: padding must be .* got 1.5"),
    (lambda: ReflectionPad1d(True), "ReflectionPad1d: padding"),
    (lambda: CircularPad2d((1, 1), name="c"), "CircularPad2d 'c': padding"),
    (lambda: ConstantPad2d(1, "a"), "ConstantPad2d: value must be a real number"),
    (lambda: PixelShuffle(0), "PixelShuffle: upscale_factor must be a positive int"),
    (lambda: PixelUnshuffle(2.0), "PixelUnshuffle: downscale_factor"),
    (lambda: ChannelShuffle(-1), "ChannelShuffle: groups"),
    (lambda: Unfold(0), "Unfold: kernel_size must be an int >= 1"),
    (lambda: Unfold(2, padding=-1), "Unfold: padding must be an int >= 0"),
    (lambda: Fold((4, 5, 6), 2), "Fold: output_size"),
    (lambda: Fold(4, 2, stride=(1, 0)), "Fold: stride"),
    (lambda: nn.Conv2d(1, 1, 3, padding_mode="reflection"), r"Conv2d: padding_mode must "
     r"be one of \['zeros', 'reflect', 'replicate', 'circular'\]"),
    (lambda: nn.Conv1d(1, 1, 3, padding_mode=None), "Conv1d: padding_mode"),
])
def test_bad_arguments_are_refused_naming_the_layer(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_pad_layers_keep_torch_attributes_and_config():
    layer = ConstantPad2d((1, 2, 3, 4), 0.5, name="p")
    assert layer.padding == (1, 2, 3, 4) and layer.value == 0.5
    assert ConstantPad2d(**layer.get_config()).get_config() == layer.get_config()
    assert ZeroPad1d(2).padding == (2, 2) and list(ZeroPad1d(2).parameters()) == []
    assert ReflectionPad2d(**ReflectionPad2d(1).get_config()).padding == (1, 1, 1, 1)


# --- pixel and channel shuffles ---------------------------------------------------------


@FAST
@given(lead=st.lists(st.integers(1, 2), max_size=2), c=st.integers(1, 2),
       r=st.integers(1, 3), h=st.integers(1, 3), w=st.integers(1, 3),
       seed=st.integers(0, 2**16))
def test_pixel_shuffles_match_torch(lead, c, r, h, w, seed):
    _float64()
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((*lead, c * r * r, h, w))
    _same_run(PixelShuffle(r), torch.nn.PixelShuffle(r), x, seed)
    _same_run(lambda v: pixel_shuffle(v, r), lambda v: TF.pixel_shuffle(v, r), x, seed)
    x = rng.standard_normal((*lead, c, h * r, w * r))
    _same_run(PixelUnshuffle(r), torch.nn.PixelUnshuffle(r), x, seed)
    _same_run(lambda v: pixel_unshuffle(v, r), lambda v: TF.pixel_unshuffle(v, r), x, seed)
    np.testing.assert_array_equal(pixel_shuffle(pixel_unshuffle(x, r), r).numpy(), x)


@FAST
@given(n=st.integers(0, 2), groups=st.integers(1, 3), per=st.integers(1, 3),
       rest=st.lists(st.integers(1, 3), min_size=1, max_size=3), seed=st.integers(0, 2**16))
def test_channel_shuffle_matches_torch(n, groups, per, rest, seed):
    _float64()
    x = np.random.default_rng(seed).standard_normal((n, groups * per, *rest))
    _same_run(ChannelShuffle(groups), torch.nn.ChannelShuffle(groups), x, seed)
    _same_run(lambda v: channel_shuffle(v, groups), lambda v: TF.channel_shuffle(v, groups),
              x, seed)


def test_shuffles_in_float32_repr_and_by_hand():
    x = np.random.default_rng(0).standard_normal((2, 8, 3, 2)).astype(np.float32)
    _same_run(PixelShuffle(2), torch.nn.PixelShuffle(2), x, 0)
    _same_run(ChannelShuffle(4), torch.nn.ChannelShuffle(4), x, 1)
    for ours, theirs in [(PixelShuffle(2), torch.nn.PixelShuffle(2)),
                         (PixelUnshuffle(3), torch.nn.PixelUnshuffle(3)),
                         (ChannelShuffle(2), torch.nn.ChannelShuffle(2))]:
        assert repr(ours) == repr(theirs)
    shuffled = channel_shuffle(np.arange(6.0).reshape(1, 6, 1), 2).numpy().ravel()
    assert shuffled.tolist() == [0, 3, 1, 4, 2, 5]


@pytest.mark.parametrize("call, message", [
    (lambda: pixel_shuffle(np.zeros((1, 6, 2, 2)), 2), r"pixel_shuffle: .*got shape "
     r"\(1, 6, 2, 2\)"),
    (lambda: pixel_shuffle(np.zeros((4, 2)), 2), "pixel_shuffle: expected"),
    (lambda: pixel_unshuffle(np.zeros((1, 4, 5)), 2), "pixel_unshuffle: .*divisible"),
    (lambda: channel_shuffle(np.zeros((6, 2)), 2), "channel_shuffle: expected"),
    (lambda: channel_shuffle(np.zeros((1, 6, 2)), 4), "channel_shuffle: .*groups = 4"),
    (lambda: ChannelShuffle(4, name="s")(np.zeros((1, 6, 2))), "ChannelShuffle 's': "),
    (lambda: PixelShuffle(2, name="s")(np.zeros((1, 6, 2, 2))), "PixelShuffle 's': "),
])
def test_shuffles_refuse_bad_shapes(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- fold and unfold --------------------------------------------------------------------


def _window(data):
    pair = st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))
    return dict(kernel_size=data.draw(pair), dilation=data.draw(pair),
                padding=data.draw(st.one_of(st.integers(0, 2),
                                            st.tuples(st.integers(0, 2), st.integers(0, 2)))),
                stride=data.draw(pair))


def _blocks(hw, w):
    pair = {k: (v, v) if isinstance(v, int) else v for k, v in w.items()}
    return [(n + 2 * p - d * (k - 1) - 1) // s + 1 for n, p, d, k, s in zip(
        hw, pair["padding"], pair["dilation"], pair["kernel_size"], pair["stride"])]


@settings(max_examples=50, deadline=None)
@given(batched=st.booleans(), c=st.integers(1, 2), h=st.integers(1, 7), w=st.integers(1, 7),
       data=st.data(), seed=st.integers(0, 2**16))
def test_unfold_and_fold_match_torch(batched, c, h, w, data, seed):
    _float64()
    window = _window(data)
    blocks = _blocks((h, w), window)
    lead = (2,) if batched else ()
    x = np.random.default_rng(seed).standard_normal(lead + (c, h, w))
    if min(blocks) < 1:
        event("refused as torch")
        with pytest.raises(ValueError, match="unfold: kernel_size .* does not fit"):
            unfold(x, **window)
        with pytest.raises(ValueError, match="Unfold 'u': unfold"):
            Unfold(**window, name="u")(x)
        return
    _same_run(Unfold(**window), torch.nn.Unfold(**window), x, seed)
    _same_run(lambda v: unfold(v, **window), lambda v: TF.unfold(v, **window), x, seed)
    k = window["kernel_size"]
    kk = k * k if isinstance(k, int) else k[0] * k[1]
    cols = np.random.default_rng(seed + 1).standard_normal(
        lead + (c * kk, blocks[0] * blocks[1]))
    _same_run(Fold((h, w), **window), torch.nn.Fold((h, w), **window), cols, seed)
    _same_run(lambda v: fold(v, (h, w), **window), lambda v: TF.fold(v, (h, w), **window),
              cols, seed)
    assert repr(Fold((h, w), **window)) == repr(torch.nn.Fold((h, w), **window))
    assert repr(Unfold(**window)) == repr(torch.nn.Unfold(**window))


def test_fold_and_unfold_in_float32_and_overlaps_add_up():
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 4)).astype(np.float32)
    tol = dict(rtol=1e-6, atol=1e-6)
    _same_run(Unfold((2, 3), padding=1, stride=(2, 1)),
              torch.nn.Unfold((2, 3), padding=1, stride=(2, 1)), x, 0, tol)
    cols = np.ones((1, 4, 9), np.float32)  # 2 x 2 windows at stride 1 on a 4 x 4 image
    counts = fold(cols, 4, 2).numpy()[0, 0]
    assert counts.tolist() == [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]]
    assert counts.dtype == np.float32


def test_unfold_is_exact_with_infinities_and_nans():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    x[0, 0, 1, 1], x[0, 0, 2, 3] = np.inf, np.nan
    np.testing.assert_array_equal(unfold(x, 2, padding=1).numpy(),
                                  TF.unfold(torch.tensor(x), 2, padding=1).numpy())


@pytest.mark.parametrize("call, message", [
    (lambda: fold(np.zeros((1, 12, 11)), (4, 5), 2), r"fold: expected columns \(N, C \* 4, "
     r"12\) .*got shape \(1, 12, 11\)"),
    (lambda: fold(np.zeros((1, 11, 12)), (4, 5), 2), r"fold: expected columns"),
    (lambda: fold(np.zeros((1, 12, 12, 1)), (4, 5), 2), r"fold: expected columns"),
    (lambda: fold(np.zeros((1, 4, 1)), 1, 2), r"fold: kernel_size \(2, 2\) .* does not fit"),
    (lambda: unfold(np.zeros((1, 2, 3, 4, 5)), 2), r"unfold: expected images"),
    (lambda: unfold(np.zeros((1, 0, 3, 4)), 2), r"unfold: expected images"),
    (lambda: Fold(4, 2, name="f")(np.zeros((1, 4, 8))), r"Fold 'f': fold: expected"),
])
def test_fold_and_unfold_refuse_bad_shapes(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- Conv1d and Conv2d padding_mode ------------------------------------------------------


def _same_conv(layer, tlayer, x, seed):
    """The same output and gradients of input, weight and bias, from torch's weights; or
    both refusing the input (a kernel wider than the padded input, reflect padding too
    wide)."""
    state = {k: v.detach().numpy() for k, v in tlayer.state_dict().items()}
    assert list(layer.state_dict()) == list(state)
    layer.load_state_dict(state)
    try:
        tlayer(torch.tensor(x))
    except RuntimeError:
        event("refused as torch")
        with pytest.raises(ValueError, match=type(layer).__name__):
            layer(x)
        return
    _same_run(layer, tlayer, x, seed, dict(rtol=1e-9, atol=1e-11))
    ours = dict(layer.named_parameters())
    for name, p in tlayer.named_parameters():
        np.testing.assert_allclose(ours[name].grad, p.grad.numpy(), rtol=1e-9, atol=1e-11)


MODES = st.sampled_from(["zeros", "reflect", "replicate", "circular"])


@FAST
@given(mode=MODES, k=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       dilation=st.integers(1, 2), stride=st.integers(1, 2), bias=st.booleans(),
       groups=st.sampled_from([1, 2]), data=st.data(), seed=st.integers(0, 2**16))
def test_conv2d_padding_mode_matches_torch(mode, k, dilation, stride, bias, groups, data,
                                           seed):
    _float64()
    padding = data.draw(st.one_of(st.integers(0, 2), st.tuples(st.integers(0, 2),
                                                               st.integers(0, 2)),
                                  st.just("valid"), st.just("same") if stride == 1 else
                                  st.just(1)))
    args = (2, 4, k, stride, padding, dilation, groups, bias, mode)
    torch.manual_seed(seed)
    tlayer = torch.nn.Conv2d(*args, dtype=torch.float64)
    x = np.random.default_rng(seed).standard_normal((2, 2, 5, 4))
    _same_conv(nn.Conv2d(*args), tlayer, x, seed)


@FAST
@given(mode=MODES, k=st.integers(1, 4), dilation=st.integers(1, 2), bias=st.booleans(),
       padding=st.one_of(st.integers(0, 3), st.just("same"), st.just("valid")),
       seed=st.integers(0, 2**16))
def test_conv1d_padding_mode_matches_torch(mode, k, dilation, bias, padding, seed):
    _float64()
    args = (3, 2, k, 1, padding, dilation, 1, bias, mode)
    torch.manual_seed(seed)
    tlayer = torch.nn.Conv1d(*args, dtype=torch.float64)
    x = np.random.default_rng(seed).standard_normal((2, 3, 6))
    _same_conv(nn.Conv1d(*args), tlayer, x, seed)


def test_conv_padding_mode_float32_repr_config_and_errors():
    torch.manual_seed(0)
    tlayer = torch.nn.Conv2d(2, 3, 3, padding=1, padding_mode="circular")
    layer = nn.Conv2d(2, 3, 3, padding=1, padding_mode="circular")
    layer.load_state_dict({k: v.detach().numpy() for k, v in tlayer.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 5)).astype(np.float32)
    np.testing.assert_allclose(layer(x).numpy(), tlayer(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)
    assert repr(layer) == repr(tlayer)  # ...padding=(1, 1), padding_mode=circular)
    assert repr(nn.Conv1d(2, 3, 3, padding=1, padding_mode="reflect")) == repr(
        torch.nn.Conv1d(2, 3, 3, padding=1, padding_mode="reflect"))
    assert repr(nn.Conv2d(2, 3, 3)) == \
        "Conv2d(2, 3, kernel_size=(3, 3), stride=(1, 1), padding=(0, 0))"
    assert nn.Conv2d(2, 3, 3).padding_mode == "zeros"
    assert list(nn.Conv2d(2, 3, 3).state_dict()) == ["weight", "bias"]

    def number(name):  # conv2d, conv2d_1, conv2d_2...
        tail = name.rsplit("_", 1)[-1]
        return int(tail) if tail.isdigit() else 0

    before = nn.Conv2d(1, 1, 1).name
    with pytest.raises(ValueError, match="Conv2d: padding_mode"):
        nn.Conv2d(1, 1, 1, padding_mode="same")
    assert number(nn.Conv2d(1, 1, 1).name) == number(before) + 1  # the refused one took none
    config = nn.Conv1d(2, 3, 3, padding_mode="replicate", name="c").get_config()
    assert config["padding_mode"] == "replicate"
    assert nn.Conv1d(**config).get_config() == config
    with pytest.raises(ValueError, match=r"Conv2d 'r': reflect padding must be smaller .* "
                                         r"\(2, 2\) for axis -1 of size 2"):
        nn.Conv2d(1, 1, 3, padding=2, padding_mode="reflect", name="r")(np.zeros((1, 1, 4, 2)))
    with pytest.raises(ValueError, match=r"Conv1d 'q': circular padding"):
        nn.Conv1d(1, 1, 3, padding=3, padding_mode="circular", name="q")(np.zeros((1, 1, 2)))


# --- nn.functional.pad: PyTorch's checks and negative pads (it uses pad_as_torch) -------

@settings(max_examples=40, deadline=None)
@given(mode=st.sampled_from(["constant", "reflect", "replicate", "circular"]),
       size=st.integers(1, 5), pads=st.tuples(*[st.integers(-2, 5)] * 4))
def test_functional_pad_is_torchs(mode, size, pads):
    from nn import functional as F
    x = np.random.default_rng(size).normal(size=(2, 3, size, size + 1))
    try:
        want = torch.nn.functional.pad(torch.tensor(x, requires_grad=True), pads, mode=mode)
        ok = want.numel() > 0
    except (RuntimeError, ValueError, IndexError):
        ok = False
    sizes = x.shape[::-1]
    if mode == "circular" and any(  # wrapping more than the cropped axis holds: torch
            max(b, a) > n - max(-b, 0) - max(-a, 0)  # copies unwritten memory; refused here
            for (b, a), n in zip((pads[:2], pads[2:]), sizes)):
        ok = False
    if not ok:  # torch refuses (or empties an axis, refused here): so do we, by name
        with pytest.raises(ValueError, match="pad"):
            F.pad(ag.Value(x), pads, mode=mode)
        return
    got = F.pad(ag.Value(x), pads, mode=mode)
    np.testing.assert_allclose(got.data, want.detach().numpy(), rtol=0, atol=0)

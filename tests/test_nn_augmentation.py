"""Keras 3's image preprocessing and augmentation layers (nn.augmentation): Resizing against
PyTorch's interpolate (values and gradients) and TF's half-pixel nearest formula, crops
against slicing and Keras's aspect-ratio rule, the affine sampling against a per-pixel
reference written from Keras's ``map_coordinates`` and against exact cases (rot90, whole-
pixel shifts), the colour layers against their formulas, training against inference,
seeds, configs and files, and arguments refused."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
import nn
from derivatives import compare_with_torch
from nn.augmentation import (CenterCrop, RandomBrightness, RandomContrast, RandomCrop,
                             RandomFlip, RandomRotation, RandomTranslation, RandomZoom,
                             Resizing, affine_transform)

try:  # PyTorch (an optional extra) is the reference for resizing; the rest needs none
    import torch
    F = torch.nn.functional
except ImportError:
    torch = F = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch (an optional extra) is not "
                                 "installed: it is the reference for these")

RANDOM = [lambda **kw: RandomFlip(seed=1, **kw), lambda **kw: RandomRotation(0.2, seed=1, **kw),
          lambda **kw: RandomZoom(0.3, seed=1, **kw),
          lambda **kw: RandomTranslation(0.2, (-0.3, 0.1), seed=1, **kw),
          lambda **kw: RandomContrast(0.5, seed=1, **kw),
          lambda **kw: RandomBrightness(0.3, seed=1, **kw)]


def _images(shape, seed=0, high=1.0):
    return np.random.default_rng(seed).uniform(0, high, shape)


def _torch_resize(x, size, mode="bilinear"):
    """NHWC through PyTorch's interpolate in NCHW."""
    kwargs = {"align_corners": False, "antialias": False} if mode == "bilinear" else {}
    return F.interpolate(x.permute(0, 3, 1, 2), size=size, mode=mode, **kwargs) \
        .permute(0, 2, 3, 1)


# --- Resizing -------------------------------------------------------------------------------
@needs_torch
@settings(max_examples=20, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 9), st.integers(1, 9),
       st.integers(1, 2))
def test_bilinear_resize_matches_torch_interpolate_values_and_gradients(h, w, oh, ow, c):
    x = _images((2, h, w, c), seed=h * 10 + w)
    compare_with_torch(lambda v: Resizing(oh, ow)(v), lambda t: _torch_resize(t, (oh, ow)), x)


@needs_torch
def test_bilinear_resize_float32_channels_first_and_unbatched():
    x = _images((2, 3, 5, 7)).astype(np.float32)  # channels_first (batch, 3, 5, 7)
    want = F.interpolate(torch.tensor(x), size=(4, 9), mode="bilinear",
                         align_corners=False).numpy()
    got = Resizing(4, 9, data_format="channels_first")(ag.constant(x))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)
    one = Resizing(4, 9, data_format="channels_first")(x[0])
    np.testing.assert_allclose(one.numpy(), want[0], rtol=1e-5, atol=1e-6)
    last = Resizing(4, 9)(np.moveaxis(x[1], 0, -1))  # unbatched (rows, cols, channels)
    np.testing.assert_allclose(last.numpy(), np.moveaxis(want[1], 0, -1), rtol=1e-5,
                               atol=1e-6)


def _nearest_reference(x, oh, ow):
    """TF's half-pixel nearest, pixel by pixel: src = min(floor((dst + 0.5) * in / out),
    in - 1)."""
    n, h, w, c = x.shape
    out = np.empty((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            si = min(math.floor((i + 0.5) * h / oh), h - 1)
            sj = min(math.floor((j + 0.5) * w / ow), w - 1)
            out[:, i, j] = x[:, si, sj]
    return out


@needs_torch
@settings(max_examples=20, deadline=None)
@given(st.integers(1, 7), st.integers(1, 7), st.integers(1, 9), st.integers(1, 9))
def test_nearest_resize_is_tf_half_pixel_nearest(h, w, oh, ow):
    x = _images((2, h, w, 2), seed=h + w)
    got = Resizing(oh, ow, interpolation="nearest")(ag.constant(x)).numpy()
    np.testing.assert_array_equal(got, _nearest_reference(x, oh, ow))
    # the same as PyTorch's "nearest-exact"
    want = _torch_resize(torch.tensor(x), (oh, ow), "nearest-exact").numpy()
    np.testing.assert_array_equal(got, want)


def test_nearest_resize_gradient_sums_the_copies():
    x = ag.Value(_images((1, 2, 3, 1)))
    y = Resizing(4, 3, interpolation="nearest")(x)  # each row copied twice
    ag.sum(y).backward()
    np.testing.assert_array_equal(x.grad, np.full((1, 2, 3, 1), 2.0))


@needs_torch
def test_crop_to_aspect_ratio_is_kerass_centred_box():
    x = _images((2, 4, 9, 3))
    # target 2x2: rows = min(4, int(9 * 2 / 2)) = 4, cols = min(9, int(4 * 2 / 2)) = 4,
    # starting at int((9 - 4) / 2) = 2
    got = Resizing(2, 2, crop_to_aspect_ratio=True)(ag.constant(x)).numpy()
    want = _torch_resize(torch.tensor(x[:, :, 2:6]), (2, 2)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12)
    # target 3x1 of a 4x9 image: cols = min(9, int(4 * 1 / 3)) = 1, from int(8 / 2) = 4
    got = Resizing(3, 1, crop_to_aspect_ratio=True)(ag.constant(x)).numpy()
    want = _torch_resize(torch.tensor(x[:, :, 4:5]), (3, 1)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12)
    # a wider target of a tall image crops rows: 9x4 -> 2x4: rows = int(4 * 2 / 4) = 2
    tall = np.swapaxes(x, 1, 2)
    got = Resizing(2, 4, crop_to_aspect_ratio=True)(ag.constant(tall)).numpy()
    np.testing.assert_array_equal(got, tall[:, 3:5])


# --- CenterCrop and RandomCrop ----------------------------------------------------------------
def test_center_crop_slices_and_passes_the_gradient():
    x = ag.Value(_images((2, 7, 6, 1)))
    y = CenterCrop(4, 3)(x)  # rows from int(3 / 2) = 1, cols from int(3 / 2) = 1
    np.testing.assert_array_equal(y.numpy(), x.numpy()[:, 1:5, 1:4])
    ag.sum(y).backward()
    mask = np.zeros((2, 7, 6, 1))
    mask[:, 1:5, 1:4] = 1
    np.testing.assert_array_equal(x.grad, mask)
    first = CenterCrop(4, 3, data_format="channels_first")(
        ag.constant(np.moveaxis(x.numpy(), -1, 1)))
    np.testing.assert_array_equal(first.numpy(), np.moveaxis(y.numpy(), -1, 1))


@needs_torch
def test_center_crop_resizes_an_image_smaller_than_the_target():
    x = _images((1, 4, 8, 2))
    # 6 rows wanted, 4 given: Keras's smart_resize, the centred 4x2 box of aspect 6:3
    got = CenterCrop(6, 3)(ag.constant(x)).numpy()
    want = _torch_resize(torch.tensor(x[:, :, 3:5]), (6, 3)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12)
    compare_with_torch(lambda v: CenterCrop(6, 3)(v),
                       lambda t: _torch_resize(t[:, :, 3:5], (6, 3)), x)


def test_random_crop_in_training_is_one_window_per_batch_covering_every_corner():
    x = _images((3, 5, 4, 1))
    layer = RandomCrop(3, 2, seed=0, dtype="float64")
    corners = set()
    for _ in range(60):
        y = layer(x).numpy()
        found = [(r, c) for r in range(3) for c in range(3)
                 if np.array_equal(y, x[:, r:r + 3, c:c + 2])]
        assert len(found) == 1
        corners.add(found[0])
    assert corners == {(r, c) for r in range(3) for c in range(3)}


@needs_torch
def test_random_crop_in_inference_is_smart_resize_and_seeded():
    x = _images((2, 6, 9, 3))
    got = RandomCrop(2, 4, seed=0)(ag.constant(x), training=False).numpy()
    # the centred box of aspect 2:4: rows = min(6, int(9 * 2 / 4)) = 4 from int(2 / 2) = 1,
    # cols = min(9, int(6 * 4 / 2)) = 9
    want = _torch_resize(torch.tensor(x[:, 1:5]), (2, 4)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12)
    # training on an image smaller than the target resizes too
    small = RandomCrop(8, 12, seed=0, dtype="float64")(x).numpy()
    np.testing.assert_allclose(small, _torch_resize(torch.tensor(x), (8, 12)).numpy(),
                               rtol=1e-12)
    a, b = RandomCrop(3, 3, seed=5), RandomCrop(3, 3, seed=5)
    for _ in range(3):
        np.testing.assert_array_equal(a(x).numpy(), b(x).numpy())


# --- RandomFlip -------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["horizontal", "vertical", "horizontal_and_vertical"])
def test_random_flip_flips_each_image_on_its_own(mode):
    x = _images((64, 3, 4, 2))
    y = RandomFlip(mode, seed=0)(ag.constant(x)).numpy()
    kinds = []
    for xi, yi in zip(x, y):
        options = {"none": xi, "horizontal": xi[:, ::-1], "vertical": xi[::-1],
                   "both": xi[::-1, ::-1]}
        kinds.append(next(k for k, v in options.items() if np.array_equal(yi, v)))
    allowed = {"horizontal": {"none", "horizontal"}, "vertical": {"none", "vertical"},
               "horizontal_and_vertical": {"none", "horizontal", "vertical", "both"}}[mode]
    assert set(kinds) == allowed


def test_random_flip_gradient_is_flipped_back_and_channels_first():
    x = ag.Value(_images((8, 2, 3, 1)))
    layer = RandomFlip("horizontal", seed=3)
    y = layer(x)
    w = _images((8, 2, 3, 1), seed=9)
    ag.sum(ag.multiply(y, w)).backward()
    flipped = [not np.array_equal(yi, xi) for xi, yi in zip(x.numpy(), y.numpy())]
    want = np.stack([wi[:, ::-1] if f else wi for wi, f in zip(w, flipped)])
    np.testing.assert_array_equal(x.grad, want)
    assert 0 < sum(flipped) < 8
    images_first = np.moveaxis(x.numpy(), -1, 1)
    a = RandomFlip("vertical", seed=4, data_format="channels_first")(images_first)
    b = RandomFlip("vertical", seed=4)(x.numpy())
    np.testing.assert_array_equal(a.numpy(), np.moveaxis(b.numpy(), -1, 1))


# --- the affine sampling ----------------------------------------------------------------------
def _fix(i, size, mode):
    """One index brought inside [0, size) by reflecting/wrapping step by step; None for
    constant's outside."""
    if 0 <= i < size:
        return i
    if mode == "constant":
        return None
    if mode == "nearest":
        return min(max(i, 0), size - 1)
    if mode == "wrap":
        while i < 0:
            i += size
        return i % size
    while not 0 <= i < size:  # reflect: d c b a | a b c d | d c b a
        i = -1 - i if i < 0 else 2 * size - 1 - i
    return i


def _affine_reference(x, matrices, interpolation, fill_mode, fill_value):
    """Keras's map_coordinates, one output pixel at a time."""
    n, h, w, c = x.shape
    out = np.zeros_like(x)
    for b in range(n):
        a0, a1, a2, b0, b1, b2 = matrices[b]
        for r in range(h):
            for col in range(w):
                sr, sc = b0 * col + b1 * r + b2, a0 * col + a1 * r + a2
                if interpolation == "nearest":
                    taps = [(int(np.round(sr)), int(np.round(sc)), 1.0)]
                else:
                    r0, c0 = math.floor(sr), math.floor(sc)
                    tr, tc = sr - r0, sc - c0
                    taps = [(r0, c0, (1 - tr) * (1 - tc)), (r0, c0 + 1, (1 - tr) * tc),
                            (r0 + 1, c0, tr * (1 - tc)), (r0 + 1, c0 + 1, tr * tc)]
                for i, j, weight in taps:
                    fi, fj = _fix(i, h, fill_mode), _fix(j, w, fill_mode)
                    pixel = fill_value if fi is None or fj is None else x[b, fi, fj]
                    out[b, r, col] += weight * pixel
    return out


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(["reflect", "wrap", "constant", "nearest"]),
       st.sampled_from(["bilinear", "nearest"]), st.integers(1, 5), st.integers(1, 5),
       st.integers(0, 1000))
def test_affine_transform_matches_a_per_pixel_reference(fill_mode, interpolation, h, w, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(2, h, w, 2))
    matrices = rng.uniform(-2.0, 2.0, (2, 6)) * [1, 1, 3, 1, 1, 3]
    got = affine_transform(ag.constant(x), matrices, interpolation, fill_mode, 0.5).numpy()
    np.testing.assert_allclose(got, _affine_reference(x, matrices, interpolation, fill_mode,
                                                      0.5), rtol=1e-12, atol=1e-12)


def test_affine_transform_gradient_is_the_sampling_weights_transposed():
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(2, 4, 3, 1))
    matrices = rng.uniform(-1.0, 1.0, (2, 6))
    weights = rng.uniform(size=x.shape)
    v = ag.Value(x)
    ag.sum(ag.multiply(affine_transform(v, matrices, "bilinear", "reflect"), weights)) \
        .backward()
    # the map is linear in x: its gradient is the reference applied to unit images
    grad = np.zeros(x.size)
    for k in range(x.size):
        unit = np.zeros(x.size)
        unit[k] = 1
        grad[k] = (_affine_reference(unit.reshape(x.shape), matrices, "bilinear", "reflect",
                                     0.0) * weights).sum()
    np.testing.assert_allclose(v.grad.ravel(), grad, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("make", [lambda: RandomRotation(0.0), lambda: RandomZoom(0.0),
                                  lambda: RandomTranslation(0.0, 0.0)])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_zero_factor_is_the_identity(make, interpolation):
    x = _images((2, 5, 4, 3))
    layer = make()
    layer.interpolation = interpolation
    np.testing.assert_allclose(layer(x).numpy(), x.astype(np.float32), rtol=1e-7)


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_rotation_by_quarter_turns_is_rot90(interpolation):
    x = _images((3, 5, 5, 2))
    for factor, k in ((0.25, 1), (-0.25, -1), (0.5, 2)):
        layer = RandomRotation((factor, factor), interpolation=interpolation,
                               dtype="float64")
        np.testing.assert_allclose(layer(x).numpy(), np.rot90(x, k, axes=(1, 2)), atol=1e-12)
    tall = _images((1, 3, 6, 1))
    np.testing.assert_allclose(RandomRotation((0.5, 0.5), dtype="float64")(tall).numpy(),
                               tall[:, ::-1, ::-1], atol=1e-12)


@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant", "nearest"])
def test_translation_by_whole_pixels_shifts_with_the_fill(fill_mode):
    x = np.arange(20.0).reshape(1, 4, 5, 1)
    # down 1 row (0.25 * 4), left 2 cols (-0.4 * 5)
    layer = RandomTranslation((0.25, 0.25), (-0.4, -0.4), fill_mode=fill_mode,
                              fill_value=-7.0, dtype="float64")
    rows = [_fix(r - 1, 4, fill_mode) for r in range(4)]
    cols = [_fix(c + 2, 5, fill_mode) for c in range(5)]
    want = np.array([[-7.0 if r is None or c is None else x[0, r, c, 0] for c in cols]
                     for r in rows])
    np.testing.assert_array_equal(layer(x).numpy()[0, :, :, 0], want)
    if fill_mode == "reflect":
        np.testing.assert_array_equal(want[0], x[0, 0, [2, 3, 4, 4, 3], 0])


def test_the_random_layers_use_kerass_matrices():
    x = _images((2, 4, 6, 1))
    a = 0.1 * 2 * np.pi
    cos, sin = math.cos(a), math.sin(a)
    rotation = [cos, -sin, (5 - (cos * 5 - sin * 3)) / 2,
                sin, cos, (3 - (sin * 5 + cos * 3)) / 2]
    zoom = [0.5, 0, 2.5 * 0.5, 0, 1.2, 1.5 * -0.2]  # zx = 1 - 0.5, zy = 1 + 0.2
    for layer, matrix in ((RandomRotation((0.1, 0.1), fill_mode="constant"), rotation),
                          (RandomZoom((0.2, 0.2), (-0.5, -0.5), fill_mode="wrap"), zoom)):
        layer = type(layer).from_config({**layer.get_config(), "dtype": "float64"})
        want = _affine_reference(x, [matrix] * 2, "bilinear", layer.fill_mode, 0.0)
        np.testing.assert_allclose(layer(x).numpy(), want, atol=1e-12)
    # a zoom with width_factor=None scales both sides alike
    same = RandomZoom(0.3, seed=2, dtype="float64").transforms(50, 4, 6)
    np.testing.assert_array_equal(same[:, 0], same[:, 4])
    assert np.all((0.7 <= same[:, 0]) & (same[:, 0] <= 1.3)) and np.ptp(same[:, 0]) > 0.2


def test_random_rotation_draws_one_angle_per_image_in_range():
    layer = RandomRotation((-0.1, 0.05), seed=0)
    m = layer.transforms(500, 5, 5)
    angles = np.arctan2(m[:, 3], m[:, 0]) / (2 * np.pi)
    assert angles.min() >= -0.1 and angles.max() <= 0.05
    assert angles.min() < -0.09 and angles.max() > 0.04
    shifts = RandomTranslation(0.5, (0.1, 0.2), seed=0).transforms(500, 4, 10)
    assert np.all(np.abs(shifts[:, 5]) <= 2) and np.all((-2 <= shifts[:, 2])
                                                        & (shifts[:, 2] <= -1))


# --- RandomContrast and RandomBrightness -------------------------------------------------------
@needs_torch
def test_random_contrast_formula_and_gradient():
    x = _images((4, 3, 5, 2), high=255)
    layer = RandomContrast((0.5, 0.3), seed=0, dtype="float64")
    v = ag.Value(x)
    y = layer(v)
    m = x.mean(axis=(1, 2), keepdims=True)
    # each image's factor, from one pixel left unclipped (f <= 1.3 keeps most inside)
    f = np.array([np.median((yi - mi)[(yi > 0) & (yi < 255)] / (xi - mi)[(yi > 0) & (yi < 255)])
                  for xi, yi, mi in zip(x, y.numpy(), m)])
    assert np.all((0.5 <= f) & (f <= 1.3)) and np.ptp(f) > 0
    want = np.clip((x - m) * f[:, None, None, None] + m, 0, 255)
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-10)
    w = _images(x.shape, seed=3)
    ag.sum(ag.multiply(y, w)).backward()
    t = torch.tensor(x, requires_grad=True)
    tm = t.mean(dim=(1, 2), keepdim=True)
    ((torch.clamp((t - tm) * torch.tensor(f)[:, None, None, None] + tm, 0, 255)
      * torch.tensor(w)).sum()).backward()
    np.testing.assert_allclose(v.grad, t.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_random_contrast_channels_first_means_over_rows_and_cols():
    x = _images((2, 3, 4, 5), high=1)
    last = RandomContrast(0.4, value_range=(0, 1), seed=7, dtype="float64")(
        np.moveaxis(x, 1, -1)).numpy()
    first = RandomContrast(0.4, value_range=(0, 1), seed=7, dtype="float64",
                           data_format="channels_first")(x).numpy()
    np.testing.assert_allclose(first, np.moveaxis(last, -1, 1), rtol=1e-12)


def test_random_brightness_adds_a_fraction_of_the_range_and_clips():
    x = _images((3, 2, 2, 3), high=255)
    y = RandomBrightness((0.1, 0.1), dtype="float64")(x).numpy()
    np.testing.assert_allclose(y, np.clip(x + 25.5, 0, 255), rtol=1e-12)
    y = RandomBrightness(0.5, value_range=(-1, 1), seed=0, dtype="float64")(x / 255).numpy()
    d = (y - x / 255)[np.abs(y) < 1].reshape(-1)
    assert np.all(np.abs(d) <= 1.0)
    per_image = RandomBrightness(0.5, value_range=(-10, 10), seed=1, dtype="float64")(x / 255)
    shifts = (per_image.numpy() - x / 255).reshape(3, -1)
    np.testing.assert_allclose(shifts, shifts[:, :1].repeat(12, axis=1), atol=1e-12)
    assert np.ptp(shifts[:, 0]) > 0


# --- training against inference, seeds, dtypes ------------------------------------------------
@pytest.mark.parametrize("make", RANDOM)
def test_inference_is_the_identity_and_training_changes_the_images(make):
    x = _images((6, 5, 4, 3), high=200).astype(np.float32)
    layer = make()
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    layer.eval()
    np.testing.assert_array_equal(layer(x).numpy(), x)
    layer.train()
    assert not np.array_equal(layer(x).numpy(), x)
    model = nn.Sequential([nn.Input((5, 4, 3)), make()])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


@pytest.mark.parametrize("make", RANDOM)
def test_a_seed_gives_the_same_draws_and_the_global_seed_too(make):
    x = _images((4, 5, 5, 1), high=200)
    a, b = make(), make()
    for _ in range(2):
        np.testing.assert_array_equal(a(x).numpy(), b(x).numpy())
    unseeded = make()
    unseeded._start_generator(None)
    ag.manual_seed(3)
    first = unseeded(x).numpy()
    ag.manual_seed(3)
    np.testing.assert_array_equal(unseeded(x).numpy(), first)


@pytest.mark.parametrize("make", RANDOM + [lambda **kw: Resizing(3, 7, **kw),
                                           lambda **kw: CenterCrop(3, 2, **kw),
                                           lambda **kw: RandomCrop(3, 2, seed=0, **kw)])
def test_dtypes_and_shapes(make):
    x = _images((2, 5, 4, 3), high=200)
    for images, dtype in ((ag.constant(x, ag.float64), np.float64),
                          (ag.constant(x, ag.float32), np.float32),
                          (x.astype(np.uint8), np.float32)):
        y = make()(images)
        assert y.dtype == dtype
        unbatched = make()(images[0] if isinstance(images, np.ndarray) else
                           ag.getitem(images, 0))
        assert unbatched.shape == y.shape[1:]
    assert make(dtype="float64")(x.astype(np.float32)).dtype == np.float64


# --- configs and files --------------------------------------------------------------------------
ALL = [Resizing(5, 6, interpolation="nearest", crop_to_aspect_ratio=True, name="r"),
       CenterCrop(2, 3, data_format="channels_first"), RandomCrop(3, 3, seed=4),
       RandomFlip("vertical", seed=2), RandomRotation((-0.2, 0.1), fill_mode="constant",
                                                      fill_value=1.5, interpolation="nearest"),
       RandomZoom(0.2, (-0.3, 0.4), fill_mode="wrap", seed=1),
       RandomTranslation(0.1, 0.2, fill_mode="nearest"),
       RandomContrast((0.2, 0.5), value_range=(0, 1), seed=9),
       RandomBrightness(0.3, value_range=[-1, 1], dtype="float64")]


@pytest.mark.parametrize("layer", ALL, ids=lambda layer: type(layer).__name__)
def test_config_round_trips_through_json(layer):
    config = layer.get_config()
    again = type(layer).from_config(json.loads(json.dumps(config)))
    assert again.get_config() == json.loads(json.dumps(config))
    assert type(again) is type(layer)


def test_tutorial_model_saves_loads_and_trains(tmp_path):
    data_augmentation = nn.Sequential([RandomFlip("horizontal", seed=0),
                                       RandomRotation(0.1, seed=1), RandomZoom(0.1, seed=2)])
    model = nn.Sequential([nn.Input((8, 8, 3)), Resizing(6, 6), data_augmentation,
                           RandomCrop(4, 4, seed=3), nn.Flatten(), nn.Dense(1, seed=0)])
    x = _images((4, 8, 8, 3)).astype(np.float32)
    model.compile("sgd", "mse")
    model.fit(x, np.ones((4, 1)), epochs=1, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = nn.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
    assert loaded.layers[1].layers[1].get_config()["factor"] == 0.1


# --- arguments refused --------------------------------------------------------------------------
@pytest.mark.parametrize("make, pattern", [
    (lambda: Resizing(0, 3, name="a"), r"Resizing 'a': height must be a positive integer"),
    (lambda: Resizing(3, 2.5), r"width must be a positive integer"),
    (lambda: Resizing(3, 3, interpolation="bicubic"), r"interpolation must be one of"),
    (lambda: Resizing(3, 3, data_format="nhwc"), r"data_format must be"),
    (lambda: CenterCrop(3, -1), r"CenterCrop .*width"),
    (lambda: RandomCrop(3, 3, seed=-1), r"RandomCrop .*seed must be an int"),
    (lambda: RandomFlip("diagonal"), r"RandomFlip .*mode must be one of"),
    (lambda: RandomRotation(1.5), r"RandomRotation .*factor must lie in \[-1.0, 1.0\]"),
    (lambda: RandomRotation((0.2, 0.1)), r"factor has an upper bound below"),
    (lambda: RandomRotation((0.1, 0.2, 0.3)), r"factor must be a number or a pair"),
    (lambda: RandomRotation("0.1"), r"factor must be a finite number"),
    (lambda: RandomRotation(0.1, fill_mode="mirror"), r"fill_mode must be one of"),
    (lambda: RandomRotation(0.1, fill_value=math.nan), r"fill_value must be a finite"),
    (lambda: RandomZoom(0.1, width_factor=2), r"RandomZoom .*width_factor must lie"),
    (lambda: RandomTranslation(-1.2, 0.1), r"RandomTranslation .*height_factor must lie"),
    (lambda: RandomContrast(-0.1), r"RandomContrast .*factor must be a number in \[0, 1\]"),
    (lambda: RandomContrast((1.5, 0.2)), r"factor must be"),
    (lambda: RandomContrast(0.2, value_range=(1, 0)), r"value_range must be a pair"),
    (lambda: RandomBrightness(0.2, value_range=(0,)), r"RandomBrightness .*value_range"),
    (lambda: RandomBrightness(True), r"factor must be a finite number"),
])
def test_bad_arguments_raise_naming_the_layer_and_argument(make, pattern):
    with pytest.raises(ValueError, match=pattern):
        make()


def test_bad_rank_raises_and_a_refused_call_draws_nothing():
    layer = RandomRotation(0.2, seed=0)
    twin = RandomRotation(0.2, seed=0)
    with pytest.raises(ValueError, match=r"RandomRotation 'random_rotation.*': expected "
                                         r"images .* got shape \(2, 3\)"):
        layer(np.ones((2, 3)))
    x = _images((2, 4, 4, 1))
    np.testing.assert_array_equal(layer(x).numpy(), twin(x).numpy())

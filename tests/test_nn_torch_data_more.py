"""ag.Generator, nn's samplers, DataLoader's sampler/batch_sampler/IterableDataset
arguments, ConcatDataset/ChainDataset and default_collate (nn/torch_samplers.py,
torch_dataloader.py, torch_collate.py, torch_data.py, autograd_core/generator.py) against
torch.utils.data 2.13: the same lengths, batches and errors wherever the outcome does not
depend on the random numbers, PyTorch's generator contract (one seed, one stream,
independent of the global seed, in every process), sampling frequencies within
statistical bounds, and two ports: the docs' MyIterableDataset and an imbalanced-dataset
training loop with a WeightedRandomSampler."""

import doctest
import importlib
import math
import pathlib
import subprocess
import sys
from collections import OrderedDict, namedtuple

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim

torch = pytest.importorskip("torch")
tdata = torch.utils.data


def arrays(n=10):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 3)).astype(np.float32), np.arange(n)


def draws(g):
    """One draw from every function that takes generator=."""
    w = ag.Value([0.2, 0.0, 0.5, 0.3])
    return [ag.randperm(7, generator=g), ag.randn(2, 3, generator=g), ag.rand(4, generator=g),
            ag.randint(0, 9, (5,), generator=g), ag.normal(0.0, 2.0, (3,), generator=g),
            ag.normal(ag.zeros(3), ag.ones(3), generator=g),
            ag.multinomial(w, 2, generator=g), ag.bernoulli(ag.full((6,), 0.5), generator=g),
            ag.poisson(ag.full((3,), 4.0), generator=g)]


def same(a, b):
    return all(np.array_equal(x.numpy(), y.numpy()) for x, y in zip(a, b))


@pytest.mark.parametrize("name", ["autograd_core.generator", "nn.torch_samplers",
                                  "nn.torch_collate", "nn.torch_dataloader", "nn.torch_data"])
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name), verbose=False)
    assert result.attempted > 0 and result.failed == 0


# --- ag.Generator ------------------------------------------------------------------------


def test_a_generator_keeps_pytorchs_seeding_interface():
    g = ag.Generator()
    assert g.initial_seed() == torch.Generator().initial_seed()  # PyTorch's default seed
    assert g.manual_seed(42) is g and g.initial_seed() == 42
    assert g.manual_seed(-1).initial_seed() == torch.Generator().manual_seed(-1).initial_seed()
    new = g.seed()
    assert isinstance(new, int) and g.initial_seed() == new
    assert g.device == "cpu" and ag.Generator(device="cpu").device == "cpu"


def test_the_same_seed_gives_the_same_draws_and_other_seeds_differ():
    first = draws(ag.Generator().manual_seed(42))
    assert same(first, draws(ag.Generator().manual_seed(42)))
    other = draws(ag.Generator().manual_seed(43))
    assert not np.array_equal(first[1].numpy(), other[1].numpy())
    g = ag.Generator().manual_seed(42)
    draws(g)
    assert not same(draws(g), first)  # the stream moves on
    assert same(draws(g.manual_seed(42)), first)  # reseeding starts it again


def test_a_generator_is_independent_of_the_global_seed():
    ag.manual_seed(0)
    a = draws(ag.Generator().manual_seed(5))
    after_a = ag.rand(3).numpy()
    ag.manual_seed(1)
    b = draws(ag.Generator().manual_seed(5))
    assert same(a, b)
    ag.manual_seed(0)
    assert np.array_equal(ag.rand(3).numpy(), after_a)  # drawing from g left the global alone


def test_get_state_and_set_state_round_trip():
    g = ag.Generator().manual_seed(3)
    ag.randn(5, generator=g)
    state = g.get_state()
    assert state.dtype == np.uint8 and state.ndim == 1
    ahead = draws(g)
    assert g.set_state(state) is g
    assert same(draws(g), ahead)
    twin = ag.Generator().set_state(state)
    assert same(draws(twin), ahead)
    clone = g.set_state(state).clone_state()
    assert clone is not g and same(draws(clone), draws(g))


@pytest.mark.parametrize("call,error,words", [
    (lambda g: g.manual_seed(1.5), TypeError, ["Generator.manual_seed", "seed", "1.5"]),
    (lambda g: g.manual_seed(True), TypeError, ["Generator.manual_seed", "seed"]),
    (lambda g: g.manual_seed(2**64), ValueError, ["Generator.manual_seed", "seed"]),
    (lambda g: g.set_state(np.zeros(3, np.uint8)), ValueError, ["Generator.set_state", "(3,)"]),
    (lambda g: g.set_state(g.get_state().numpy().astype(np.int64)), ValueError,
     ["Generator.set_state", "int64"]),
])
def test_a_refused_seed_or_state_leaves_the_stream_as_it_was(call, error, words):
    g, twin = ag.Generator().manual_seed(9), ag.Generator().manual_seed(9)
    with pytest.raises(error) as caught:
        call(g)
    assert all(w in str(caught.value) for w in words)
    assert g.initial_seed() == 9 and same(draws(g), draws(twin))


@pytest.mark.parametrize("call,where", [
    (lambda: ag.randperm(3, generator=3), "randperm"),
    (lambda: ag.randn(3, generator=np.random.default_rng(0)), "randn"),
    (lambda: ag.rand(3, generator="g"), "rand"),
    (lambda: ag.randint(0, 3, (2,), generator=3), "randint"),
    (lambda: ag.normal(0.0, 1.0, (2,), generator=3), "normal"),
    (lambda: ag.multinomial(ag.ones(3), 1, generator=3), "multinomial"),
    (lambda: ag.bernoulli(ag.ones(3), generator=3), "bernoulli"),
])
def test_generator_must_be_a_generator_as_in_pytorch(call, where):
    ag.manual_seed(0)
    expected = ag.rand(2).numpy()
    ag.manual_seed(0)
    with pytest.raises(TypeError, match=f"{where}: generator"):
        call()
    assert np.array_equal(ag.rand(2).numpy(), expected)  # the global stream did not move


def test_randints_pytorch_overloads():
    g = ag.Generator().manual_seed(0)
    assert ag.randint(10, (3,), generator=g).shape == (3,)
    samples = ag.randint(high=4, size=(500,), generator=g).numpy()
    assert samples.min() == 0 and samples.max() == 3


SPLIT = ("import autograd_core as ag, nn, numpy as np\n"
         "parts = nn.random_split(nn.TensorDataset(np.arange(50.0)), [0.8, 0.2],\n"
         "                        generator=ag.Generator().manual_seed(42))\n"
         "print([list(map(int, p.indices)) for p in parts])\n")


def test_random_split_with_a_seeded_generator_is_the_same_in_another_process():
    ag.manual_seed(0)
    here = nn.random_split(nn.TensorDataset(np.arange(50.0)), [0.8, 0.2],
                           generator=ag.Generator().manual_seed(42))
    theirs = tdata.random_split(range(50), [0.8, 0.2],
                                generator=torch.Generator().manual_seed(42))
    assert [len(p) for p in here] == [len(p) for p in theirs] == [40, 10]
    assert sorted(here[0].indices + here[1].indices) == list(range(50))
    ag.manual_seed(1)  # the global seed plays no part
    again = nn.random_split(nn.TensorDataset(np.arange(50.0)), [0.8, 0.2],
                            generator=ag.Generator().manual_seed(42))
    assert [p.indices for p in again] == [p.indices for p in here]
    out = subprocess.run([sys.executable, "-c", SPLIT], capture_output=True, text=True,
                         check=True, cwd=pathlib.Path(__file__).parents[1])
    assert out.stdout.strip() == str([p.indices for p in here])
    other = nn.random_split(nn.TensorDataset(np.arange(50.0)), [0.8, 0.2],
                            generator=ag.Generator().manual_seed(43))
    assert other[0].indices != here[0].indices


# --- samplers ----------------------------------------------------------------------------


@pytest.mark.parametrize("n,batch_size,drop_last", [(10, 3, False), (10, 3, True),
                                                    (9, 3, True), (2, 5, False), (2, 5, True)])
def test_sequential_and_batch_samplers_give_torchs_indices(n, batch_size, drop_last):
    ours = nn.BatchSampler(nn.SequentialSampler(range(n)), batch_size, drop_last)
    theirs = tdata.BatchSampler(tdata.SequentialSampler(range(n)), batch_size, drop_last)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)
    assert list(nn.SequentialSampler(range(n))) == list(tdata.SequentialSampler(range(n)))
    on_a_list = nn.BatchSampler([5, 1, 4, 2, 3], batch_size, drop_last)
    assert list(on_a_list) == list(tdata.BatchSampler([5, 1, 4, 2, 3], batch_size, drop_last))


@pytest.mark.parametrize("num_samples", [None, 4, 10, 23])
def test_random_sampler_without_replacement_chains_permutations(num_samples):
    data = range(10)
    ours = nn.RandomSampler(data, num_samples=num_samples,
                            generator=ag.Generator().manual_seed(0))
    theirs = tdata.RandomSampler(data, num_samples=num_samples)
    drawn = list(ours)
    assert len(ours) == len(theirs) == len(drawn) == len(list(theirs))
    for start in range(0, len(drawn) - len(drawn) % 10, 10):
        assert sorted(drawn[start:start + 10]) == list(range(10))  # each full block
    tail = drawn[len(drawn) - len(drawn) % 10:]
    assert len(set(tail)) == len(tail) and all(isinstance(i, int) for i in drawn)
    if num_samples is None:
        assert drawn != list(range(10))


def test_random_sampler_with_replacement_draws_uniformly():
    g = ag.Generator().manual_seed(1)
    drawn = np.array(list(nn.RandomSampler(range(5), replacement=True, num_samples=20000,
                                           generator=g)))
    assert drawn.min() == 0 and drawn.max() == 4
    freq = np.bincount(drawn, minlength=5) / drawn.size
    assert np.all(np.abs(freq - 0.2) < 5 * math.sqrt(0.2 * 0.8 / drawn.size))


def test_subset_random_sampler_permutes_the_given_indices():
    indices = [7, 3, 11, 20, 5]
    ours = nn.SubsetRandomSampler(indices, generator=ag.Generator().manual_seed(0))
    assert len(ours) == len(tdata.SubsetRandomSampler(indices)) == 5
    passes = [list(ours) for _ in range(4)]
    assert all(sorted(p) == sorted(indices) for p in passes)
    assert len({tuple(p) for p in passes}) > 1  # a new order each pass


def test_weighted_sampler_frequencies_follow_the_weights_and_skip_zero_weights():
    weights = [0.1, 0.0, 0.4, 0.2, 0.0, 0.3]
    n = 40000
    ours = nn.WeightedRandomSampler(weights, n, generator=ag.Generator().manual_seed(0))
    assert len(ours) == len(tdata.WeightedRandomSampler(weights, n)) == n
    drawn = np.array(list(ours))
    p = np.array(weights) / sum(weights)
    freq = np.bincount(drawn, minlength=6) / n
    assert freq[1] == freq[4] == 0
    bound = 5 * np.sqrt(p * (1 - p) / n)
    assert np.all(np.abs(freq - p) <= bound), (freq, p)
    without = nn.WeightedRandomSampler(weights, 4, replacement=False,
                                       generator=ag.Generator().manual_seed(1))
    for _ in range(20):
        picked = list(without)
        assert len(set(picked)) == 4 and not {1, 4} & set(picked)


def test_random_samplers_follow_their_generator_not_the_global_seed():
    def orders(make):
        ag.manual_seed(0)
        a = list(make(ag.Generator().manual_seed(7)))
        ag.manual_seed(1)
        b = list(make(ag.Generator().manual_seed(7)))
        return a, b, list(make(ag.Generator().manual_seed(8)))

    for make in (lambda g: nn.RandomSampler(range(30), generator=g),
                 lambda g: nn.RandomSampler(range(30), True, 30, generator=g),
                 lambda g: nn.SubsetRandomSampler(list(range(30)), generator=g),
                 lambda g: nn.WeightedRandomSampler(np.ones(30), 30, generator=g)):
        a, b, c = orders(make)
        assert a == b and a != c


SAMPLER_ERRORS = [
    ("RandomSampler", lambda m: m.RandomSampler(range(3), replacement=1), "replacement"),
    ("RandomSampler", lambda m: m.RandomSampler(range(3), num_samples=0), "num_samples"),
    ("RandomSampler", lambda m: m.RandomSampler([]), "num_samples"),
    ("WeightedRandomSampler", lambda m: m.WeightedRandomSampler([1.0], 0), "num_samples"),
    ("WeightedRandomSampler", lambda m: m.WeightedRandomSampler([1.0], True), "num_samples"),
    ("WeightedRandomSampler", lambda m: m.WeightedRandomSampler([1.0], 2, replacement=1),
     "replacement"),
    ("WeightedRandomSampler", lambda m: m.WeightedRandomSampler([[1.0, 2.0]], 2), "weights"),
    ("BatchSampler", lambda m: m.BatchSampler(range(3), 0, False), "batch_size"),
    ("BatchSampler", lambda m: m.BatchSampler(range(3), 2.0, False), "batch_size"),
    ("BatchSampler", lambda m: m.BatchSampler(range(3), 2, 1), "drop_last"),
]


@pytest.mark.parametrize("name,make,argument", SAMPLER_ERRORS)
def test_sampler_argument_errors_are_torchs_and_name_the_class_and_argument(name, make,
                                                                            argument):
    with pytest.raises(Exception) as theirs:
        make(tdata)
    with pytest.raises(type(theirs.value), match=f"{name}: {argument}"):
        make(nn)


def test_weighted_sampler_refuses_weights_it_cannot_draw_from():
    for weights, words in (([1.0, -1.0], "weights"), ([0.0, 0.0], "weights"),
                           ([1.0, np.nan], "weights")):
        with pytest.raises(ValueError, match=f"WeightedRandomSampler: {words}"):
            nn.WeightedRandomSampler(weights, 2)
    with pytest.raises(ValueError, match="WeightedRandomSampler: num_samples=3 without"):
        nn.WeightedRandomSampler([1.0, 0.0, 2.0], 3, replacement=False)
    for make in (lambda: nn.RandomSampler(range(3), generator=3),
                 lambda: nn.SubsetRandomSampler([1], generator=np.random.default_rng()),
                 lambda: nn.WeightedRandomSampler([1.0], 1, generator=torch.Generator())):
        with pytest.raises(TypeError, match="Sampler: generator must be an ag.Generator"):
            make()


# --- DataLoader with samplers ------------------------------------------------------------


def loaders(**kwargs):
    x, y = arrays()
    ours = nn.DataLoader(nn.TensorDataset(x, y), **kwargs)
    torch_kwargs = {k: (list(v) if k in ("sampler", "batch_sampler") else v)
                    for k, v in kwargs.items()}
    theirs = tdata.DataLoader(tdata.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
                              **torch_kwargs)
    return ours, theirs


@pytest.mark.parametrize("kwargs", [
    dict(sampler=[3, 1, 4, 1, 5, 9, 2], batch_size=3),
    dict(sampler=[3, 1, 4, 1, 5, 9, 2], batch_size=3, drop_last=True),
    dict(sampler=[8, 6], batch_size=None),
    dict(batch_sampler=[[0, 1], [9, 2, 5], [4]]),
    dict(sampler=nn.SequentialSampler(range(10)), batch_size=4),
    dict(batch_sampler=nn.BatchSampler(range(10), 4, True)),
])
def test_fixed_samplers_give_torchs_batches(kwargs):
    ours, theirs = loaders(**kwargs)
    assert len(ours) == len(theirs)
    got, expected = list(ours), list(theirs)
    assert len(got) == len(expected)
    for batch, tbatch in zip(got, expected):
        assert len(batch) == len(tbatch)
        for a, b in zip(batch, tbatch):
            assert a.dtype == b.numpy().dtype
            np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("make", [
    lambda m, g: dict(sampler=m.RandomSampler(range(10), generator=g), batch_size=3),
    lambda m, g: dict(sampler=m.RandomSampler(range(10), True, 17, generator=g),
                      batch_size=4, drop_last=True),
    lambda m, g: dict(sampler=m.SubsetRandomSampler([0, 2, 4, 6, 8], generator=g),
                      batch_size=2),
    lambda m, g: dict(sampler=m.WeightedRandomSampler(np.arange(10.0), 13, generator=g),
                      batch_size=5),
    lambda m, g: dict(batch_sampler=m.BatchSampler(m.RandomSampler(range(10), generator=g),
                                                   3, False)),
    lambda m, g: dict(shuffle=True, batch_size=4, generator=g),
])
def test_random_samplers_give_torchs_batch_structure_and_consistent_examples(make):
    x, y = arrays()
    ours = nn.DataLoader(nn.TensorDataset(x, y), **make(nn, ag.Generator().manual_seed(0)))
    theirs = tdata.DataLoader(tdata.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
                              **make(tdata, torch.Generator().manual_seed(0)))
    got, expected = list(ours), list(theirs)
    assert len(ours) == len(theirs) == len(got) == len(expected)
    assert [b[1].shape for b in got] == [tuple(b[1].shape) for b in expected]
    for xb, yb in got:
        np.testing.assert_array_equal(xb.numpy(), x[yb.numpy()])  # rows stay together
    again = nn.DataLoader(nn.TensorDataset(x, y), **make(nn, ag.Generator().manual_seed(0)))
    assert [b[1].tolist() for b in again] == [b[1].tolist() for b in got]


def test_a_shuffling_loaders_generator_sets_the_order_whatever_the_global_seed():
    x, y = arrays(20)

    def order(seed, global_seed):
        ag.manual_seed(global_seed)
        loader = nn.DataLoader(nn.TensorDataset(x, y), batch_size=6, shuffle=True,
                               generator=ag.Generator().manual_seed(seed))
        return [np.concatenate([b[1].numpy() for b in loader]).tolist() for _ in range(2)]

    first = order(1, 0)
    assert first == order(1, 5)
    assert first[0] != first[1]  # each pass a new order
    assert sorted(first[0]) == list(range(20))
    assert order(2, 0) != first


DATALOADER_ERRORS = [
    dict(shuffle=True, sampler=[0, 1]),
    dict(batch_sampler=[[0]], batch_size=2),
    dict(batch_sampler=[[0]], shuffle=True),
    dict(batch_sampler=[[0]], sampler=[0]),
    dict(batch_sampler=[[0]], drop_last=True),
    dict(batch_size=None, drop_last=True),
    dict(num_workers=-1),
    dict(prefetch_factor=2),
    dict(persistent_workers=True),
    dict(timeout=-1),
    dict(batch_size=0),
]


@pytest.mark.parametrize("kwargs", DATALOADER_ERRORS)
def test_dataloader_refuses_what_torch_refuses(kwargs):
    with pytest.raises(ValueError):
        tdata.DataLoader(list(range(4)), **kwargs)
    with pytest.raises(ValueError, match="^DataLoader: ") as caught:
        nn.DataLoader(list(range(4)), **kwargs)
    assert any(name in str(caught.value) for name in kwargs)


def test_dataloader_attributes_are_fixed_after_construction_as_torchs():
    ours, theirs = loaders(batch_size=2)
    for name in ("batch_size", "sampler", "batch_sampler", "drop_last", "dataset"):
        with pytest.raises(ValueError):
            setattr(theirs, name, None)
        with pytest.raises(ValueError, match=f"DataLoader: {name} attribute"):
            setattr(ours, name, None)
    assert ours.batch_size == 2 and len(list(ours)) == 5


def test_worker_arguments_are_accepted_and_batches_come_from_this_thread():
    calls = []
    ours, _ = loaders(batch_size=3)
    busy = nn.DataLoader(ours.dataset, batch_size=3, num_workers=2, pin_memory=True,
                         worker_init_fn=calls.append, persistent_workers=True,
                         prefetch_factor=4, timeout=5)
    assert busy.num_workers == 2 and busy.prefetch_factor == 4
    for a, b in zip(busy, ours):
        np.testing.assert_array_equal(a[0].numpy(), b[0].numpy())
    assert len(busy) == len(ours) == 4 and calls == []
    assert nn.get_worker_info() is None and tdata.get_worker_info() is None


def test_a_map_style_dataset_of_ones_own_and_a_plain_list_load_as_in_torch():
    ours = list(nn.DataLoader([(1, 2.0), (3, 4.0), (5, 6.0)], batch_size=2))
    theirs = list(tdata.DataLoader([(1, 2.0), (3, 4.0), (5, 6.0)], batch_size=2))
    for a, b in zip(ours, theirs):
        for u, v in zip(a, b):
            assert u.dtype == v.numpy().dtype and u.tolist() == v.tolist()
    with pytest.raises(TypeError, match="DataLoader: dataset must be an IterableDataset or "):
        nn.DataLoader(3)


# --- iterable datasets -------------------------------------------------------------------


def make_counting(data):
    class Counting(data.IterableDataset):
        def __init__(self, start, stop, sized=False):
            self.start, self.stop, self.sized = start, stop, sized

        def __iter__(self):
            for i in range(self.start, self.stop):
                yield np.array([i, i * i], np.float32), i

    class SizedCounting(Counting):
        def __len__(self):
            return self.stop - self.start

    return Counting, SizedCounting


def as_lists(batches):
    def plain(x):
        if isinstance(x, (list, tuple)):
            return [plain(e) for e in x]
        return x.tolist() if hasattr(x, "tolist") else x
    return [plain(b) for b in batches]


@pytest.mark.parametrize("batch_size,drop_last", [(3, False), (3, True), (5, True), (1, False),
                                                  (None, False), (20, False), (20, True)])
def test_an_iterable_dataset_loads_as_in_torch(batch_size, drop_last):
    (Counting, Sized), (TCounting, TSized) = make_counting(nn), make_counting(tdata)
    ours = nn.DataLoader(Counting(2, 12), batch_size=batch_size, drop_last=drop_last)
    theirs = tdata.DataLoader(TCounting(2, 12), batch_size=batch_size, drop_last=drop_last)
    got, expected = list(ours), list(theirs)
    assert as_lists(got) == as_lists(expected)
    if batch_size is not None:
        assert [b[0].dtype for b in got] == [np.float32] * len(got)
    with pytest.raises(TypeError):
        len(theirs)
    with pytest.raises(TypeError, match="no len"):
        len(ours)
    sized = nn.DataLoader(Sized(2, 12), batch_size=batch_size, drop_last=drop_last)
    assert len(sized) == len(tdata.DataLoader(TSized(2, 12), batch_size=batch_size,
                                              drop_last=drop_last))


@pytest.mark.parametrize("kwargs,argument", [(dict(shuffle=True), "shuffle"),
                                             (dict(sampler=[0, 1]), "sampler"),
                                             (dict(batch_sampler=[[0]]), "batch_sampler")])
def test_an_iterable_dataset_refuses_samplers_as_in_torch(kwargs, argument):
    (Counting, _), (TCounting, _) = make_counting(nn), make_counting(tdata)
    with pytest.raises(ValueError):
        tdata.DataLoader(TCounting(0, 3), **kwargs)
    with pytest.raises(ValueError, match=f"DataLoader with IterableDataset: expected "
                                         f"unspecified {argument}"):
        nn.DataLoader(Counting(0, 3), **kwargs)


def test_chain_dataset_and_plus_as_in_torch():
    (Counting, Sized), (TCounting, TSized) = make_counting(nn), make_counting(tdata)
    ours = nn.ChainDataset([Sized(0, 3), Sized(10, 12)])
    theirs = tdata.ChainDataset([TSized(0, 3), TSized(10, 12)])
    assert as_lists(ours) == as_lists(theirs) and len(ours) == len(theirs) == 5
    joined = Counting(0, 2) + Counting(5, 6)
    assert isinstance(joined, nn.ChainDataset)
    assert [i for _, i in joined] == [0, 1, 5]
    with pytest.raises(AssertionError):
        list(tdata.ChainDataset([TCounting(0, 1), [1, 2]]))
    with pytest.raises(AssertionError, match=r"ChainDataset: .*list at datasets\[1\]"):
        list(nn.ChainDataset([Counting(0, 1), [1, 2]]))


# --- ConcatDataset -----------------------------------------------------------------------


def test_concat_dataset_indexes_as_torchs_including_negative_indices():
    parts = [list(range(0, 3)), [], list(range(10, 14)), list(range(20, 22))]
    ours, theirs = nn.ConcatDataset(parts), tdata.ConcatDataset(parts)
    assert len(ours) == len(theirs) == 9
    assert ours.cumulative_sizes == theirs.cumulative_sizes
    assert [ours[i] for i in range(-9, 9)] == [theirs[i] for i in range(-9, 9)]
    for bad in (9, 100, -10):
        with pytest.raises(Exception) as expected:
            theirs[bad]
        with pytest.raises(type(expected.value), match="ConcatDataset: "):
            ours[bad]
    x, y = arrays(4)
    both = nn.TensorDataset(x, y) + nn.TensorDataset(x[:2], y[:2])
    assert isinstance(both, nn.ConcatDataset) and len(both) == 6
    assert int(both[5][1].item()) == 1
    batches = list(nn.DataLoader(both, batch_size=4))
    assert [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [0, 1]]


def test_concat_dataset_refuses_what_torch_refuses():
    Counting, _ = make_counting(nn)
    TCounting, _ = make_counting(tdata)
    for ours, theirs in ((lambda: nn.ConcatDataset([]), lambda: tdata.ConcatDataset([])),
                         (lambda: nn.ConcatDataset([[1], Counting(0, 1)]),
                          lambda: tdata.ConcatDataset([[1], TCounting(0, 1)]))):
        with pytest.raises(AssertionError):
            theirs()
        with pytest.raises(AssertionError, match="ConcatDataset: "):
            ours()


# --- default_collate ---------------------------------------------------------------------

Pair = namedtuple("Pair", "image label")


def nested(i, lib):
    """One example of many kinds: dicts in tuples in lists, numbers, numpy scalars, text."""
    tensor = ag.tensor if lib is nn else torch.tensor
    return {"pair": Pair(np.full((2, 2), i, np.float32), i),
            "meta": (float(i) / 2, bool(i % 2), np.int32(i), "name%d" % i),
            "nest": [{"a": np.arange(3, dtype=np.int16) + i}, [i, i + 1]],
            "ordered": OrderedDict(z=np.float64(i), y=tensor(np.array([i, -i], np.float32)))}


def compare(ours, theirs):
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, ag.Value) and not ours.requires_grad
        assert ours.shape == tuple(theirs.shape) and ours.dtype == theirs.numpy().dtype
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        return
    assert type(ours) is type(theirs), (ours, theirs)
    if isinstance(theirs, dict):
        assert list(ours) == list(theirs)
        for key in theirs:
            compare(ours[key], theirs[key])
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            compare(a, b)
    else:
        assert ours == theirs


def test_default_collate_of_nested_examples_matches_torchs():
    ours = nn.default_collate([nested(i, nn) for i in range(3)])
    theirs = tdata.default_collate([nested(i, tdata) for i in range(3)])
    compare(ours, theirs)
    assert ours["pair"].image.shape == (3, 2, 2)


def test_default_collate_makes_constants_of_values_that_require_grad():
    w = ag.Value(np.ones(2), requires_grad=True)
    batch = nn.default_collate([w, w * 2])
    assert not batch.requires_grad and batch.numpy().tolist() == [[1, 1], [2, 2]]


def test_the_loader_collates_nested_examples_as_torchs():
    class Nested(nn.Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return nested(i, nn)

    class TNested(tdata.Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return nested(i, tdata)

    for kwargs in (dict(batch_size=2), dict(batch_size=None), dict(batch_sampler=[[4, 0]])):
        for a, b in zip(nn.DataLoader(Nested(), **kwargs), tdata.DataLoader(TNested(), **kwargs)):
            compare(a, b)


@pytest.mark.parametrize("batch", [[None, None], [np.array(["a"]), np.array(["b"])],
                                   [[1, 2], [1]], [np.zeros(2), np.zeros(3)],
                                   [{"a": np.zeros(2)}, {"a": np.zeros((2, 1))}]])
def test_default_collate_refuses_what_torchs_refuses(batch):
    with pytest.raises(Exception) as theirs:
        tdata.default_collate(batch)
    with pytest.raises(type(theirs.value), match="default_collate: "):
        nn.default_collate(batch)


def test_default_convert_matches_torchs():
    example = (np.zeros(2, np.float32), 3, np.int32(4), "x", [np.ones(1)], {"k": np.ones(2)})
    compare(nn.default_convert(example), tdata.default_convert(example))


# --- ports -------------------------------------------------------------------------------


def my_iterable_dataset(data):
    """torch.utils.data's docs, "Single-process loading" of MyIterableDataset, as written
    there (with ``torch.utils.data`` renamed to ``data``)."""

    class MyIterableDataset(data.IterableDataset):
        def __init__(self, start, end):
            super(MyIterableDataset).__init__()
            assert end > start, "this example code only works with end >= start"
            self.start = start
            self.end = end

        def __iter__(self):
            worker_info = data.get_worker_info()
            if worker_info is None:  # single-process data loading, return the full iterator
                iter_start = self.start
                iter_end = self.end
            else:  # in a worker process
                # split workload
                per_worker = int(math.ceil((self.end - self.start)
                                           / float(worker_info.num_workers)))
                worker_id = worker_info.id
                iter_start = self.start + worker_id * per_worker
                iter_end = min(iter_start + per_worker, self.end)
            return iter(range(iter_start, iter_end))

    ds = MyIterableDataset(start=3, end=7)
    return [list(data.DataLoader(ds, num_workers=0)),
            list(data.DataLoader(ds, batch_size=3)),
            list(data.DataLoader(ds, batch_size=3, drop_last=True))]


def test_the_docs_my_iterable_dataset_ports_by_renaming():
    ours, theirs = my_iterable_dataset(nn), my_iterable_dataset(tdata)
    assert as_lists(theirs[0]) == [[3], [4], [5], [6]]  # the docs' printed output
    assert as_lists(ours) == as_lists(theirs)
    assert all(b.dtype == np.int64 for run in ours for b in run)


def imbalanced_training(lib, tnn, toptim, data, model, x, y, sampler):
    """The usual recipe for an imbalanced dataset: weight each example by 1 / its class's
    count, draw batches with a WeightedRandomSampler, train as usual."""
    dataset = data.TensorDataset(lib.tensor(x), lib.tensor(y))
    loader = data.DataLoader(dataset, batch_size=16, sampler=sampler)
    loss_fn = tnn.CrossEntropyLoss()
    optimizer = toptim.SGD(model.parameters(), lr=0.1)
    losses, seen = [], []
    for X, labels in loader:
        loss = loss_fn(model(X), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        seen.extend(labels.tolist())
    return losses, seen


def test_an_imbalanced_dataset_with_a_weighted_sampler_trains_as_in_torch():
    rng = np.random.default_rng(0)
    y = np.array([0] * 90 + [1] * 10)
    x = (rng.normal(size=(100, 4)) + y[:, None]).astype(np.float32)
    class_counts = np.bincount(y)
    sample_weights = (1.0 / class_counts)[y]
    ag.set_default_dtype(np.float32)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    reference = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(),
                                    torch.nn.Linear(8, 2))
    model.load_state_dict({k: v.detach().numpy() for k, v in reference.state_dict().items()})
    sampler = nn.WeightedRandomSampler(weights=sample_weights, num_samples=len(sample_weights),
                                       replacement=True, generator=ag.Generator().manual_seed(3))
    losses, seen = imbalanced_training(ag, nn, optim, nn, model, x, y, sampler)
    # torch reads the same indices (its own sampler's numbers are not ours)
    drawn = list(nn.WeightedRandomSampler(sample_weights, len(sample_weights),
                                          generator=ag.Generator().manual_seed(3)))
    tlosses, tseen = imbalanced_training(torch, torch.nn, torch.optim, tdata, reference, x, y,
                                         drawn)
    assert seen == tseen == y[drawn].tolist() and len(losses) == 7
    np.testing.assert_allclose(losses, tlosses, rtol=1e-5)
    # the minority class, 10% of the data, is half of what the loop saw (5 sigma)
    share = np.mean(seen)
    assert abs(share - 0.5) < 5 * math.sqrt(0.25 / len(seen))


# --- StackDataset and nn.utils.data -------------------------------------------------------

def test_nn_utils_data_holds_torch_utils_datas_public_names():
    import nn.utils.data as ndata
    provided = set(ndata.__all__)
    # what torch.utils.data has and this library leaves out, on purpose (see the module)
    left_out = {"DistributedSampler", "DFIterDataPipe", "DataChunk", "IterDataPipe",
                "MapDataPipe", "functional_datapipe", "guaranteed_datapipes_determinism",
                "non_deterministic", "runtime_validation", "runtime_validation_disabled",
                "argument_validation"}
    theirs = {n for n in tdata.__all__ if not n.startswith("_")}
    assert provided == theirs - left_out
    for name in provided:  # the same objects as nn's top-level names
        assert getattr(ndata, name) is getattr(nn, name), name


def test_stack_dataset_stacks_examples_as_torchs():
    X, y = arrays(5)
    ours = nn.StackDataset(nn.TensorDataset(X), y)
    theirs = tdata.StackDataset(tdata.TensorDataset(torch.from_numpy(X)), torch.from_numpy(y))
    assert len(ours) == len(theirs) == 5
    named = nn.StackDataset(x=X, label=y)
    t_named = tdata.StackDataset(x=torch.from_numpy(X), label=torch.from_numpy(y))
    for kwargs in (dict(batch_size=2), dict(batch_size=None), dict(batch_size=3, drop_last=True)):
        for a, b in zip(nn.DataLoader(ours, **kwargs), tdata.DataLoader(theirs, **kwargs)):
            compare(a, b)
        for a, b in zip(nn.DataLoader(named, **kwargs), tdata.DataLoader(t_named, **kwargs)):
            compare(a, b)
    assert list(named[3]) == ["x", "label"] and named[3]["label"] == 3


@pytest.mark.parametrize("args, kwargs, words", [
    ((), {}, "at least one dataset"),
    ((np.zeros(2),), {"b": np.zeros(2)}, "either positionally .* or by keyword"),
    ((np.zeros(2), np.zeros(3)), {}, r"same length, got \{'#0': 2, '#1': 3\}"),
    ((), {"a": np.zeros(2), "b": np.zeros(1)}, r"same length, got \{'a': 2, 'b': 1\}"),
])
def test_stack_dataset_refuses_what_torch_refuses(args, kwargs, words):
    with pytest.raises(ValueError):
        tdata.StackDataset(*args, **kwargs)
    with pytest.raises(ValueError, match=f"StackDataset: .*{words}"):
        nn.StackDataset(*args, **kwargs)


def test_ag_utils_data_points_to_nn_utils_data():
    # torch.utils.data renamed as ag.utils.data: the engine has no datasets; it says where
    with pytest.raises(AttributeError, match=r"nn\.utils\.data"):
        ag.utils.data  # noqa: B018
    assert ag.utils.checkpoint is not None

"""nn.DataLoader, TensorDataset, Dataset and random_split (nn/torch_data.py,
torch_dataloader.py) against torch.utils.data: the same batches in the same order,
shuffling that visits every example once per pass and follows the seed, PyTorch's
collation of tuples, dicts and namedtuples, and PyTorch's quickstart training loop over a
DataLoader, ported by renaming."""

from collections import namedtuple

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim

torch = pytest.importorskip("torch")
tdata = torch.utils.data


def dataset_arrays(n=11):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 3)).astype(np.float32), rng.integers(0, 4, size=n)


@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (4, False), (4, True), (11, True),
                                                  (20, False), (None, False)])
def test_batches_match_torch_in_order_values_and_dtypes(batch_size, drop_last):
    x, y = dataset_arrays()
    ours = nn.DataLoader(nn.TensorDataset(x, y), batch_size=batch_size, drop_last=drop_last)
    theirs = tdata.DataLoader(tdata.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
                              batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    got, expected = list(ours), list(theirs)
    assert len(got) == len(expected)
    for (xb, yb), (txb, tyb) in zip(got, expected):
        assert isinstance(xb, ag.Value) and xb.dtype == np.float32 and yb.dtype == np.int64
        np.testing.assert_array_equal(xb.numpy(), txb.numpy())
        np.testing.assert_array_equal(yb.numpy(), tyb.numpy())


def test_shuffling_visits_every_example_once_a_pass_and_follows_the_seed():
    x, y = dataset_arrays(10)
    loader = nn.DataLoader(nn.TensorDataset(x, y), batch_size=3, shuffle=True)
    ag.manual_seed(1)
    first = np.concatenate([yb.numpy() for _, yb in loader])
    second = np.concatenate([yb.numpy() for _, yb in loader])
    assert sorted(first) == sorted(y) == sorted(second)
    assert not np.array_equal(first, second)  # a new order each pass
    ag.manual_seed(1)
    assert np.array_equal(np.concatenate([yb.numpy() for _, yb in loader]), first)
    seeded = [np.concatenate([b[1].numpy() for b in nn.DataLoader(
        nn.TensorDataset(x, y), batch_size=3, shuffle=True, generator=7)]) for _ in range(2)]
    assert np.array_equal(*seeded)


Point = namedtuple("Point", "x label")


class Examples(nn.Dataset):
    """A map-style dataset of its own, as PyTorch's tutorials write them."""

    def __init__(self, kind):
        self.kind = kind

    def __len__(self):
        return 5

    def __getitem__(self, i):
        features, label = np.full(2, i, np.float32), i % 2
        if self.kind == "dict":
            return {"x": features, "label": label}
        if self.kind == "namedtuple":
            return Point(features, label)
        return features, label


class TorchExamples(tdata.Dataset):
    def __init__(self, kind):
        self.ours = Examples(kind)

    def __len__(self):
        return 5

    def __getitem__(self, i):
        return self.ours[i]


@pytest.mark.parametrize("kind", ["tuple", "dict", "namedtuple"])
def test_default_collation_matches_torchs(kind):
    ours = list(nn.DataLoader(Examples(kind), batch_size=2))
    theirs = list(tdata.DataLoader(TorchExamples(kind), batch_size=2))
    for a, b in zip(ours, theirs):
        assert type(a) is type(b)
        items = a.items() if kind == "dict" else enumerate(a)
        for key, value in items:
            expected = b[key]
            assert value.dtype == expected.numpy().dtype
            np.testing.assert_array_equal(value.numpy(), expected.numpy())


def test_a_collate_fn_of_ones_own_and_a_dataset_without_batching():
    loader = nn.DataLoader(Examples("tuple"), batch_size=2, collate_fn=len)
    assert list(loader) == [2, 2, 1]
    single = list(nn.DataLoader(Examples("tuple"), batch_size=None))
    assert len(single) == 5 and single[3][1] == 1


@pytest.mark.parametrize("n,lengths", [(10, [0.5, 0.3, 0.2]), (11, [0.5, 0.5]), (7, [3, 4]),
                                       (5, [0.34, 0.33, 0.33])])
def test_random_split_has_torchs_lengths_and_splits_the_data(n, lengths):
    x, y = dataset_arrays(n)
    parts = nn.random_split(nn.TensorDataset(x, y), lengths, generator=0)
    theirs = tdata.random_split(tdata.TensorDataset(torch.from_numpy(x)), lengths,
                                generator=torch.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [len(p) for p in theirs]
    seen = sorted(int(i) for p in parts for i in p.indices)
    assert seen == list(range(n))
    first = parts[0]
    if len(first):
        np.testing.assert_array_equal(first[0][0].numpy(), x[first.indices[0]])


@pytest.mark.parametrize("make,error,message", [
    (lambda: nn.DataLoader(nn.TensorDataset(np.zeros(3)), batch_size=0), ValueError,
     "batch_size"),
    (lambda: nn.DataLoader(nn.TensorDataset(np.zeros(3)), num_workers=-1), ValueError,
     "num_workers"),
    (lambda: nn.DataLoader(3), TypeError, "__getitem__"),
    (lambda: nn.TensorDataset(np.zeros(3), np.zeros(4)), ValueError, "same first axis"),
    (lambda: nn.TensorDataset(), ValueError, "at least one"),
    (lambda: nn.random_split(nn.TensorDataset(np.zeros(5)), [2, 2]), ValueError, "summing"),
])
def test_bad_arguments_say_what_is_wrong(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_pytorchs_quickstart_loop_over_a_dataloader_ports_by_renaming():
    x, y = dataset_arrays(40)
    ag.set_default_dtype(np.float32)
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 4))
    reference = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(),
                                    torch.nn.Linear(8, 4))
    model.load_state_dict({k: v.detach().numpy() for k, v in reference.state_dict().items()})
    results = []
    for lib, tnn, toptim, data, net in ((ag, nn, optim, nn, model),
                                        (torch, torch.nn, torch.optim, tdata, reference)):
        dataloader = data.DataLoader(data.TensorDataset(lib.tensor(x), lib.tensor(y)),
                                     batch_size=8)
        loss_fn = tnn.CrossEntropyLoss()
        optimizer = toptim.SGD(net.parameters(), lr=1e-1)
        losses = []
        net.train()
        for batch, (X, labels) in enumerate(dataloader):
            X, labels = X.to("cpu"), labels.to("cpu")
            loss = loss_fn(net(X), labels)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            losses.append(loss.item())
        results.append(losses)
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5)

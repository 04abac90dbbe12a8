"""What a refused layer constructor must leave alone, for the tests of layer arguments."""

import numpy as np

import autograd_core as ag
from nn import module as nn_module


def nothing_changes(call):
    """Run a refused ``call``, and check it drew no random numbers and took no name."""
    counts = dict(nn_module._name_counts)
    ag.manual_seed(7)
    call()
    after = ag.random.uniform((5,)).numpy()
    ag.manual_seed(7)
    np.testing.assert_array_equal(after, ag.random.uniform((5,)).numpy())
    assert nn_module._name_counts == counts

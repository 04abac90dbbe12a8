"""PyTorch's ``torch.utils.data`` under one name, so that ``from torch.utils.data import
DataLoader, TensorDataset`` ports as ``from nn.utils.data import DataLoader, TensorDataset``
(the same classes are also ``nn.DataLoader``, ``nn.TensorDataset``, ...): the datasets
(``torch_data``), the loader (``torch_dataloader``), the samplers (``torch_samplers``) and
the collation (``torch_collate``).

PyTorch's DataPipes (deprecated there) and ``DistributedSampler`` (one process here) are not
provided.
"""

from ..torch_collate import default_collate, default_convert
from ..torch_data import (
    ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, Subset, TensorDataset,
    random_split,
)
from ..torch_dataloader import DataLoader, get_worker_info
from ..torch_samplers import (
    BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "Subset",
           "ConcatDataset", "ChainDataset", "random_split", "DataLoader", "get_worker_info",
           "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler", "default_collate", "default_convert"]

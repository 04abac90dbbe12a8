"""Keras's lookup preprocessing layers: categories (strings, integers, number ranges) made
into indices, and indices into one-hot, multi-hot, count or TF-IDF vectors.

    StringLookup / IntegerLookup:   token -> its index in a vocabulary (OOV -> 1, mask -> 0)
    CategoryEncoding:               index i -> e_i (one_hot) or sum of e_i over a sample
    Discretization:                 x -> number of bin boundaries <= x

The vocabulary comes from ``vocabulary=`` or from ``adapt(data)``, which counts the tokens
and keeps the most frequent first (ties: the larger token first, Keras's order), as
Keras 3 does. These layers come before a model's first differentiable layer: their
outputs are constants (int64 indices, or float vectors), with no gradient.

Keras's StringLookup example:

>>> layer = StringLookup()
>>> layer.adapt([["a", "c", "d"], ["d", "z", "b"]])
>>> layer.get_vocabulary()
['[UNK]', 'd', 'z', 'c', 'b', 'a']
>>> layer([["a", "c", "d"], ["d", "z", "b"]]).numpy()
array([[5, 3, 1],
       [1, 2, 4]])

    Hashing:                        value -> fingerprint64(value) % num_bins

Hashing and several OOV indices use TensorFlow's own string hashes, written here in
Python (``fingerprint64``: FarmHash's Fingerprint64, TensorFlow's ``to_hash_bucket_fast``;
``siphash64``: SipHash-2-4, ``to_hash_bucket_strong``, with a salt), so the bins are
TensorFlow's. Not here: ``sparse=True`` and ``ragged=True`` (no sparse or ragged tensors),
and vocabulary files.
"""

import collections
import numbers

import numpy as np

import autograd_core as ag

from . import symbolic
from .base_layer import Layer

__all__ = ["StringLookup", "IntegerLookup", "CategoryEncoding", "Discretization", "Hashing",
           "fingerprint64", "siphash64"]

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _check_choice(value, choices, what, where):
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{where}: {what} must be one of {list(choices)}, got {value!r}")
    return value


def _no_sparse(sparse, where):
    if sparse:
        raise ValueError(f"{where}: sparse=True is not supported (no sparse tensors here); "
                         "use sparse=False")


def _salt(salt, where):
    """Keras's salt: None, an int (used twice) or two ints, the SipHash key."""
    if salt is None:
        return None
    if _is_int(salt):
        return [int(salt), int(salt)]
    if isinstance(salt, (tuple, list)) and len(salt) == 2 and all(_is_int(k) for k in salt):
        return [int(k) for k in salt]
    raise ValueError(f"{where}: the `salt` argument can only be a tuple of size 2 integers, "
                     f"or a single integer. Received: salt={salt!r}.")


def _hash_bucket(texts, num_buckets, salt):
    """TensorFlow's ``to_hash_bucket_fast`` (salt None) or ``_strong`` of each str."""
    if salt is None:
        return np.array([fingerprint64(t.encode("utf-8")) % num_buckets for t in texts],
                        np.int64)
    return np.array([siphash64(salt, t.encode("utf-8")) % num_buckets for t in texts],
                    np.int64)


def _array(x):
    return x.numpy() if isinstance(x, ag.Value) else np.asarray(x)


def encode(indices, output_mode, depth, dtype, count_weights=None, idf_weights=None):
    """Indices (ints in [0, depth); others, the dropped mask tokens, count for nothing)
    as Keras's encodings, a float array of ``dtype``:

    one_hot: (..., n) -> (..., n, depth), or (..., depth) when n == 1;
    multi_hot, count, tf_idf: the last axis is the sample: (..., n) -> (..., depth),
    with 1 (multi_hot), the number of times (count, or the sum of ``count_weights``), or
    that number times ``idf_weights`` (tf_idf) at each index present.
    """
    idx = np.asarray(indices, np.int64)
    if idx.ndim == 0:
        idx = idx[None]
    if output_mode == "one_hot":
        if idx.ndim > 1 and idx.shape[-1] == 1:
            idx = idx[..., 0]
        idx = idx[..., None]
    rows = idx.reshape(-1, idx.shape[-1])
    valid = (rows >= 0) & (rows < depth)
    flat = (np.arange(len(rows))[:, None] * depth + rows)[valid]
    weights = None
    if count_weights is not None and output_mode == "count":
        weights = np.broadcast_to(count_weights, idx.shape).reshape(rows.shape)[valid]
    counts = np.bincount(flat, weights, minlength=len(rows) * depth).reshape(len(rows), depth)
    if output_mode in ("one_hot", "multi_hot"):
        counts = counts > 0
    out = counts.astype(np.float64)
    if output_mode == "tf_idf":
        out = out * idf_weights
    return out.reshape(idx.shape[:-1] + (depth,)).astype(dtype)


class _IndexLookup(Layer):
    """What StringLookup and IntegerLookup share (Keras's ``IndexLookup``): the vocabulary,
    adapt, and the lookup. Index layout (int mode): [mask] [OOV x num_oov_indices] tokens."""

    _shape_pass = False

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                 idf_weights, invert, output_mode, pad_to_max_tokens, sparse, name=None,
                 **kwargs):
        super().__init__(name=name, **kwargs)
        where = self._where = f"{type(self).__name__} {self.name!r}"
        if max_tokens is not None and not (_is_int(max_tokens) and max_tokens > 1):
            raise ValueError(f"{where}: If set, `max_tokens` must be greater than 1. "
                             f"Received: max_tokens={max_tokens!r}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{where}: If pad_to_max_tokens is True, must set `max_tokens`. "
                             f"Received: max_tokens={max_tokens}")
        if not (_is_int(num_oov_indices) and num_oov_indices >= 0):
            raise ValueError(f"{where}: `num_oov_indices` must be greater than or equal to 0. "
                             f"Received: num_oov_indices={num_oov_indices!r}")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        _check_choice(output_mode, OUTPUT_MODES, "output_mode", where)
        if invert and output_mode != "int":
            raise ValueError(f"{where}: `output_mode` must be `'int'` when `invert` is true. "
                             f"Received: output_mode={output_mode}")
        _no_sparse(sparse, where)
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"{where}: `idf_weights` should only be set if `output_mode` is "
                             f"`'tf_idf'`. Received: idf_weights={idf_weights} and "
                             f"output_mode={output_mode}")
        if output_mode == "tf_idf" and vocabulary is not None and idf_weights is None:
            raise ValueError(f"{where}: When specifying the `vocabulary` argument, in TF-IDF "
                             "output mode, the `idf_weights` argument must also be provided.")
        if mask_token is not None:
            self._check_token(mask_token, "mask_token")
        if oov_token is not None:
            self._check_token(oov_token, "oov_token")
        self.max_tokens, self.num_oov_indices = max_tokens, int(num_oov_indices)
        self.mask_token, self.oov_token = mask_token, oov_token
        self.invert, self.output_mode = bool(invert), output_mode
        self.pad_to_max_tokens, self.sparse = bool(pad_to_max_tokens), False
        self._has_input_vocabulary = vocabulary is not None
        self._tokens, self._index, self.idf_weights = [], {}, None
        self._frozen_vocab_size = None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # --- the layout of the indices --------------------------------------------------------
    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def vocabulary_size(self):
        """The number of indices: mask (int mode) and OOV indices, then the tokens."""
        return self._token_start_index() + len(self._tokens)

    def get_vocabulary(self, include_special_tokens=True):
        """The token at each index (with the mask and OOV tokens first, unless
        ``include_special_tokens=False``), so that ``vocab[i]`` is the token of index i."""
        specials = ([self.mask_token] * self._oov_start_index()
                    + [self.oov_token] * self.num_oov_indices)
        return (specials if include_special_tokens else []) + list(self._tokens)

    # --- setting the vocabulary -----------------------------------------------------------
    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Set the vocabulary (and, in tf_idf mode, the idf weights, one per term) directly,
        instead of ``adapt``. The mask and OOV tokens may lead it, in exactly that order;
        in tf_idf mode OOV's weight is then given, else the mean of the weights."""
        where = f"{self._where}: set_vocabulary"
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError(f"{where}: `idf_weights` must be set if output_mode is 'tf_idf'.")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError(f"{where}: `idf_weights` should only be set if output_mode is "
                             f"`'tf_idf'`. Received: output_mode={self.output_mode}")
        if isinstance(vocabulary, str):
            raise ValueError(f"{where}: a vocabulary file is not supported here; pass the "
                             "terms as a list")
        vocab = [self._token(t, "vocabulary") for t in np.ravel(_array(vocabulary)).tolist()]
        if not vocab:
            raise ValueError(f"{where}: Cannot set an empty vocabulary. "
                             f"Received: vocabulary={vocabulary!r}")
        start = self._token_start_index()
        specials = ([self.mask_token] * self._oov_start_index()
                    + [self.oov_token] * self.num_oov_indices)
        found_specials = vocab[:start] == specials
        tokens = vocab[start:] if found_specials else vocab
        repeated = [t for t, n in collections.Counter(tokens).items() if n > 1]
        if repeated:
            raise ValueError(f"{where}: The passed vocabulary has at least one repeated term. "
                             f"Please uniquify your dataset. The repeated terms are: "
                             f"{repeated}")
        for special, what, applies in ((self.mask_token, "mask_token", True),
                                       (self.oov_token, "oov_token", self.invert)):
            if special is not None and applies and special in tokens:
                raise ValueError(f"{where}: Found reserved {what} {special!r} at unexpected "
                                 "location in `vocabulary`. Either remove all mask and OOV "
                                 "tokens, or include them only at the start of the "
                                 f"vocabulary in precisely this order: {specials}.")
        if self.max_tokens is not None and start + len(tokens) > self.max_tokens:
            raise ValueError(f"{where}: Attempted to set a vocabulary larger than the maximum "
                             f"vocab size. Received vocabulary size is {start + len(tokens)}; "
                             f"`max_tokens` is {self.max_tokens}.")
        weights = None
        if idf_weights is not None:
            weights = np.asarray(_array(idf_weights), np.float64)
            if weights.ndim != 1 or len(weights) != len(vocab):
                raise ValueError(f"{where}: `idf_weights` must be the same length as "
                                 f"vocabulary. len(idf_weights) is {weights.size}; "
                                 f"len(vocabulary) is {len(vocab)}")
            if not found_specials:  # the special tokens' weight: the mean of those given
                weights = np.concatenate([np.full(start, weights.mean()), weights])
        self._set_tokens(tokens, weights)

    def _set_tokens(self, tokens, idf_weights):
        self._tokens = list(tokens)
        self._index = {t: i for i, t in enumerate(self._tokens, self._token_start_index())}
        if idf_weights is not None:
            if self.pad_to_max_tokens:
                idf_weights = np.pad(idf_weights, (0, self.max_tokens - len(idf_weights)))
            self.idf_weights = idf_weights.astype(self._float_dtype())
        self._frozen_vocab_size = self.vocabulary_size()

    # --- adapt ----------------------------------------------------------------------------
    def adapt(self, data, steps=None):
        """Build the vocabulary from ``data``: every token, the most frequent first (ties:
        the larger token first), the first ``max_tokens`` minus the special indices kept.
        In tf_idf mode, each sample (row) is a document, and the weight of a token is
        ``log(1 + num_documents / (1 + documents_with_the_token))``; OOV's, their mean.

        Args:
            data: an array or list (a 1-D one is a column: one token per sample), or an
                iterable of such batches (a generator, a list of arrays is one array).
            steps: the number of batches of an iterable to read (all by default).
        Raises:
            ValueError: the layer was given a vocabulary, or the data are of the wrong
                kind; the layer is left unchanged.
        """
        where = f"{self._where}: adapt"
        if self._has_input_vocabulary:
            raise ValueError(f"{where}: Cannot adapt layer {self.name!r} after setting a "
                             "static vocabulary via `vocabulary` argument.")
        if steps is not None and not (_is_int(steps) and steps > 0):
            raise ValueError(f"{where}: steps must be a positive integer or None, got "
                             f"{steps!r}")
        if isinstance(data, (list, tuple, np.ndarray, ag.Value)):
            batches = [self._tokens_of(_column(_array(data)), where)]
        elif hasattr(data, "__iter__") and not isinstance(data, (str, bytes)):
            batches = (self._tokens_of(_array(b[0] if isinstance(b, tuple) else b), where)
                       for i, b in enumerate(data) if steps is None or i < steps)
        else:
            raise TypeError(f"{where}: expected an array, a list or an iterable of batches, "
                            f"got {type(data).__name__}")
        counts, doc_counts, documents = collections.Counter(), collections.Counter(), 0
        for batch in batches:
            docs = batch.reshape(1, -1) if batch.ndim <= 1 else batch.reshape(len(batch), -1)
            counts.update(docs.ravel().tolist())
            if self.output_mode == "tf_idf":
                for doc in docs.tolist():
                    doc_counts.update(set(doc))
                documents += len(docs)
        for special in (self.mask_token, self.oov_token):
            counts.pop(special, None)
        self._finish_adapt(counts, doc_counts, documents)

    def _finish_adapt(self, counts, doc_counts, documents):
        """Keep the tokens by descending count, ties by descending token (Keras's
        ``np.lexsort((tokens, counts))[::-1]``), and their idf weights."""
        order = sorted(counts, key=lambda t: (counts[t], self._sort_key(t)), reverse=True)
        if self.max_tokens:
            order = order[:self.max_tokens - self._token_start_index()]
        weights = None
        if self.output_mode == "tf_idf":
            in_documents = np.array([doc_counts[t] for t in order], np.float64)
            idf = np.log(1 + documents / (1 + in_documents))
            idf = idf.astype(self._float_dtype()).astype(np.float64)
            front = np.full(self._token_start_index(), idf.mean() if idf.size else 0.0)
            weights = np.concatenate([front, idf])
        self._set_tokens(order, weights)

    # --- the call -------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if not symbolic.is_symbolic(args, kwargs):
            return super().__call__(*args, **kwargs)
        self._shape_pass = True  # nn.Input's placeholder zeros: only the shapes count
        try:
            return super().__call__(*args, **kwargs)
        finally:
            self._shape_pass = False

    def call(self, inputs):
        where = self._where
        if self.output_mode != "int" and not self.pad_to_max_tokens \
                and self._frozen_vocab_size is None:
            raise RuntimeError(f"{where}: When using `output_mode={self.output_mode}` and "
                               "`pad_to_max_tokens=False`, you must set the layer's "
                               "vocabulary before calling it. Either pass a `vocabulary` "
                               "argument to the layer, or call `adapt` with some sample data.")
        x = _array(inputs)
        if self._shape_pass:
            x = np.zeros(x.shape, np.int64) if self.invert \
                else np.full(x.shape, self._placeholder(), object)
        if self.invert:
            return self._invert(x)
        indices = self._lookup(self._tokens_of(x, where), where)
        if self.output_mode == "int":
            return ag.constant(indices, np.int64)
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        return ag.constant(encode(indices, self.output_mode, depth, self._float_dtype(),
                                  idf_weights=self.idf_weights))

    def _lookup(self, tokens, where):
        """Each token's index; the mask token's is 0 (int mode) or -1 (dropped)."""
        default = self._oov_start_index() if self.num_oov_indices == 1 else -1
        flat = tokens.ravel().tolist()
        out = np.fromiter((self._index.get(t, default) for t in flat), np.int64, len(flat))
        out = out.reshape(tokens.shape)
        oov = np.fromiter((t not in self._index for t in flat), bool, len(flat))
        oov = oov.reshape(tokens.shape)
        if self.mask_token is not None:
            mask = np.asarray(tokens == self.mask_token, bool)
            out[mask] = 0 if self.output_mode == "int" else -1
            oov &= ~mask
        if self.num_oov_indices == 0 and oov.any():
            raise ValueError(f"{where}: When `num_oov_indices=0` all inputs should be in "
                             f"vocabulary, found OOV values {sorted(set(tokens[oov].tolist()))}"
                             ", consider setting `num_oov_indices=1`.")
        if self.num_oov_indices > 1:
            out[oov] = self._oov_bucket(tokens[oov]) + self._oov_start_index()
        return out

    def _invert(self, x):
        if x.dtype.kind not in "iu":
            raise TypeError(f"{self._where}: with invert=True the inputs are indices, "
                            f"integers; got dtype {x.dtype}")
        vocab = self.get_vocabulary()
        size = len(vocab)
        flat = [vocab[i] if self._token_start_index() <= i < size
                or (i == 0 and self._oov_start_index() == 1) else self.oov_token
                for i in x.ravel().tolist()]
        return self._inverted(flat, x.shape)

    # --- description ----------------------------------------------------------------------
    def get_config(self):
        """Keras's config, with the vocabulary as it is now (given or adapted) and, in
        tf_idf mode, its idf weights: the config alone rebuilds the layer, as a model
        file needs (a layer rebuilt so holds a given vocabulary: it cannot adapt again)."""
        config = super().get_config()
        vocabulary = idf = None
        if self._frozen_vocab_size is not None:
            vocabulary = [_plain(t) for t in self.get_vocabulary()]
            if self.idf_weights is not None:
                idf = self.idf_weights[:len(vocabulary)].tolist()
        config.update(invert=self.invert, max_tokens=self.max_tokens,
                      num_oov_indices=self.num_oov_indices, oov_token=_plain(self.oov_token),
                      mask_token=_plain(self.mask_token), output_mode=self.output_mode,
                      sparse=self.sparse, pad_to_max_tokens=self.pad_to_max_tokens,
                      idf_weights=idf, vocabulary=vocabulary)
        return config

    def extra_repr(self):
        return (f"vocabulary_size={self.vocabulary_size()}, output_mode={self.output_mode!r}"
                + (", invert=True" if self.invert else ""))


def _plain(token):
    return token.item() if isinstance(token, np.generic) else token


def _column(data):
    """adapt's array: a 1-D one is one token per sample, Keras's expand_dims(-1)."""
    return data[:, None] if data.ndim == 1 else data


class StringLookup(_IndexLookup):
    """token -> index in the vocabulary: [mask -> 0,] OOV -> the next num_oov_indices,
    then the tokens in order; output_mode one_hot / multi_hot / count / tf_idf encodes
    those indices (``encode``); invert=True maps indices back to tokens.

    Args (Keras 3's):
        max_tokens=None: the largest vocabulary, mask and OOV indices included.
        num_oov_indices=1: OOV indices (0: an OOV token raises; several: an OOV token
            goes to fingerprint64(token) % num_oov_indices, as TensorFlow's FarmHash64).
        mask_token=None: a token mapped to 0 in int mode and dropped in the others.
        oov_token="[UNK]": what invert=True gives for an unknown index.
        vocabulary=None: the terms, instead of ``adapt``.
        idf_weights=None: with vocabulary= in tf_idf mode, one per term.
        invert=False, output_mode="int", pad_to_max_tokens=False (the encodings' width is
        max_tokens), sparse=False (True is not supported), encoding="utf-8" (of bytes),
        salt=None: an int or two, SipHash-2-4's key for the OOV buckets instead of FarmHash.

    Inputs are strings: a list, or a numpy array of str, bytes or objects. Outputs: an
    int64 Value of the inputs' shape (int), a float Value (the others), or, with
    invert=True, a numpy array of str objects (Keras gives bytes).

    >>> StringLookup(vocabulary=["a", "b", "c", "d"])([["a", "c", "d"], ["d", "z", "b"]]).numpy()
    array([[1, 3, 4],
           [4, 0, 2]])
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", name=None,
                 salt=None, **kwargs):
        self.encoding = encoding
        self.salt = _salt(salt, f"StringLookup {name!r}")
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                         idf_weights, invert, output_mode, pad_to_max_tokens, sparse, name,
                         **kwargs)

    def _check_token(self, token, what):
        if not isinstance(token, (str, bytes)):
            raise TypeError(f"{self._where}: {what} must be a string, got {token!r}")

    def _token(self, t, what):
        if isinstance(t, bytes):
            return t.decode(self.encoding)
        if not isinstance(t, str):
            raise TypeError(f"{self._where}: {what} must hold strings, got "
                            f"{type(t).__name__} {t!r}")
        return t

    def _tokens_of(self, x, where):
        """The inputs as an object array of str."""
        if x.dtype.kind == "U":
            return x.astype(object)
        if x.dtype.kind in "SO":
            flat = [self._token(t, "the inputs") for t in x.ravel().tolist()]
            out = np.empty(len(flat), object)
            out[:] = flat
            return out.reshape(x.shape)
        raise TypeError(f"{where}: expected strings, got an array of dtype {x.dtype}")

    def _sort_key(self, token):
        return token.encode("utf-8")  # TensorFlow's strings are bytes, sorted bytewise

    def _placeholder(self):
        return ""

    def _oov_bucket(self, tokens):
        return _hash_bucket(tokens.tolist(), self.num_oov_indices, self.salt)

    def _inverted(self, flat, shape):
        out = np.empty(len(flat), object)
        out[:] = flat
        return out.reshape(shape)

    def get_config(self):
        config = super().get_config()
        config.update(encoding=self.encoding, salt=self.salt)
        return config


class IntegerLookup(_IndexLookup):
    """StringLookup for integer tokens: token -> index in the vocabulary, [mask -> 0,]
    OOV -> the next num_oov_indices (several: token % num_oov_indices, Keras's default
    ``oov_method="floormod"``, or the hash of its decimal string with "farmhash"), then
    the tokens in order.

    Args (Keras 3's): as StringLookup's, with ``oov_token=-1`` and integer mask and OOV
    tokens; ``vocabulary_dtype="int64"`` (the only one, as in Keras); ``oov_method``
    "floormod" or "farmhash", whose ``salt`` (an int or two) makes it SipHash-2-4.

    >>> layer = IntegerLookup()
    >>> layer.adapt(np.array([[12, 1138, 42], [42, 1000, 36]]))
    >>> layer.get_vocabulary()
    [-1, 42, 1138, 1000, 36, 12]
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False,
                 oov_method="floormod", salt=None, name=None, **kwargs):
        where = f"IntegerLookup {name!r}"
        if vocabulary_dtype != "int64":
            raise ValueError(f"{where}: Only `vocabulary_dtype='int64'` is supported at this "
                             f"time. Received: vocabulary_dtype={vocabulary_dtype!r}")
        _check_choice(oov_method, ("floormod", "farmhash"), "oov_method", where)
        if salt is not None and oov_method != "farmhash":
            raise ValueError(f"{where}: `salt` can only be used when `oov_method='farmhash'`."
                             f" Received: oov_method={oov_method}")
        self.vocabulary_dtype, self.oov_method = "int64", oov_method
        self.salt = _salt(salt, where)
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                         idf_weights, invert, output_mode, pad_to_max_tokens, sparse, name,
                         **kwargs)

    def _check_token(self, token, what):
        if not _is_int(token):
            raise TypeError(f"{self._where}: {what} must be an integer, got {token!r}")

    def _token(self, t, what):
        if not _is_int(t):
            raise TypeError(f"{self._where}: {what} must hold integers, got "
                            f"{type(t).__name__} {t!r}")
        return int(t)

    def _tokens_of(self, x, where):
        if x.dtype.kind in "iu":
            return x.astype(np.int64)
        if x.dtype.kind == "O" and all(_is_int(t) for t in x.ravel().tolist()):
            return x.astype(np.int64)
        raise TypeError(f"{where}: expected integers, got an array of dtype {x.dtype}")

    def _sort_key(self, token):
        return token

    def _placeholder(self):
        return 0

    def _oov_bucket(self, tokens):
        if self.oov_method == "floormod":
            return np.mod(tokens, self.num_oov_indices)
        return _hash_bucket([str(t) for t in tokens.tolist()], self.num_oov_indices, self.salt)

    def _inverted(self, flat, shape):
        return ag.constant(np.array(flat, np.int64).reshape(shape), np.int64)

    def get_config(self):
        config = super().get_config()
        config.update(vocabulary_dtype="int64", oov_method=self.oov_method, salt=self.salt)
        return config


class CategoryEncoding(Layer):
    """Integer indices in [0, num_tokens) -> one_hot (e_i per index), multi_hot (1 at each
    index of a sample, the last axis) or count (the number of times, or the sum of
    ``count_weights``); a float Value.

    Args (Keras 3's): num_tokens, output_mode="multi_hot", sparse=False (True is not
    supported).

    >>> CategoryEncoding(num_tokens=4, output_mode="one_hot")([3, 2, 0, 1]).numpy()
    array([[0., 0., 0., 1.],
           [0., 0., 1., 0.],
           [1., 0., 0., 0.],
           [0., 1., 0., 0.]], dtype=float32)
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        where = f"CategoryEncoding {self.name!r}"
        output_mode = {"binary": "multi_hot"}.get(output_mode, output_mode)
        _check_choice(output_mode, ("one_hot", "multi_hot", "count"), "output_mode", where)
        if num_tokens is None:
            raise ValueError(f"{where}: num_tokens must be set to use this layer. If the "
                             "number of tokens is not known beforehand, use the IntegerLookup "
                             "layer instead.")
        if not (_is_int(num_tokens) and num_tokens >= 1):
            raise ValueError(f"{where}: `num_tokens` must be >= 1. Received: "
                             f"num_tokens={num_tokens!r}.")
        _no_sparse(sparse, where)
        self.num_tokens, self.output_mode, self.sparse = int(num_tokens), output_mode, False

    def call(self, inputs, count_weights=None):
        where = f"CategoryEncoding {self.name!r}"
        x = _array(inputs)
        if x.dtype.kind not in "iu":
            if x.dtype.kind == "f" and np.array_equal(x, np.round(x)):
                x = x.astype(np.int64)  # whole floats, as Keras casts them
            else:
                raise TypeError(f"{where}: expected integer indices, got dtype {x.dtype}")
        if x.size and (x.min() < 0 or x.max() >= self.num_tokens):
            raise ValueError(f"{where}: Input values must be in the range 0 <= values < "
                             f"num_tokens with num_tokens={self.num_tokens}; got values from "
                             f"{x.min()} to {x.max()}")
        weights = None
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(f"{where}: `count_weights` is not used when `output_mode` "
                                 f"is not `'count'`. Received output_mode={self.output_mode}")
            weights = np.asarray(_array(count_weights), np.float64)
            if weights.shape != x.shape:
                raise ValueError(f"{where}: count_weights of shape {weights.shape} must have "
                                 f"the inputs' shape {x.shape}")
        return ag.constant(encode(x, self.output_mode, self.num_tokens, self._float_dtype(),
                                  count_weights=weights))

    def get_config(self):
        config = super().get_config()
        config.update(num_tokens=self.num_tokens, output_mode=self.output_mode,
                      sparse=self.sparse)
        return config


class Discretization(Layer):
    """x -> the index of its bin: the number of boundaries b with b <= x
    (``np.digitize``), so bin i is [b[i-1], b[i]); int64, or encoded (one_hot...).

    Args (Keras 3's):
        bin_boundaries=None: the sorted boundaries, or
        num_bins=None: the number of bins, boundaries from ``adapt``'s quantiles.
        epsilon=0.01: adapt's precision (its summary keeps about 1/epsilon values).
        output_mode="int": or "one_hot", "multi_hot", "count" (float Values).
        sparse=False: True is not supported.

    ``adapt`` is Keras 3's numpy algorithm, ported: each batch is summarized by every
    (n*epsilon)-th sorted value, summaries are merged and compressed by interpolating
    cumulative weights, and the boundaries are the interpolated 1/num_bins quantiles, so
    the results are Keras 3's (not TF 2's ``BoostedTreesQuantileStream`` of Keras 2).

    >>> layer = Discretization(bin_boundaries=[0., 1., 2.])
    >>> layer(np.array([[-1.5, 1.0, 3.4, .5], [0.0, 3.0, 1.3, 0.0]])).numpy()
    array([[0, 2, 3, 1],
           [1, 3, 2, 1]])
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, **kwargs):
        super().__init__(**kwargs)
        where = f"Discretization {self.name!r}"
        _check_choice(output_mode, ("int", "one_hot", "multi_hot", "count"), "output_mode",
                      where)
        _no_sparse(sparse, where)
        if num_bins is not None and not (_is_int(num_bins) and num_bins >= 0):
            raise ValueError(f"{where}: `num_bins` must be greater than or equal to 0. "
                             f"Received: `num_bins={num_bins!r}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(f"{where}: Both `num_bins` and `bin_boundaries` should not be "
                             f"set. Received: `num_bins={num_bins}` and "
                             f"`bin_boundaries={bin_boundaries}`")
        if num_bins is None and bin_boundaries is None:
            raise ValueError(f"{where}: You need to set either `num_bins` or "
                             "`bin_boundaries`.")
        if not (isinstance(epsilon, numbers.Real) and 0 < epsilon <= 1):
            raise ValueError(f"{where}: epsilon must be in (0, 1], got {epsilon!r}")
        if bin_boundaries is not None:
            bounds = np.asarray(bin_boundaries, np.float64)
            if bounds.ndim != 1 or np.any(np.diff(bounds) < 0):
                raise ValueError(f"{where}: bin_boundaries must be a sorted list of numbers, "
                                 f"got {bin_boundaries!r}")
            bin_boundaries = bounds.tolist()
        self.bin_boundaries, self.num_bins = bin_boundaries, num_bins
        self.epsilon, self.output_mode, self.sparse = float(epsilon), output_mode, False

    def adapt(self, data, steps=None):
        """Set ``bin_boundaries`` to the num_bins-quantiles of ``data`` (an array, or an
        iterable of batches), Keras 3's approximation (see the class)."""
        where = f"Discretization {self.name!r}: adapt"
        if self.num_bins is None:
            raise ValueError(f"{where}: Cannot adapt a Discretization layer that has been "
                             "initialized with `bin_boundaries`, use `num_bins` instead.")
        if isinstance(data, (np.ndarray, ag.Value)) or not hasattr(data, "__iter__"):
            batches = [data]
        else:
            batches = [b for i, b in enumerate(data) if steps is None or i < steps]
        summary = np.array([[], []], dtype=np.float32)
        for batch in batches:
            values = np.asarray(_array(batch[0] if isinstance(batch, tuple) else batch))
            if values.dtype.kind not in "biuf":
                raise TypeError(f"{where}: the data must be numbers, got dtype {values.dtype}")
            summary = _merge(_summarize(values.astype(np.float32), self.epsilon), summary,
                             self.epsilon)
        if summary.shape[1] == 0:
            raise ValueError(f"{where}: the data holds no values")
        self.bin_boundaries = _compress(summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def call(self, inputs):
        where = f"Discretization {self.name!r}"
        if self.bin_boundaries is None:
            raise ValueError(f"{where}: You need to either pass the `bin_boundaries` argument "
                             "at construction time or call `adapt(dataset)` before you can "
                             "start using the `Discretization` layer.")
        x = _array(inputs)
        if x.dtype.kind not in "biuf":
            raise TypeError(f"{where}: expected numbers, got dtype {x.dtype}")
        bounds = np.asarray(self.bin_boundaries, np.float32)
        indices = np.digitize(x.astype(np.float32), bounds).astype(np.int64)
        if self.output_mode == "int":
            return ag.constant(indices, np.int64)
        return ag.constant(encode(indices, self.output_mode, len(bounds) + 1,
                                  self._float_dtype()))

    def get_config(self):
        config = super().get_config()
        config.update(bin_boundaries=self.bin_boundaries, num_bins=self.num_bins,
                      epsilon=self.epsilon, output_mode=self.output_mode, sparse=self.sparse)
        return config

    @classmethod
    def from_config(cls, config):
        """Keras's: adapted boundaries (with num_bins) are set after construction."""
        config = dict(config)
        bounds = config.pop("bin_boundaries", None) if config.get("num_bins") is not None \
            else None
        layer = cls(**config)
        if bounds is not None:
            layer.bin_boundaries = list(bounds)
        return layer


class Hashing(Layer):
    """value -> fingerprint64(str(value)) % num_bins (TensorFlow's FarmHash64, so the bins
    are TensorFlow's); with ``mask_value``: the mask -> 0, the others -> 1 + their hash
    % (num_bins - 1); with ``salt``: SipHash-2-4 keyed by it. Integers (and floats, cut
    to integers) are hashed as their decimal strings, as ``tf.strings.as_string``.

    Args (Keras 3's): num_bins, mask_value=None, salt=None (an int, used twice, or two),
    output_mode="int" (int64; or "one_hot", "multi_hot", "count": float), sparse=False.

    >>> Hashing(num_bins=3)([["A"], ["B"], ["C"], ["D"], ["E"]]).numpy().ravel()
    array([1, 0, 1, 1, 2])
    >>> Hashing(num_bins=3, salt=[133, 137])([["A"], ["B"], ["C"], ["D"], ["E"]]).numpy().ravel()
    array([1, 2, 1, 0, 2])
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False,
                 **kwargs):
        super().__init__(**kwargs)
        where = f"Hashing {self.name!r}"
        if not (_is_int(num_bins) and num_bins > 0):
            raise ValueError(f"{where}: The `num_bins` for `Hashing` cannot be `None` or "
                             f"non-positive values. Received: num_bins={num_bins!r}.")
        _check_choice(output_mode, ("int", "one_hot", "multi_hot", "count"), "output_mode",
                      where)
        _no_sparse(sparse, where)
        self.salt = _salt(salt, where)
        self.num_bins, self.mask_value = int(num_bins), mask_value
        self.output_mode, self.sparse = output_mode, False

    def call(self, inputs):
        where = f"Hashing {self.name!r}"
        x = _array(inputs)
        if x.dtype.kind == "f":
            x = x.astype(np.int64)  # TensorFlow casts floats to int64 before as_string
        if x.dtype.kind not in "iuUSO":
            raise TypeError(f"{where}: expected strings or integers, got dtype {x.dtype}")
        flat = [t.decode("utf-8") if isinstance(t, bytes) else str(t)
                for t in x.ravel().tolist()]
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = np.array([t == self.mask_value for t in x.ravel().tolist()], bool)
        hashed = _hash_bucket(flat, bins, self.salt)
        if mask is not None:
            hashed = np.where(mask, 0, hashed + 1)
        hashed = hashed.reshape(x.shape)
        if self.output_mode == "int":
            return ag.constant(hashed, np.int64)
        return ag.constant(encode(hashed, self.output_mode, self.num_bins,
                                  self._float_dtype()))

    def get_config(self):
        config = super().get_config()
        config.update(num_bins=self.num_bins, salt=self.salt, mask_value=self.mask_value,
                      output_mode=self.output_mode, sparse=self.sparse)
        return config


# --- Keras 3's quantile summaries (keras/src/layers/preprocessing/discretization.py) -------
def _summarize(values, epsilon):
    """Every step-th sorted value (step = n * epsilon, at least 1), each weighing step."""
    values = np.sort(np.reshape(values, [-1]))
    step = max(values.size / (1.0 / epsilon), 1)
    boundaries = values[int(step - 1)::int(step)]
    return np.stack([boundaries, np.ones_like(boundaries) * step])


def _merge(prev_summary, next_summary, epsilon):
    merged = np.concatenate((prev_summary, next_summary), axis=1)
    merged = np.take(merged, np.argsort(merged[0]), axis=1)
    return _compress(merged, epsilon)


def _compress(summary, epsilon):
    """Values at the cumulative-weight fractions epsilon, 2 epsilon, ..., 1, interpolated."""
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_weight_percents = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_weight_percents, summary[0])
    cum_weights = np.interp(percents, cum_weight_percents, cum_weights)
    new_weights = cum_weights - np.concatenate((np.array([0]), cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype(np.float32)


# --- TensorFlow's string hashes, for Hashing and several OOV indices -----------------------
_M64 = (1 << 64) - 1
_K0, _K1, _K2 = 0xc3a5c85c97cb3127, 0xb492b66fbe98f273, 0x9ae16a3b2f90404f


def _u64(data, i):
    return int.from_bytes(data[i:i + 8], "little")


def _u32(data, i):
    return int.from_bytes(data[i:i + 4], "little")


def _rotr(v, shift):
    return ((v >> shift) | (v << (64 - shift))) & _M64 if shift else v


def _shift_mix(v):
    return v ^ (v >> 47)


def _hash_len16(u, v, mul):
    """Murmur-style mix of two 64-bit words."""
    a = _shift_mix(((u ^ v) * mul) & _M64)
    b = _shift_mix(((v ^ a) * mul) & _M64)
    return (b * mul) & _M64


def _weak_hash32(data, i, a, b):
    """Two words from data[i:i+32] and two seeds (FarmHash's WeakHashLen32WithSeeds)."""
    w, x, y, z = (_u64(data, i + 8 * k) for k in range(4))
    a = (a + w) & _M64
    b = _rotr((b + a + z) & _M64, 21)
    c = a
    a = (a + x + y) & _M64
    b = (b + _rotr(a, 44)) & _M64
    return (a + z) & _M64, (b + c) & _M64


def fingerprint64(data):
    """FarmHash's Fingerprint64 (farmhashna::Hash64) of bytes: TensorFlow's
    ``strings.to_hash_bucket_fast`` is ``fingerprint64(s) % num_buckets``."""
    n = len(data)
    if n <= 16:
        if n >= 8:
            mul = (_K2 + 2 * n) & _M64
            a = (_u64(data, 0) + _K2) & _M64
            b = _u64(data, n - 8)
            c = (_rotr(b, 37) * mul + a) & _M64
            d = ((_rotr(a, 25) + b) * mul) & _M64
            return _hash_len16(c, d, mul)
        if n >= 4:
            mul = (_K2 + 2 * n) & _M64
            return _hash_len16((n + (_u32(data, 0) << 3)) & _M64, _u32(data, n - 4), mul)
        if n > 0:
            y = data[0] + (data[n >> 1] << 8)
            z = n + (data[n - 1] << 2)
            return (_shift_mix(((y * _K2) ^ (z * _K0)) & _M64) * _K2) & _M64
        return _K2
    mul = (_K2 + 2 * n) & _M64
    if n <= 32:
        a = (_u64(data, 0) * _K1) & _M64
        b = _u64(data, 8)
        c = (_u64(data, n - 8) * mul) & _M64
        d = (_u64(data, n - 16) * _K2) & _M64
        return _hash_len16((_rotr((a + b) & _M64, 43) + _rotr(c, 30) + d) & _M64,
                           (a + _rotr((b + _K2) & _M64, 18) + c) & _M64, mul)
    if n <= 64:
        a = (_u64(data, 0) * _K2) & _M64
        b = _u64(data, 8)
        c = (_u64(data, n - 8) * mul) & _M64
        d = (_u64(data, n - 16) * _K2) & _M64
        y = (_rotr((a + b) & _M64, 43) + _rotr(c, 30) + d) & _M64
        z = _hash_len16(y, (a + _rotr((b + _K2) & _M64, 18) + c) & _M64, mul)
        e = (_u64(data, 16) * mul) & _M64
        f = _u64(data, 24)
        g = ((y + _u64(data, n - 32)) * mul) & _M64
        h = ((z + _u64(data, n - 24)) * mul) & _M64
        return _hash_len16((_rotr((e + f) & _M64, 43) + _rotr(g, 30) + h) & _M64,
                           (e + _rotr((f + a) & _M64, 18) + g) & _M64, mul)
    # longer: 64-byte blocks through a 56-byte state, then the last 64 bytes
    seed = 81
    x = (seed * _K2 + _u64(data, 0)) & _M64
    y = (seed * _K1 + 113) & _M64
    z = (_shift_mix((y * _K2 + 113) & _M64) * _K2) & _M64
    v, w = (0, 0), (0, 0)
    end = ((n - 1) // 64) * 64
    for s in range(0, end, 64):
        x = (_rotr((x + y + v[0] + _u64(data, s + 8)) & _M64, 37) * _K1) & _M64
        y = (_rotr((y + v[1] + _u64(data, s + 48)) & _M64, 42) * _K1) & _M64
        x ^= w[1]
        y = (y + v[0] + _u64(data, s + 40)) & _M64
        z = (_rotr((z + w[0]) & _M64, 33) * _K1) & _M64
        v = _weak_hash32(data, s, (v[1] * _K1) & _M64, (x + w[0]) & _M64)
        w = _weak_hash32(data, s + 32, (z + w[1]) & _M64, (y + _u64(data, s + 16)) & _M64)
        z, x = x, z
    mul = (_K1 + ((z & 0xff) << 1)) & _M64
    s = n - 64
    w0 = (w[0] + ((n - 1) & 63)) & _M64
    v0 = (v[0] + w0) & _M64
    w0 = (w0 + v0) & _M64
    v, w = (v0, v[1]), (w0, w[1])
    x = (_rotr((x + y + v[0] + _u64(data, s + 8)) & _M64, 37) * mul) & _M64
    y = (_rotr((y + v[1] + _u64(data, s + 48)) & _M64, 42) * mul) & _M64
    x ^= (w[1] * 9) & _M64
    y = (y + v[0] * 9 + _u64(data, s + 40)) & _M64
    z = (_rotr((z + w[0]) & _M64, 33) * mul) & _M64
    v = _weak_hash32(data, s, (v[1] * mul) & _M64, (x + w[0]) & _M64)
    w = _weak_hash32(data, s + 32, (z + w[1]) & _M64, (y + _u64(data, s + 16)) & _M64)
    z, x = x, z
    return _hash_len16((_hash_len16(v[0], w[0], mul) + _shift_mix(y) * _K0 + z) & _M64,
                       (_hash_len16(v[1], w[1], mul) + x) & _M64, mul)


def siphash64(key, data):
    """SipHash-2-4 of bytes with the 128-bit key (k0, k1): TensorFlow's
    ``strings.to_hash_bucket_strong(s, n, key)`` is ``siphash64(key, s) % n``."""
    k0, k1 = (k & _M64 for k in key)
    v0, v1 = k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d
    v2, v3 = k0 ^ 0x6c7967656e657261, k1 ^ 0x7465646279746573

    def rounds(v0, v1, v2, v3, count):
        for _ in range(count):
            v0 = (v0 + v1) & _M64
            v1 = _rotr(v1, 64 - 13) ^ v0
            v0 = _rotr(v0, 32)
            v2 = (v2 + v3) & _M64
            v3 = _rotr(v3, 64 - 16) ^ v2
            v0 = (v0 + v3) & _M64
            v3 = _rotr(v3, 64 - 21) ^ v0
            v2 = (v2 + v1) & _M64
            v1 = _rotr(v1, 64 - 17) ^ v2
            v2 = _rotr(v2, 32)
        return v0, v1, v2, v3

    n = len(data)
    tail = data[n - n % 8:] + bytes(7 - n % 8) + bytes([n & 0xff])
    blocks = data[:n - n % 8] + tail
    for i in range(0, len(blocks), 8):
        m = _u64(blocks, i)
        v3 ^= m
        v0, v1, v2, v3 = rounds(v0, v1, v2, v3, 2)
        v0 ^= m
    v2 ^= 0xff
    v0, v1, v2, v3 = rounds(v0, v1, v2, v3, 4)
    return v0 ^ v1 ^ v2 ^ v3

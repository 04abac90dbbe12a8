"""Keras's ``TextVectorization``: raw text to integer sequences (or bag-of-words vectors),
the first layer of a text classifier.

    text -> standardize -> split -> ngrams -> StringLookup(mask_token="") -> pad / truncate

"lower_and_strip_punctuation" lowercases ASCII letters (TensorFlow's ``strings.lower``)
and deletes the characters of Keras's regex; "whitespace" splits on runs of ASCII
whitespace. In int mode index 0 is the padding "" and 1 the OOV "[UNK]"; the sequences
are padded with 0 (or cut) to ``output_sequence_length``, or to the longest in the batch.

TensorFlow's "Basic text classification" tutorial:

>>> vectorize_layer = TextVectorization(max_tokens=5000, output_mode="int",
...                                     output_sequence_length=4)
>>> vectorize_layer.adapt(["foo bar", "bar baz", "baz bada boom"])
>>> vectorize_layer([["foo qux bar"], ["qux baz"]]).numpy()
array([[4, 1, 3, 0],
       [1, 2, 0, 0]])
"""

import re

import numpy as np

import autograd_core as ag

from . import symbolic
from .base_layer import Layer
from .lookup import StringLookup, _array, _check_choice, _is_int

__all__ = ["TextVectorization"]

# Keras's punctuation regex (text_vectorization.py); ",-\." is the range , - .
PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_ASCII_SPACE = re.compile(r"[ \t\n\v\f\r]+")


class TextVectorization(Layer):
    """strings -> token indices (batch, output_sequence_length), or (batch, vocabulary)
    vectors in multi_hot / count / tf_idf mode.

    Args (Keras 3's):
        max_tokens=None: the largest vocabulary, "" and "[UNK]" included.
        standardize="lower_and_strip_punctuation": or "lower", "strip_punctuation", None,
            or a callable str -> str (here it gets each Python string, not a tensor).
        split="whitespace": or "character", None, or a callable str -> list of tokens.
        ngrams=None: an int n (1..n-grams) or a tuple of widths; joined by " ".
        output_mode="int": or "multi_hot", "count", "tf_idf" ("one_hot" as Keras allows,
            of each token: (batch, length, vocabulary)).
        output_sequence_length=None: int mode's length (None: the longest in the batch).
        pad_to_max_tokens=False, vocabulary=None, idf_weights=None,
        sparse=False and ragged=False (True is not supported), encoding="utf-8".

    Inputs: a list or array of strings of shape (batch,) or (batch, 1). Outputs: an int64
    Value (int mode) or a float Value.
    """

    _shape_pass = False

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int",
                 output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None,
                 **kwargs):
        kwargs.pop("vocabulary_size", None)  # Keras's config carries it
        super().__init__(name=name, **kwargs)
        where = f"TextVectorization {self.name!r}"
        if not (standardize is None or callable(standardize)):
            _check_choice(standardize, ("lower_and_strip_punctuation", "lower",
                                        "strip_punctuation"), "standardize", where)
        if not (split is None or callable(split)):
            _check_choice(split, ("whitespace", "character"), "split", where)
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        _check_choice(output_mode, ("int", "one_hot", "multi_hot", "count", "tf_idf"),
                      "output_mode", where)
        if isinstance(ngrams, list):
            ngrams = tuple(ngrams)  # a config read back from JSON
        if not (ngrams is None or (_is_int(ngrams) and ngrams >= 1)
                or (isinstance(ngrams, tuple) and ngrams
                    and all(_is_int(n) and n >= 1 for n in ngrams))):
            raise ValueError(f"{where}: `ngrams` must be None, an integer, or a tuple of "
                             f"integers. Received: ngrams={ngrams!r}")
        if output_mode == "int" and not (output_sequence_length is None or (
                _is_int(output_sequence_length) and output_sequence_length >= 0)):
            raise ValueError(f"{where}: `output_sequence_length` must be either None or an "
                             "integer when `output_mode` is 'int'. Received: "
                             f"output_sequence_length={output_sequence_length!r}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError(f"{where}: `output_sequence_length` must not be set if "
                             "`output_mode` is not 'int'. Received "
                             f"output_sequence_length={output_sequence_length}.")
        if ragged:
            raise ValueError(f"{where}: ragged=True is not supported (no ragged tensors); "
                             "use output_sequence_length or the batch's longest sequence")
        self.standardize, self.split, self.ngrams = standardize, split, ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if _is_int(ngrams) else ngrams
        self.output_mode, self.output_sequence_length = output_mode, output_sequence_length
        self.ragged, self.encoding = False, encoding
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            sparse=sparse, encoding=encoding, name=f"{self.name}_lookup")

    # --- the vocabulary, through the inner StringLookup ------------------------------------
    def get_vocabulary(self, include_special_tokens=True):
        """The token of each index: "" (int mode) and "[UNK]" first, then by frequency."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights)

    def adapt(self, data, batch_size=None, steps=None):
        """Build the vocabulary from texts: an array or list of strings ((n,) or (n, 1)),
        or an iterable of such batches (``steps`` of them); ties in frequency go to the
        larger token, as in Keras. In tf_idf mode each text is a document."""
        where = f"TextVectorization {self.name!r}: adapt"
        if isinstance(data, (list, tuple, np.ndarray, ag.Value)):
            batches = [_array(data)]
        elif hasattr(data, "__iter__") and not isinstance(data, (str, bytes)):
            batches = (_array(b[0] if isinstance(b, tuple) else b)
                       for i, b in enumerate(data) if steps is None or i < steps)
        else:
            raise TypeError(f"{where}: expected strings (an array, a list) or an iterable of "
                            f"batches, got {type(data).__name__}")
        self._lookup_layer.adapt(self._preprocess(b, where) for b in batches)

    # --- the call ---------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if not symbolic.is_symbolic(args, kwargs):
            return super().__call__(*args, **kwargs)
        self._shape_pass = True  # nn.Input's placeholder: the shapes only
        try:
            return super().__call__(*args, **kwargs)
        finally:
            self._shape_pass = False

    def call(self, inputs):
        where = f"TextVectorization {self.name!r}"
        x = _array(inputs)
        if self._shape_pass:
            x = np.full(x.shape, "", object)
        tokens = self._preprocess(x, where)
        if self.output_mode != "int":
            return self._lookup_layer(tokens)
        if self.output_sequence_length is not None:
            tokens = tokens[..., :self.output_sequence_length]
        lookup = self._lookup_layer
        indices = lookup._lookup(lookup._tokens_of(tokens, where), where)
        if self.output_sequence_length is not None and indices.shape[-1] < \
                self.output_sequence_length:
            pad = self.output_sequence_length - indices.shape[-1]
            indices = np.pad(indices, [(0, 0)] * (indices.ndim - 1) + [(0, pad)])
        return ag.constant(indices, np.int64)

    def _preprocess(self, x, where):
        """Texts (n,) or (n, 1) -> tokens (n, longest), padded with "" (the mask token:
        index 0 in int mode, dropped in the others) when split; the texts themselves
        (standardized) when split is None."""
        if x.dtype.kind not in "USO":
            raise TypeError(f"{where}: expected strings, got an array of dtype {x.dtype}")
        texts = self._lookup_layer._tokens_of(x, where)
        if self.split is not None and texts.ndim > 1:
            if texts.shape[-1] != 1:
                raise ValueError(f"{where}: When using `TextVectorization` to tokenize "
                                 "strings, the input rank must be 1 or the last shape "
                                 f"dimension must be 1. Received: inputs.shape={x.shape} "
                                 f"with rank={x.ndim}")
            texts = texts[..., 0]
        texts = np.vectorize(self._standardize, otypes=[object])(texts) if texts.size \
            else texts
        if self.split is None:
            if self._ngrams is not None:
                raise ValueError(f"{where}: ngrams need split (the tokens of each text)")
            return texts
        rows = [self._ngrams_of(self._split(t, where)) for t in texts.ravel().tolist()]
        width = max((len(r) for r in rows), default=0)
        out = np.full((len(rows), width), "", object)
        for i, r in enumerate(rows):
            out[i, :len(r)] = r
        return out.reshape(texts.shape + (width,))

    def _standardize(self, text):
        if self.standardize in ("lower", "lower_and_strip_punctuation"):
            text = text.translate(_ASCII_LOWER)
        if self.standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            text = PUNCTUATION.sub("", text)
        if callable(self.standardize):
            text = self.standardize(text)
        return text

    def _split(self, text, where):
        if self.split == "whitespace":
            return [t for t in _ASCII_SPACE.split(text) if t]
        if self.split == "character":
            return list(text)
        tokens = list(self.split(text))
        if not all(isinstance(t, str) for t in tokens):
            raise TypeError(f"{where}: the split callable must return strings, got "
                            f"{tokens!r:.80}")
        return tokens

    def _ngrams_of(self, tokens):
        """TensorFlow's ``strings.ngrams``: all n-grams of each width, width by width."""
        if self._ngrams is None:
            return tokens
        return [" ".join(tokens[i:i + n]) for n in self._ngrams
                for i in range(len(tokens) - n + 1)]

    # --- description ------------------------------------------------------------------------
    def get_config(self):
        """Keras's config, with the vocabulary as it is now (given or adapted) and its idf
        weights, so that the config alone rebuilds the layer (a model file needs it)."""
        for what, fn in (("standardize", self.standardize), ("split", self.split)):
            if callable(fn):
                raise ValueError(f"TextVectorization {self.name!r}: get_config cannot write "
                                 f"the callable {what}={fn!r} as data")
        inner = self._lookup_layer.get_config()
        config = super().get_config()
        config.update(max_tokens=inner["max_tokens"], standardize=self.standardize,
                      split=self.split, ngrams=self.ngrams, output_mode=self.output_mode,
                      output_sequence_length=self.output_sequence_length,
                      pad_to_max_tokens=inner["pad_to_max_tokens"], sparse=False,
                      ragged=False, vocabulary=inner["vocabulary"],
                      idf_weights=inner["idf_weights"], encoding=self.encoding,
                      vocabulary_size=self.vocabulary_size())
        return config

    def extra_repr(self):
        return (f"vocabulary_size={self.vocabulary_size()}, output_mode={self.output_mode!r}, "
                f"output_sequence_length={self.output_sequence_length}")

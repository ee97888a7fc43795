"""slovnet's numpy layers (natasha's NER and morphology taggers) with the same arithmetic and less overhead.

slovnet 0.6.0 (pinned through natasha 1.6.0) runs its CNN taggers in numpy, one text at a time. Four of its
steps cost more than their arithmetic: the word vectors gathered by indexing with two broadcast arrays, `np.pad`
and a second copy before each convolution's matrix product, the CRF's Viterbi pass taking each step's best
scores by fancy indexing with `np.indices` and walking back through numpy scalars, and the encoder's boolean
masking of a batch that has no padding. Here the same values go into the same numpy calls (the convolution's
matrix product gets the same matrix; a maximum is the element its argmax points at), so scores and tags are the
same to the bit (tests/test_fastnn.py checks it against slovnet's own code). On the bundled sample's 2,931 texts
the NER tagger takes 6.1 s instead of 8.6 s on one core.

`install()` swaps the methods in, once, and only on the slovnet version they were written against.
"""
from __future__ import annotations

import threading

import numpy as np

SLOVNET_VERSION = "0.6.0"
_installed = False
_lock = threading.Lock()


def conv1d(self, input):
    """slovnet.exec.model.Conv1d.__call__: the windows of a zero border of `padding` columns, one matrix product.
    The windows matrix is filled straight from the input, a shifted copy per kernel column, rather than through a
    padded copy (np.pad) and a strided view copied again: the same matrix, so the same product."""
    batch_size, in_dim, seq_len = input.shape
    p = self.padding
    filters_count, in_dim, kernel_size = self.weight.shape
    windows_count = seq_len + 2 * p - kernel_size + 1
    windows = np.zeros((batch_size, windows_count, in_dim, kernel_size), dtype=input.dtype)
    steps = input.swapaxes(2, 1)  # batch x seq x in
    for j in range(kernel_size):  # window w, column j sees input position w + j - p (zero outside)
        lo, hi = max(0, p - j), min(windows_count, seq_len + p - j)
        if lo < hi:
            windows[:, lo:hi, :, j] = steps[:, lo + j - p:hi + j - p, :]
    windows = windows.reshape(batch_size * windows_count, in_dim * kernel_size)
    weight = self.weight.array.reshape(filters_count, in_dim * kernel_size)
    output = np.matmul(windows, weight.T) + self.bias.array
    output = output.reshape(batch_size, windows_count, filters_count)
    return output.swapaxes(2, 1)  # batch x filters x windows


def navec_embedding(self, input):
    """slovnet.exec.model.NavecEmbedding.__call__: each word's product-quantisation codes, one flat `take` rather
    than indexing by two broadcast arrays (the same floats, copied)."""
    shape = input.shape
    codes = self.codes.array
    qdim, centroids, chunk = codes.shape
    rows = self.indexes.array[input.flatten()] + self.qdims * centroids  # (words, qdim): rows of the flat table
    output = codes.reshape(qdim * centroids, chunk).take(rows.ravel(), axis=0)
    return output.reshape(*shape, self.dim)


def cnn_encoder(self, input, mask):
    """slovnet.exec.model.CNNEncoder.__call__; a batch with no padded position skips the masking."""
    input = np.swapaxes(input, 2, 1)
    padded = bool(mask.any())
    mask = np.expand_dims(mask, axis=1)
    for layer in self.layers:
        input = layer(input)
        if padded:
            input[mask.repeat(input.shape[1], axis=1)] = 0
    return np.swapaxes(input, 2, 1)


def crf_decode(self, emissions, mask):
    """slovnet.exec.model.CRF.decode: Viterbi, the best path of each sequence as an int array."""
    batch_size, seq_len, tags_num = emissions.shape
    emissions = emissions.swapaxes(1, 0)
    mask = mask.swapaxes(1, 0)
    transitions = self.transitions.array
    full = bool(mask.all())
    history = []
    score = emissions[0]  # batch x tags
    for index in range(1, seq_len):
        score_ = score.reshape(batch_size, tags_num, 1) + transitions + emissions[index].reshape(batch_size, 1, tags_num)
        indexes = score_.argmax(-2)
        score_ = score_.max(-2)  # the element argmax points at
        score = score_ if full else np.where(mask[index].reshape(batch_size, 1), score_, score)
        history.append(indexes)
    sizes = (mask.sum(0) - 1).tolist()
    steps = np.stack(history, axis=1).tolist() if history else [[] for _ in range(batch_size)]  # batch x steps x tags
    batch = []
    for index in range(batch_size):
        best = int(score[index].argmax())
        tags = [best]
        for indexes in reversed(steps[index][:sizes[index]]):
            best = indexes[best]
            tags.append(best)
        tags.reverse()
        batch.append(np.array(tags))
    return batch


_PLACES = (("Conv1d", "__call__", conv1d), ("CNNEncoder", "__call__", cnn_encoder), ("CRF", "decode", crf_decode),
           ("NavecEmbedding", "__call__", navec_embedding))
_slovnets: list[tuple[type, str, object]] = []  # slovnet's own methods, while ours are in


def install() -> bool:
    """Swap the faster methods into slovnet's classes (once); False, leaving slovnet as it is, on another version."""
    global _installed
    with _lock:
        if _installed:
            return True
        try:
            from importlib.metadata import version

            if version("slovnet") != SLOVNET_VERSION:
                return False
        except Exception:
            return False
        from slovnet.exec import model

        for cls_name, method, ours in _PLACES:
            cls = getattr(model, cls_name)
            _slovnets.append((cls, method, cls.__dict__[method]))
            setattr(cls, method, ours)
        _installed = True
        return True


def uninstall() -> None:
    """slovnet's own methods back (for the tests that compare the two)."""
    global _installed
    with _lock:
        while _slovnets:
            cls, method, theirs = _slovnets.pop()
            setattr(cls, method, theirs)
        _installed = False

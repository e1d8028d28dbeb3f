"""word2vec's corpus preparation: vocabulary counts, subsampling, negative table, windows, cached ids.

The corpus is tokenized and looked up once (`corpus_ids`): a flat int32 vector of word ids
(unknown words dropped, as word2vec drops them before windowing) and the sentence of each.
Every epoch then subsamples it and draws the reduced windows in a few vectorized ops.
"""

import numpy as np
import tensorflow as tf

from keras_models.text.fasttext_preprocessor import map_batches, text_batches, tokenize

# A word2vec sentence is at most 10,000 words (gensim's MAX_SENTENCE_LEN); longer ones are split.
MAX_SENTENCE_LEN = 10_000


def is_pretokenized(texts):
    """True for a sequence of token lists (e.g. `corpus_tokens`' output), False for raw strings."""
    if isinstance(texts, (tf.Tensor, tf.data.Dataset, str, bytes)):
        return False
    for text in texts:
        return isinstance(text, (list, tuple))
    return False


def token_batches(texts, lowercase=True, split_punctuation=True, batch_size=8192):
    """Batches of ragged tokens [N, None]: of raw texts (fastText's tokenizer, no `</s>`) or token lists."""
    if is_pretokenized(texts):
        batches = []
        for start in range(0, len(texts), batch_size):
            rows = texts[start : start + batch_size]
            flat = tf.constant([w for row in rows for w in row] or [""], tf.string)[: sum(map(len, rows))]
            batches.append(tf.RaggedTensor.from_row_lengths(flat, [len(row) for row in rows]))
        return batches
    return map_batches(
        lambda t: tokenize(t, lowercase, split_punctuation, eos=False), text_batches(texts, batch_size)
    )


def count_words(batches, min_count=1, max_vocab_size=None):
    """(words, counts) of the words seen at least `min_count` times, most frequent first.

    Ties come in gensim's order (`np.argsort` of the counts in order of first appearance,
    reversed), so the vocabulary, and the hierarchical-softmax tree built from it, are gensim's.
    `max_vocab_size` keeps only that many most frequent words. Invalid UTF-8 tokens are left out.
    """
    uniques, counts = [], []
    for tokens in batches:
        unique, _, count = tf.unique_with_counts(tokens.flat_values)
        uniques.append(unique)
        counts.append(count)
    if not uniques:
        return [], np.zeros([0], np.int64)
    unique, position = tf.unique(tf.concat(uniques, 0))
    totals = tf.math.unsorted_segment_sum(tf.concat(counts, 0), position, tf.size(unique)).numpy()
    keep = totals >= min_count
    words, totals = unique.numpy()[keep], totals[keep]
    order = np.argsort(totals.astype(np.int64))[::-1]  # tf.unique keeps first appearances in order
    vocabulary, kept = [], []
    for word, count in zip(words[order], totals[order]):
        try:
            vocabulary.append(word.decode("utf-8"))
        except UnicodeDecodeError:
            continue
        kept.append(count)
        if max_vocab_size and len(vocabulary) == max_vocab_size:
            break
    return vocabulary, np.asarray(kept, np.int64)


def keep_probabilities(counts, sample):
    """Probability of keeping each occurrence of a word: word2vec's (gensim's) subsampling formula.

    With `t = sample * total` (or `sample * (3 + sqrt 5) / 2` for `sample >= 1`, gensim's shorthand),
    a word seen `c` times is kept with probability `min(1, (sqrt(c / t) + 1) * t / c)`.
    """
    counts = np.asarray(counts, np.float64)
    if not sample or not len(counts):
        return np.ones(len(counts))
    threshold = sample * counts.sum() if sample < 1.0 else int(sample * (3 + np.sqrt(5)) / 2)
    return np.minimum(1.0, (np.sqrt(counts / threshold) + 1) * threshold / np.maximum(counts, 1))


def negative_table(counts, ns_exponent=0.75, domain=2**31 - 1):
    """gensim's `cum_table`: cumulative count**ns_exponent scaled to `domain` (int64 [V]).

    Draw a negative by `searchsorted(table, r, side="left")` with `r` uniform in `[0, table[-1])`.
    """
    powers = np.asarray(counts, np.float64) ** float(ns_exponent)
    if not len(powers):
        return np.zeros([0], np.int64)
    return np.round(np.cumsum(powers) / powers.sum() * domain).astype(np.int64)


def corpus_ids(lookup, batches):
    """(ids int32 [T], sentences int32 [T], texts int32 [T], num_texts): each text's known words, in order.

    `texts` is each position's text; texts longer than `MAX_SENTENCE_LEN` known words
    are split into sentences of that length (windows stop at sentence ends).
    """

    def one_batch(tokens):
        ids = lookup(tokens.flat_values)
        rows = tokens.value_rowids()
        known = ids >= 0
        return tf.cast(ids[known], tf.int32), rows[known], tokens.nrows()

    parts = [one_batch(tokens) for tokens in batches]
    ids = np.concatenate([p[0].numpy() for p in parts] + [np.zeros([0], np.int32)])
    offsets = np.cumsum([0] + [int(p[2]) for p in parts])
    texts = np.concatenate([p[1].numpy() + o for p, o in zip(parts, offsets)] + [np.zeros([0], np.int64)])
    # Position within the text, to split texts longer than MAX_SENTENCE_LEN words.
    starts = np.r_[0, np.flatnonzero(np.diff(texts)) + 1] if len(texts) else np.zeros([0], np.int64)
    position = np.arange(len(texts)) - np.repeat(starts, np.diff(np.r_[starts, len(texts)]))
    sentence_keys = texts * (1 + len(texts) // MAX_SENTENCE_LEN) + position // MAX_SENTENCE_LEN
    _, sentences = np.unique(sentence_keys, return_inverse=True)
    return ids, sentences.astype(np.int32), texts.astype(np.int32), int(offsets[-1])


def context_positions(sentences, effective_windows, centers, window):
    """Context positions of `centers` within their sentence and reduced window.

    Args:
        sentences: int32 [T] sentence of each (kept) position.
        effective_windows: int32 [T] reduced window of each position, in 1..window.
        centers: int [B] positions.
        window: int, the largest window.

    Returns:
        (contexts int64 [B, 2 * window], valid bool [B, 2 * window]); invalid slots are clamped.
    """
    offsets = tf.constant([o for o in range(-window, window + 1) if o], tf.int64)
    centers = tf.cast(centers, tf.int64)
    contexts = centers[:, None] + offsets[None, :]
    size = tf.shape(sentences, out_type=tf.int64)[0]
    inside = (contexts >= 0) & (contexts < size)
    contexts = tf.clip_by_value(contexts, 0, tf.maximum(size - 1, 0))
    same = tf.equal(tf.gather(sentences, contexts), tf.gather(sentences, centers)[:, None])
    near = tf.abs(offsets)[None, :] <= tf.cast(tf.gather(effective_windows, centers), tf.int64)[:, None]
    return contexts, inside & same & near


def window_pairs(sentences, effective_windows, window):
    """All (center, context) position pairs, center-major: the pairs skip-gram trains on."""
    centers = tf.range(tf.size(sentences, out_type=tf.int64))
    contexts, valid = context_positions(sentences, effective_windows, centers, window)
    center_grid = tf.broadcast_to(centers[:, None], tf.shape(contexts))
    return tf.boolean_mask(center_grid, valid), tf.boolean_mask(contexts, valid)


def subsample(ids, sentences, keep_probability, window, seed):
    """One epoch's kept positions and reduced windows (stateless random from `seed`, int64 [2]).

    Returns (kept_ids int32, kept_sentences int32, kept_raw_positions int64, effective_windows int32).
    """
    seeds = tf.random.experimental.stateless_split(seed, 2)
    draw = tf.random.stateless_uniform(tf.shape(ids), seeds[0], dtype=tf.float64)
    kept = tf.where(draw < tf.gather(keep_probability, ids))[:, 0]
    reduced = tf.random.stateless_uniform(tf.shape(kept), seeds[1], 0, window, dtype=tf.int32)
    return tf.gather(ids, kept), tf.gather(sentences, kept), kept, window - reduced


def interleaved_order(texts):
    """Kept positions ordered by (rank within its text, text): every text's first word, then every second...

    Doc2Vec visits documents this way so that a batch holds words of many documents:
    a document vector then takes about one update per step, as in sequential SGD,
    instead of the stale sum of all its words' updates.
    """
    size = tf.size(texts, out_type=tf.int64)
    texts = tf.cast(texts, tf.int64)
    starts = tf.concat([tf.ones([1], tf.bool), tf.not_equal(texts[1:], texts[:-1])], 0)[:size]
    first = tf.where(starts)[:, 0]
    segment = tf.cumsum(tf.cast(starts, tf.int64)) - 1
    rank = tf.range(size) - tf.gather(first, segment)
    return tf.cast(tf.argsort(rank * (tf.reduce_max(texts) + 1) + texts, stable=True), tf.int64)


def strided_order(size, batch_size, stride):
    """Positions 0..size-1 in blocks of `batch_size * stride`, each block visited residue by residue.

    A step of `batch_size` consecutive entries then takes centers `stride` apart: with
    `stride = 2 * window + 1` no two of its windows share a position, so no word occurrence
    gets the stale sum of several of its pairs' updates in one step (sequential SGD applies
    them one after the other); the corpus is still walked in order, block by block.
    """
    positions = tf.range(size, dtype=tf.int64)
    block = batch_size * stride
    offset = positions % block
    key = positions - offset + (offset % stride) * batch_size + offset // stride
    return tf.cast(tf.argsort(key, stable=True), tf.int64)

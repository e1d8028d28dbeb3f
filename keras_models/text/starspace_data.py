"""StarSpace's training examples: collections of entities, a positive pair and shared negatives per batch.

Every training line is a collection of entities, each a bag of feature ids
(a ragged `[lines, entities, ids]` tensor). StarSpace's `trainMode` decides
which entity of a line is the right-hand side (RHS) and which entities form
the left-hand side (LHS):

- 0 and 5: fixed roles, entity 0 is the LHS and entity 1 the RHS (text and
  its label; a word's context and the word);
- 1: a random entity is the RHS, all the others together the LHS (a user's
  other items and one held-out item), drawn afresh every epoch;
- 3: a random entity is the RHS, another random one the LHS (two sentences of
  a document).

As in StarSpace (`trainOneBatch`), each batch shares `neg_search_limit`
negatives: the RHS of random lines. A negative equal to an example's positive
(the same ids) is never used for that example: `negative_mask` says which are.
"""

import numpy as np
import tensorflow as tf

from keras_models.text.fasttext_preprocessor import normalize

LABEL_PREFIX = "__label__"
MAX_WORD_QUERIES = 20_000  # trainMode 5: context -> word queries ranked by `ranking_protocol`
FIXED_ROLES = (0, 5)
SAMPLED_ROLES = (1, 3)
TRAIN_MODES = FIXED_ROLES + SAMPLED_ROLES
_FINGERPRINTS = 2**63 - 1


def entity_keys(ids):
    """[entities, None] ragged ids -> [entities] int64 keys, equal exactly when the id lists are equal."""
    joined = tf.strings.reduce_join(tf.strings.as_string(ids), axis=-1, separator=" ")
    return tf.strings.to_hash_bucket_fast(joined, _FINGERPRINTS)


def negative_mask(positive_keys, negative_keys):
    """[B, L] bool: True where negative j may be used for example i (its ids differ from i's positive)."""
    return tf.not_equal(positive_keys[:, None], negative_keys[None, :])


def usable_lines(entities, train_mode):
    """The lines StarSpace trains on: no empty entity, and two or more entities (exactly two for 0/5)."""
    entities = tf.ragged.boolean_mask(entities, entities.row_lengths(axis=2) > 0)
    count = entities.row_lengths()
    if train_mode in FIXED_ROLES:
        # An empty LHS or RHS was dropped above, leaving one entity in a fixed-role line.
        keep = count == 2
    else:
        keep = count >= 2
    return tf.ragged.boolean_mask(entities, keep)


def training_batches(entities, train_mode, batch_size, neg_search_limit, seed=0):
    """An endless tf.data.Dataset of training batches, reshuffled every epoch; and the batches per epoch.

    Args:
        entities: `tf.RaggedTensor` [lines, entities, ids] int64 (see `usable_lines`).
        train_mode: 0, 1, 3 or 5.
        batch_size: int.
        neg_search_limit: int. Negatives drawn per batch (StarSpace's `negSearchLimit`).
        seed: int.

    Each element is a dict: `lhs`, `rhs` (`tf.SparseTensor` [B, ids]), `negatives`
    (`tf.SparseTensor` [L, ids]), `positive_keys` [B] and `negative_keys` [L].
    """
    if train_mode not in TRAIN_MODES:
        raise ValueError(f"train_mode must be one of {TRAIN_MODES}, got {train_mode}.")
    num_lines = int(entities.nrows())
    if num_lines == 0:
        raise ValueError("no usable training lines: every line lacks a left- or a right-hand side.")
    flat = entities.values  # [all entities, ids]
    line_starts = tf.cast(entities.row_splits[:-1], tf.int64)
    line_sizes = tf.cast(entities.row_lengths(), tf.int64)
    keys = entity_keys(flat)
    batches_per_epoch = -(-num_lines // batch_size)

    def pick(lines, seed_pair):
        """The RHS entity of each line: entity 1 for fixed roles, else a random one."""
        if train_mode in FIXED_ROLES:
            return tf.ones_like(lines)
        uniform = tf.random.stateless_uniform(tf.shape(lines), seed_pair, dtype=tf.float64)
        return tf.cast(uniform * tf.cast(tf.gather(line_sizes, lines), tf.float64), tf.int64)

    @tf.autograph.experimental.do_not_convert
    def make_batch(lines, step):
        seeds = tf.random.experimental.stateless_split(tf.stack([tf.constant(seed, tf.int64), step]), 4)
        right = pick(lines, seeds[0])
        position = tf.ragged.range(tf.gather(line_sizes, lines))
        if train_mode == 1:
            left = tf.not_equal(position, right[:, None])
        elif train_mode == 3:  # another random entity than the RHS
            other = tf.random.stateless_uniform(tf.shape(lines), seeds[1], dtype=tf.float64)
            other = tf.cast(other * tf.cast(tf.gather(line_sizes, lines) - 1, tf.float64), tf.int64)
            left = tf.equal(position, (other + tf.cast(other >= right, tf.int64))[:, None])
        else:
            left = tf.equal(position, 0)
        lhs = tf.ragged.boolean_mask(tf.gather(entities, lines), left).merge_dims(1, 2)
        positives = tf.gather(line_starts, lines) + right
        negative_lines = tf.random.stateless_uniform([neg_search_limit], seeds[2], 0, num_lines, tf.int64)
        negatives = tf.gather(line_starts, negative_lines) + pick(negative_lines, seeds[3])
        return {
            "lhs": lhs.to_sparse(),
            "rhs": tf.gather(flat, positives).to_sparse(),
            "negatives": tf.gather(flat, negatives).to_sparse(),
            "positive_keys": tf.gather(keys, positives),
            "negative_keys": tf.gather(keys, negatives),
        }

    @tf.autograph.experimental.do_not_convert
    def epoch(index):
        order = tf.random.experimental.stateless_shuffle(
            tf.range(num_lines, dtype=tf.int64), seed=tf.stack([tf.constant(seed, tf.int64), index])
        )
        return tf.data.Dataset.range(batches_per_epoch).map(
            lambda b: (
                order[b * batch_size : tf.minimum((b + 1) * batch_size, num_lines)],
                index * 1_000_003 + b,
            )
        )

    options = tf.data.Options()
    options.autotune.enabled = False  # as fasttext_data: nothing to tune, and its thread delays shutdown
    dataset = (
        tf.data.Dataset.range(np.iinfo(np.int64).max)
        .flat_map(epoch)
        .map(make_batch, num_parallel_calls=2)
        .prefetch(8)
        .with_options(options)
    )
    return dataset, batches_per_epoch


def inverse_document_frequencies(entities, num_words):
    """[num_words] float32 smoothed idf, log((1 + n) / (1 + df)) + 1, with every entity a document."""
    flat = entities.values  # [entities, ids]
    ids = tf.cast(flat.flat_values, tf.int64)
    words = ids < num_words
    pairs = tf.unique(tf.boolean_mask(flat.value_rowids() * num_words + ids, words))[0]
    df = tf.math.bincount(tf.cast(pairs % num_words, tf.int32), minlength=num_words, maxlength=num_words)
    n = tf.cast(flat.nrows(), tf.float32)
    return tf.math.log((1.0 + n) / (1.0 + tf.cast(df, tf.float32))) + 1.0


def line_entities(texts, train_mode, preprocessor, ws=5, label_rows=None):
    """Training lines (a list of str) -> entities [lines, entities, ids] of table rows (`usable_lines` next).

    0: the text's ids and its label's row (`label_rows`, [lines] int); 1: each item (token) one
    entity; 3: each tab-separated sentence one entity; 5: `context_windows` of each word.
    """
    if train_mode == 0:
        labels = tf.RaggedTensor.from_uniform_row_length(tf.constant(label_rows, tf.int64), 1)
        return tf.stack([preprocessor.ragged_ids(texts), labels], axis=1)
    if train_mode == 5:
        return context_windows(preprocessor.ragged_ids(texts), ws)
    if train_mode == 1:
        items = preprocessor.tokenize(texts)
        one_per_entity = tf.RaggedTensor.from_uniform_row_length(items.flat_values, 1)
        return tf.RaggedTensor.from_row_splits(preprocessor.ids_from_tokens(one_per_entity), items.row_splits)
    sentences = tf.strings.split(tf.constant(texts, tf.string), "\t")
    return tf.RaggedTensor.from_row_splits(
        preprocessor.ragged_ids(sentences.flat_values), sentences.row_splits
    )


def context_windows(ids, window):
    """[lines, words] ragged ids -> [positions, 2, None] entities: (the words around a word, the word).

    StarSpace's `getWordExamples`: the context of the word at i is the words at
    i - window .. i + window - 1 of its line, the word itself left out.
    """
    values = ids.flat_values
    total = tf.size(values, out_type=tf.int64)
    index = tf.range(total)
    line = ids.value_rowids()
    position = index - tf.gather(ids.row_splits, line)
    length = tf.gather(ids.row_lengths(), line)
    context, keep = [], []
    for offset in (o for o in range(-window, window) if o != 0):
        context.append(tf.gather(values, tf.clip_by_value(index + offset, 0, tf.maximum(total - 1, 0))))
        keep.append((position + offset >= 0) & (position + offset < length))
    context = tf.ragged.boolean_mask(tf.stack(context, axis=1), tf.stack(keep, axis=1))
    words = tf.RaggedTensor.from_uniform_row_length(values, 1)
    return tf.concat([tf.expand_dims(context, 1), tf.expand_dims(words, 1)], axis=1)


def last_sentence(line):
    """The last tab-separated sentence of a line: a trainMode 3 line's document."""
    return line.rsplit("\t", 1)[-1]


def ranking_protocol(texts, labels, train_mode, ws=5, normalize_text=normalize, max_queries=MAX_WORD_QUERIES):
    """(query texts, candidate texts, truth [Q], exclude) of an eval split: queries against all candidates.

    - 0: each text against the split's labels (as `__label__X`, what `StarSpace.embed` reads as a label);
    - 1: a line's items but the last against the split's distinct items;
    - 3: a line's first sentence against the distinct last sentences of the split;
    - 5: a word's context (`ws` words each side, as in training) against the
      split's distinct words, at up to `max_queries` positions evenly spread.

    Items and words are tokens of `normalize_text`. `truth` indexes the candidates. `exclude`
    (trainModes 1 and 5; else None) lists per query the candidates in the query itself, which do
    not compete: a user's other items are not recommended back, a context's words not predicted.
    """
    if train_mode == 0:
        if labels is None or len(labels) != len(texts):
            raise ValueError("trainMode 0 ranks labels: pass one label per text.")
        names = sorted(set(str(label) for label in labels))
        index = {name: i for i, name in enumerate(names)}
        truth = np.array([index[str(x)] for x in labels])
        return list(texts), [LABEL_PREFIX + name for name in names], truth, None
    if train_mode == 3:
        texts = [t for t in texts if "\t" in t]  # a line of one sentence has no pair (training skips it too)
        if not texts:
            raise ValueError("trainMode 3: no line of the split has two tab-separated sentences to rank.")
        candidates = list(dict.fromkeys(last_sentence(t) for t in texts))
        index = {c: i for i, c in enumerate(candidates)}
        truth = np.array([index[last_sentence(t)] for t in texts])
        return [t.split("\t")[0] for t in texts], candidates, truth, None
    lines = [normalize_text(t).split() for t in texts]
    if train_mode == 1:
        pairs = [(items[:-1], items[-1]) for items in lines if len(items) > 1]
    else:
        pairs = [
            (words[max(i - ws, 0) : i] + words[i + 1 : i + ws], word)
            for words in lines
            for i, word in enumerate(words)
            if len(words) > 1
        ]
        pairs = (
            [pairs[i] for i in np.unique(np.linspace(0, len(pairs) - 1, max_queries).astype(int))]
            if pairs
            else []
        )
    if not pairs:
        raise ValueError(f"trainMode {train_mode}: no line of the split has two or more tokens to rank.")
    candidates = sorted({token for line in lines for token in line})
    index = {c: i for i, c in enumerate(candidates)}
    queries = [" ".join(tokens) for tokens, _ in pairs]
    exclude = [
        np.array(sorted({index[t] for t in tokens} - {index[word]}), np.int64) for tokens, word in pairs
    ]
    return queries, candidates, np.array([index[word] for _, word in pairs]), exclude

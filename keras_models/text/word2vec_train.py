"""word2vec's training loop as TensorFlow graphs: one `tf.while_loop` runs many batched SGD steps.

`Trainer` compiles two graphs for a model's tables: `prepare` subsamples one epoch of the
cached corpus ids and draws the reduced windows; `run` walks a range of the kept positions
`batch_size` centers at a time (skip-gram pairs, CBOW / PV-DM windows, PV-DBOW documents)
and applies `word2vec_ops`' sparse updates with the learning rate decaying linearly over
all words, as word2vec does. `train_epochs` drives them with a progress bar per epoch.

Measured choices (tools/bench/word2vec_vs_gensim.py, Moby Dick and AG News, 3-8 seeds):
512 centers per step match gensim's quality (8192 diverge without damping); per-pair
negatives cost ~3x in `[pairs, 1 + K, d]` memory traffic, one negative set shared by the
whole batch is unstable (each drawn row takes thousands of summed updates), while one
set per skip-gram center matches gensim; Doc2Vec walks documents round-robin
(`interleaved_order`), which lifted PV-DBOW's AG News dev accuracy from ~0.51 to ~0.55;
skip-gram with hierarchical softmax takes a step's centers `2 * window + 1` apart
(`strided_order`): WordSim353 rho 0.26 -> 0.28 on AG News and 0.13 -> 0.21 on SpamAssassin
(gensim: 0.30, 0.18); negative sampling, already at gensim's level, stays in corpus order.
"""

import time

import keras
import numpy as np
import tensorflow as tf

from keras_models.text import word2vec_data, word2vec_ops

ARCHITECTURES = ("skipgram", "cbow", "pv_dm", "pv_dbow")
# Centers per call of the `run` graph: a progress-bar update every ~0.1-0.5 s.
CALL_WORDS = 65_536


class Trainer:
    """Compiled training graphs over `words` (input vectors), `output` and optional `docs` (tf.Variables).

    Args:
        architecture: one of `ARCHITECTURES`.
        words, output, docs: tf.Variable tables; `output` is [V, d] for negative
            sampling or the [V - 1, d] node vectors for hierarchical softmax.
        keep_probability: float64 [V] subsampling keep probabilities.
        cum_table: int64 [V] negative-sampling table, or None for hierarchical softmax.
        paths: callable ids -> (nodes, signs) (`HierarchicalSoftmax.paths`) for hierarchical softmax.
        window, negative, batch_size: ints; batch_size is center words per SGD step.
        dbow_words: bool. PV-DBOW also trains skip-gram word vectors.
    """

    def __init__(
        self,
        architecture,
        words,
        output,
        keep_probability,
        window,
        negative,
        batch_size,
        cum_table=None,
        paths=None,
        docs=None,
        dbow_words=False,
    ):
        if architecture not in ARCHITECTURES:
            raise ValueError(f"architecture must be one of {ARCHITECTURES}, got {architecture!r}.")
        self.architecture, self.words, self.output, self.docs = architecture, words, output, docs
        self.keep_probability = tf.constant(keep_probability, tf.float64)
        self.cum_table = None if cum_table is None else tf.constant(cum_table, tf.int64)
        self.paths, self.window, self.negative = paths, int(window), int(negative)
        self.batch_size, self.dbow_words = int(batch_size), bool(dbow_words)
        vector = tf.TensorSpec([None], tf.int32)
        self.prepare = tf.function(
            self._prepare,
            input_signature=[vector, vector, vector, tf.TensorSpec([2], tf.int64)],
            autograph=False,
        )
        scalar = lambda dtype: tf.TensorSpec([], dtype)  # noqa: E731
        self.run = tf.function(
            self._run,
            input_signature=[vector, vector, vector, tf.TensorSpec([None], tf.int64), vector]
            + [scalar(tf.int64), scalar(tf.int64), scalar(tf.float64), scalar(tf.float64), scalar(tf.float64)]
            + [scalar(tf.float32), scalar(tf.float32), tf.TensorSpec([2], tf.int64)],
            autograph=False,
        )

    def _prepare(self, ids, sentences, texts, seed):
        kept_ids, kept_sentences, raw, windows = word2vec_data.subsample(
            ids, sentences, self.keep_probability, self.window, seed
        )
        kept_texts = tf.gather(texts, raw)
        order = tf.range(tf.size(kept_ids, out_type=tf.int64))
        if self.docs is not None:  # a batch spans many documents (see `interleaved_order`)
            order = word2vec_data.interleaved_order(kept_texts)
        elif self.architecture == "skipgram" and self.cum_table is None:
            # Hierarchical softmax: a step's windows do not overlap (see `strided_order`).
            order = word2vec_data.strided_order(
                tf.size(kept_ids, out_type=tf.int64), self.batch_size, 2 * self.window + 1
            )
        return kept_ids, kept_sentences, kept_texts, order, windows

    def _outputs(self, targets, seed, shared):
        """Output rows, labels and weights [B, M] of each center word."""
        if self.cum_table is not None:
            return word2vec_ops.negative_outputs(targets, self.cum_table, self.negative, shared, seed)
        return word2vec_ops.path_outputs(*self.paths(targets))

    def _mean_input_step(self, groups, targets, lr, seed):
        """CBOW, PV-DM and PV-DBOW: one hidden vector per center, the mean of its input rows."""
        hidden = word2vec_ops.gather_hidden(groups, tf.shape(targets)[0])
        outputs = self._outputs(targets, seed, self.negative)  # word2vec's own negatives per example
        error, loss, curvature = word2vec_ops.center_update(
            hidden[:, None, :], None, *outputs, self.output, lr
        )
        word2vec_ops.apply_error(groups, error[:, 0, :], curvature[:, 0])
        return loss, tf.cast(tf.shape(targets)[0], tf.float32)

    def _step(self, kept, centers, lr, seed):
        ids, sentences, texts, _, windows = kept
        targets = tf.gather(ids, centers)
        losses = []
        skipgram = self.architecture == "skipgram" or (self.architecture == "pv_dbow" and self.dbow_words)
        if skipgram or self.architecture in ("cbow", "pv_dm"):
            contexts, valid = word2vec_data.context_positions(sentences, windows, centers, self.window)
            context_ids = tf.gather(ids, contexts)  # [B, 2 * window], clamped where not valid
        if skipgram:
            # Each context word's vector predicts the center word. A center's pairs share its output
            # rows: the center word and `negative` negatives (word2vec draws them per pair).
            mask = tf.cast(valid, tf.float32)
            hidden = tf.gather(self.words, context_ids)
            outputs = self._outputs(targets, seed, self.negative)
            error, loss, curvature = word2vec_ops.center_update(hidden, mask, *outputs, self.output, lr)
            word2vec_ops.apply_error(
                [(self.words, tf.boolean_mask(context_ids, valid), None)],
                tf.boolean_mask(error, valid),
                tf.boolean_mask(curvature, valid),
            )
            losses.append((loss, tf.reduce_sum(mask)))
        if self.architecture in ("cbow", "pv_dm"):
            pairs = tf.where(valid)
            groups = [(self.words, tf.gather_nd(context_ids, pairs), tf.cast(pairs[:, 0], tf.int32))]
            if self.architecture == "pv_dm":
                groups.append((self.docs, tf.gather(texts, centers), None))
            losses.append(self._mean_input_step(groups, targets, lr, seed + [0, 1]))
        if self.architecture == "pv_dbow":
            groups = [(self.docs, tf.gather(texts, centers), None)]
            losses.append(self._mean_input_step(groups, targets, lr, seed + [0, 2]))
        return tf.add_n([loss for loss, _ in losses]), tf.add_n([num for _, num in losses])

    def _run(
        self,
        ids,
        sentences,
        texts,
        order,
        windows,
        start,
        stop,
        done,
        epoch_words,
        total,
        alpha,
        min_alpha,
        seed,
    ):
        """SGD steps over the kept positions `order[start:stop]`; returns (loss sum, examples).

        The learning rate falls linearly with `done` (words of earlier epochs) plus
        this epoch's share of its `epoch_words` passed, over `total` words.
        """
        kept = (ids, sentences, texts, order, windows)
        batch = tf.constant(self.batch_size, tf.int64)
        size = tf.cast(tf.size(ids), tf.float64)

        def body(begin, loss, count):
            centers = order[begin : tf.minimum(begin + batch, stop)]
            progress = (done + tf.cast(begin, tf.float64) / size * epoch_words) / total
            lr = alpha - (alpha - min_alpha) * tf.cast(tf.minimum(progress, 1.0), tf.float32)
            step_loss, step_count = self._step(kept, centers, lr, seed + [0, 4 * begin])
            return begin + batch, loss + step_loss, count + step_count

        _, loss, count = tf.while_loop(
            lambda begin, *_: begin < stop,
            body,
            (start, tf.constant(0.0), tf.constant(0.0)),
            parallel_iterations=1,
        )
        return loss, count


def train_epochs(trainer, corpus, epochs, alpha, min_alpha, seed, verbose=1, after_epoch=None):
    """Trains `epochs` passes over `corpus` (ids, sentences, texts from `corpus_ids`).

    Returns a `keras.callbacks.History` with per-epoch `loss` (mean per example) and
    `words_per_second` (corpus words, before subsampling, per second of the epoch).
    """
    ids, sentences, texts = (tf.constant(np.asarray(a, np.int32)) for a in corpus)
    num_words = int(ids.shape[0])
    if num_words == 0:
        raise ValueError("the texts have no word of the vocabulary; nothing to train on.")
    history = keras.callbacks.History()
    history.history, history.epoch = {"loss": [], "words_per_second": []}, []
    total = float(num_words * epochs)
    for epoch in range(epochs):
        if verbose:
            print(f"Epoch {epoch + 1}/{epochs}")
        bar = keras.utils.Progbar(num_words, verbose=verbose, unit_name="word")
        began = time.perf_counter()
        epoch_seed = tf.constant([seed, epoch], tf.int64)
        kept = trainer.prepare(ids, sentences, texts, epoch_seed)
        size = int(kept[0].shape[0])
        loss, count = 0.0, 0.0
        for start in range(0, size, CALL_WORDS):
            stop = min(start + CALL_WORDS, size)
            step_loss, step_count = trainer.run(
                *kept,
                start,
                stop,
                float(epoch * num_words),
                float(num_words),
                total,
                alpha,
                min_alpha,
                epoch_seed + [7, 0],
            )
            loss, count = loss + float(step_loss), count + float(step_count)
            reached = num_words * stop // size
            bar.update(reached, values=[("loss", float(step_loss) / max(float(step_count), 1.0))])
        elapsed = time.perf_counter() - began
        if after_epoch is not None:
            after_epoch()
        history.epoch.append(epoch)
        history.history["loss"].append(loss / max(count, 1.0))
        history.history["words_per_second"].append(num_words / elapsed)
    return history

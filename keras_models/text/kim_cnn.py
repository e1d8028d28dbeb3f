"""Kim (2014), "Convolutional Neural Networks for Sentence Classification": word vectors, one
convolution layer of several widths, max-over-time pooling, dropout, softmax."""

import keras
import numpy as np

from keras_models.text.raw_text import RawTextInputs, WordSequencePreprocessor, word_classifier_from_texts

VARIANTS = ("rand", "static", "non-static", "multichannel")


def read_word_vectors(path, limit=None):
    """A word2vec text-format file -> {word: np.float32 vector}.

    Each line is `word v1 v2 ... vd`; a first line `count dim` is optional. At
    most `limit` vectors are read when given. Raises ValueError naming the line
    of a malformed file.
    """
    vectors, dim = {}, None
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, start=1):
            fields = line.rstrip("\n").rstrip().split(" ")
            if number == 1 and len(fields) == 2 and all(field.isdigit() for field in fields):
                dim = int(fields[1])  # word2vec's header: count dim
                continue
            if not line.strip():
                continue
            try:
                vector = np.asarray(fields[1:], np.float32)
            except ValueError:
                raise ValueError(f"{path} line {number}: expected `word v1 v2 ...` numbers") from None
            dim = dim or len(vector)
            if len(vector) != dim or not dim:
                raise ValueError(f"{path} line {number}: {len(vector)} numbers, expected {dim}")
            vectors[fields[0]] = vector
            if limit is not None and len(vectors) >= limit:
                break
    if not vectors:
        raise ValueError(f"{path}: no word vectors in it")
    return vectors


def train_word_vectors(texts, dim=300, **kwargs):
    """{word: vector} of our `Word2Vec` trained on `texts` (fastText's tokens, every word kept).

    `kwargs` go to `Word2Vec.from_texts` (e.g. `epochs`, `seed`).
    """
    from keras_models.text.word2vec import Word2Vec

    texts = [t.decode("utf-8", "replace") if isinstance(t, bytes) else str(t) for t in texts]
    word2vec = Word2Vec.from_texts(texts, min_count=1, dim=dim, **kwargs)
    word2vec.fit(texts, verbose=0)
    return dict(zip(word2vec.vocabulary, word2vec.vectors))


@keras.saving.register_keras_serializable(package="keras_models")
class KimCNN(RawTextInputs, keras.Model):
    """Kim's CNN for sentence classification, in his four variants.

    The words of a text (its `preprocessor`, a `WordSequencePreprocessor`:
    fastText's tokens, padded with 0 to `max_length`) look up their vectors
    (padding looks up zeros); ReLU convolutions of each width in
    `filter_widths` (`feature_maps` each) run over the words, each map keeps
    its maximum over the text, and dropout and a softmax whose per-class weight
    vectors are rescaled to an L2 norm of at most `max_norm` after every step
    (Kim's constraint) give class probabilities (float32, also under mixed
    precision). `fit`, `evaluate` and `predict` also take raw strings; an export
    calls `model(model.preprocessor(strings))`.

    Variants: `"rand"`, random vectors (uniform in +-0.25, as Kim's) trained
    with the rest; `"static"`, the pretrained `embeddings`, frozen;
    `"non-static"`, the pretrained ones, fine-tuned; `"multichannel"`, two
    copies of them, one frozen and one fine-tuned, both read by every filter
    (its convolution sums its weights over both channels). Kim trains with
    Adadelta, batches of 50 and 25 epochs.

    Args:
        vocabulary: list of str, the words (see `from_texts`).
        num_classes: int.
        variant: str, one of `"rand"`, `"static"`, `"non-static"`, `"multichannel"`.
        max_length: int. Words kept per text (the first ones); at least the
            widest filter.
        embedding_dim: int. Word vector size (taken from `embeddings` when given).
        embeddings: float matrix `[len(vocabulary), embedding_dim]`, row i the
            pretrained vector of word i (see `embeddings_from_word_vectors`);
            required by every variant but `"rand"`. Not part of `get_config`: a
            saved model keeps them as weights.
        filter_widths: tuple of int. Convolution widths, in words.
        feature_maps: int. Filters per width.
        dropout: float. Dropout rate on the pooled features.
        max_norm: float. Largest L2 norm of each class's softmax weights; 0 for none.
        lowercase: bool. ASCII lowercasing before tokenizing.
        split_punctuation: bool. fastText's punctuation handling.

    Example:

    ```python
    from keras_models.text.kim_cnn import KimCNN

    texts = ["good fun film", "great cast", "dull plot", "boring and long"] * 8
    labels = [1, 1, 0, 0] * 8
    vectors = {"good": [1.0, 0.0], "dull": [0.0, 1.0]}
    model = KimCNN.from_texts(texts, labels, variant="multichannel", word_vectors=vectors,
                              max_length=8, feature_maps=4)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(texts, labels, batch_size=8, epochs=1, verbose=0)
    assert model.predict(["a good film", "long and dull"], verbose=0).shape == (2, 2)
    ```
    """

    def __init__(
        self,
        vocabulary,
        num_classes,
        variant="rand",
        max_length=64,
        embedding_dim=300,
        embeddings=None,
        filter_widths=(3, 4, 5),
        feature_maps=100,
        dropout=0.5,
        max_norm=3.0,
        lowercase=True,
        split_punctuation=True,
        **kwargs,
    ):
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {', '.join(VARIANTS)}, got {variant!r}.")
        if int(num_classes) < 2:
            raise ValueError(f"KimCNN needs num_classes >= 2, got {num_classes}.")
        filter_widths = tuple(int(width) for width in filter_widths)
        if not filter_widths or min(filter_widths) < 1:
            raise ValueError(f"filter_widths must be widths of 1 or more, got {filter_widths}.")
        if int(max_length) < max(filter_widths):
            raise ValueError(
                f"max_length must be at least the widest filter ({max(filter_widths)}), got {max_length}."
            )
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}.")
        initial = None
        if variant == "rand" and embeddings is not None:
            raise ValueError("variant 'rand' starts from random vectors; pass no embeddings.")
        if variant != "rand":
            if embeddings is None:
                raise ValueError(
                    f"variant {variant!r} needs pretrained word vectors: pass embeddings "
                    f"[len(vocabulary), dim] (or word_vectors to from_texts), or use variant 'rand'."
                )
            embeddings = np.asarray(embeddings, np.float32)
            if embeddings.ndim != 2 or embeddings.shape[0] != len(vocabulary):
                raise ValueError(
                    f"embeddings must be [len(vocabulary), dim] = [{len(vocabulary)}, dim], "
                    f"got shape {embeddings.shape}."
                )
            embedding_dim = embeddings.shape[1]
            initial = [np.concatenate([np.zeros((1, embedding_dim), np.float32), embeddings])]

        # === Layers ===
        preprocessor = WordSequencePreprocessor(
            vocabulary,
            max_length=max_length,
            lowercase=lowercase,
            split_punctuation=split_punctuation,
            name="preprocessor",
        )

        def table(trainable, name):
            return keras.layers.Embedding(
                preprocessor.num_ids,
                embedding_dim,
                embeddings_initializer=keras.initializers.RandomUniform(-0.25, 0.25),
                weights=initial,
                trainable=trainable,
                name=name,
            )

        if variant == "multichannel":
            tables = [table(False, "static_embedding"), table(True, "non_static_embedding")]
        else:
            tables = [table(variant != "static", "embedding")]
        convolutions = [
            keras.layers.Conv1D(feature_maps, width, activation="relu", name=f"conv{width}")
            for width in filter_widths
        ]
        constraint = keras.constraints.MaxNorm(max_norm, axis=0) if max_norm else None
        head = keras.layers.Dense(
            num_classes, activation="softmax", kernel_constraint=constraint, dtype="float32", name="softmax"
        )

        # === Functional Model ===
        word_ids = keras.Input(shape=(None,), dtype="int64", name="word_ids")
        channels = [embedding(word_ids) for embedding in tables]
        # Padding (id 0) reads zeros, whatever its row has become.
        words = keras.ops.expand_dims(keras.ops.cast(keras.ops.not_equal(word_ids, 0), channels[0].dtype), -1)
        channels = [channel * words for channel in channels]
        x = keras.layers.Concatenate(name="channels")(channels) if len(channels) > 1 else channels[0]
        pooled = [
            keras.layers.GlobalMaxPooling1D(name=f"max_over_time{convolution.kernel_size[0]}")(convolution(x))
            for convolution in convolutions
        ]
        x = keras.layers.Concatenate(name="features")(pooled) if len(pooled) > 1 else pooled[0]
        x = keras.layers.Dropout(dropout, name="dropout")(x)
        super().__init__(inputs=word_ids, outputs=head(x), **kwargs)

        # === Config ===
        self.preprocessor = preprocessor
        self.num_classes = int(num_classes)
        self.variant = variant
        self.max_length = int(max_length)
        self.embedding_dim = int(embedding_dim)
        self.filter_widths = filter_widths
        self.feature_maps = int(feature_maps)
        self.dropout = float(dropout)
        self.max_norm = float(max_norm or 0.0)
        self.lowercase = bool(lowercase)
        self.split_punctuation = bool(split_punctuation)

    @classmethod
    def from_texts(cls, texts, labels=None, num_classes=None, min_count=1, word_vectors=None, **kwargs):
        """Builds the word vocabulary from `texts` (words seen `min_count` times) and the model.

        `num_classes` defaults to max(labels) + 1. `word_vectors` (a mapping word ->
        vector, e.g. `read_word_vectors(path)` or `train_word_vectors(texts)`) gives
        the pretrained embeddings; words it lacks get random vectors (see
        `embeddings_from_word_vectors`). Other keyword arguments go to the constructor.
        """
        return word_classifier_from_texts(cls, texts, labels, num_classes, min_count, word_vectors, **kwargs)

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("embeddings") is None and config.get("variant", "rand") != "rand":
            # The pretrained table is in the saved weights, which are loaded next: zeros until then.
            shape = (len(config["vocabulary"]), config["embedding_dim"])
            config["embeddings"] = np.zeros(shape, np.float32)
        return cls(**config)

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "vocabulary": self.preprocessor.vocabulary,
            "num_classes": self.num_classes,
            "variant": self.variant,
            "max_length": self.max_length,
            "embedding_dim": self.embedding_dim,
            "embeddings": None,
            "filter_widths": list(self.filter_widths),
            "feature_maps": self.feature_maps,
            "dropout": self.dropout,
            "max_norm": self.max_norm,
            "lowercase": self.lowercase,
            "split_punctuation": self.split_punctuation,
        }

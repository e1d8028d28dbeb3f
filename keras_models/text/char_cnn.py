"""Character-level CNN text classification (Zhang, Zhao & LeCun, 2015, "Character-level Convolutional
Networks for Text Classification")."""

import keras
import numpy as np
import tensorflow as tf

from keras_models.text.fasttext import _checked_labels
from keras_models.text.raw_text import RawTextInputs

# The paper's alphabet: 26 letters, 10 digits, 33 other characters and the newline. Its list
# names "-" twice; the first place is the one used, the second's channel stays zero, so the
# one-hot vectors have the paper's 70 channels.
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-,;.!?:'\"/\\|_@#$%^&*~`+-=<>()[]{}\n"
# size -> (convolution features, fully connected units, standard deviation of the initial weights)
SIZES = {"small": (256, 1024, 0.05), "large": (1024, 2048, 0.02)}
# The six convolutions: (kernel width, max-pooling of 3 after it)
CONVOLUTIONS = ((7, True), (7, True), (3, False), (3, False), (3, False), (3, True))
POOL = 3


def output_frames(max_length):
    """Frames the six convolutions leave of `max_length` characters: (l0 - 96) / 27, 34 for 1014."""
    frames = int(max_length)
    for width, pooled in CONVOLUTIONS:
        frames -= width - 1
        if pooled:
            frames //= POOL
    return frames


@keras.saving.register_keras_serializable(package="keras_models")
class CharacterPreprocessor(keras.layers.Layer):
    """Raw strings -> character ids `[N, max_length]` int32: the paper's quantization, in the graph.

    Each character of the alphabet gets its place in `alphabet` plus one; any
    other character (a blank, a tab, a non-ASCII letter) gets 0, which the
    model turns into an all-zero vector, as does the padding after the text.
    Uppercase letters count as their lowercase ones when `lowercase`. As in the
    paper, with `backward` the text is read from its end: position 0 holds the
    last character, and a text longer than `max_length` keeps its last ones.
    The text is decoded as UTF-8 (invalid bytes count as unknown characters).

    Args:
        alphabet: str, the characters (a repeated one keeps its first place).
        max_length: int. Length of every output row (the paper's l0).
        backward: bool. Read each text from its end, as the paper does.
        lowercase: bool. Map A-Z to a-z.

    Example:

    ```python
    import tensorflow as tf
    from keras_models.text.char_cnn import CharacterPreprocessor

    layer = CharacterPreprocessor(max_length=5)
    assert layer(tf.constant(["Ab c"])).numpy().tolist() == [[3, 0, 2, 1, 0]]
    ```
    """

    def __init__(self, alphabet=ALPHABET, max_length=1014, backward=True, lowercase=True, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        if not alphabet:
            raise ValueError("alphabet must hold at least one character.")
        if int(max_length) < 1:
            raise ValueError(f"max_length must be at least 1, got {max_length}.")
        self.alphabet = str(alphabet)
        self.max_length = int(max_length)
        self.backward = bool(backward)
        self.lowercase = bool(lowercase)
        table = np.zeros(max(128, max(map(ord, self.alphabet)) + 1), np.int32)
        for place, character in reversed(list(enumerate(self.alphabet, start=1))):
            table[ord(character)] = place  # reversed: the first place of a repeated character wins
        if self.lowercase:
            for upper in range(ord("A"), ord("Z") + 1):
                if not table[upper]:
                    table[upper] = table[upper + 32]
        self._table = table
        self.built = True

    @property
    def num_ids(self):
        """Ids the model takes: 0 (no character), then one per place of the alphabet."""
        return len(self.alphabet) + 1

    def padded_ids(self, texts):
        """[N] strings -> [N, max_length] int32 character ids (plain TensorFlow ops: usable in threads)."""
        texts = tf.reshape(tf.convert_to_tensor(texts, tf.string), [-1])
        codes = tf.strings.unicode_decode(texts, "UTF-8", errors="replace", replacement_char=0)
        if self.backward:
            codes = tf.reverse(codes, axis=[1])
        codes = codes[:, : self.max_length]
        table = tf.constant(self._table)
        size = len(self._table)
        ids = tf.ragged.map_flat_values(
            lambda c: tf.where(c < size, tf.gather(table, tf.clip_by_value(c, 0, size - 1)), 0), codes
        )
        return ids.to_tensor(0, shape=[None, self.max_length])

    def call(self, texts):
        return self.padded_ids(texts)

    def compute_output_spec(self, texts):
        return keras.KerasTensor((texts.shape[0], self.max_length), dtype="int32")

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "alphabet": self.alphabet,
                "max_length": self.max_length,
                "backward": self.backward,
                "lowercase": self.lowercase,
            }
        )
        return config


@keras.saving.register_keras_serializable(package="keras_models")
class CharCNN(RawTextInputs, keras.Model):
    """Character-level CNN: one-hot characters, six temporal convolutions, three dense layers.

    Zhang, Zhao & LeCun (2015): the text's characters (its `preprocessor`, a
    `CharacterPreprocessor`, quantizes them in the graph) become one-hot vectors
    of the 70-character alphabet; six ReLU convolutions (kernels 7, 7, 3, 3, 3,
    3; stride 1, no padding) with non-overlapping max-pooling of 3 after the
    first, second and sixth leave `(max_length - 96) / 27` frames (34 of 1014);
    two ReLU dense layers with dropout after each and a softmax give class
    probabilities (float32, also under mixed precision). Weights start normal
    with the paper's standard deviation. `fit`, `evaluate` and `predict` also
    take raw strings; an export calls `model(model.preprocessor(strings))`.

    The paper trains with SGD, momentum 0.9, batches of 128 and a learning rate
    of 0.01 halved every 3 epochs, 10 times.

    Args:
        num_classes: int.
        size: str. `"small"` (256 features, 1024 units, N(0, 0.05)) or
            `"large"` (1024 features, 2048 units, N(0, 0.02)).
        max_length: int. Characters read per text (the paper's l0).
        features: optional int. Convolution features, instead of the size's.
        fc_units: optional int. Dense units, instead of the size's.
        dropout: float. Dropout rate after each of the two hidden dense layers.
        alphabet: str. The characters (see `CharacterPreprocessor`).
        backward: bool. Read each text from its end, as the paper does.
        lowercase: bool. Map A-Z to a-z.

    Example:

    ```python
    from keras_models.text.char_cnn import CharCNN

    texts = ["good fun film", "great cast", "dull plot", "boring and long"] * 8
    labels = [1, 1, 0, 0] * 8
    model = CharCNN.from_texts(texts, labels, max_length=150, features=8, fc_units=16)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(texts, labels, batch_size=8, epochs=1, verbose=0)
    assert model.predict(["a great film", "long and dull"], verbose=0).shape == (2, 2)
    ```
    """

    def __init__(
        self,
        num_classes,
        size="small",
        max_length=1014,
        features=None,
        fc_units=None,
        dropout=0.5,
        alphabet=ALPHABET,
        backward=True,
        lowercase=True,
        **kwargs,
    ):
        if size not in SIZES:
            raise ValueError(f"size must be one of {', '.join(SIZES)}, got {size!r}.")
        if int(num_classes) < 2:
            raise ValueError(f"CharCNN needs num_classes >= 2, got {num_classes}.")
        if output_frames(max_length) < 1:
            raise ValueError(f"max_length must be at least 123 (the convolutions need it), got {max_length}.")
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}.")
        default_features, default_units, stddev = SIZES[size]
        num_features = int(features or default_features)
        num_units = int(fc_units or default_units)

        # === Layers ===
        preprocessor = CharacterPreprocessor(
            alphabet, max_length=max_length, backward=backward, lowercase=lowercase, name="preprocessor"
        )
        initializer = keras.initializers.RandomNormal(0.0, stddev)
        convolutions = [
            keras.layers.Conv1D(
                num_features, width, activation="relu", kernel_initializer=initializer, name=f"conv{i}"
            )
            for i, (width, _) in enumerate(CONVOLUTIONS, start=1)
        ]
        pools = {
            i: keras.layers.MaxPooling1D(POOL, name=f"pool{i}")
            for i, (_, pooled) in enumerate(CONVOLUTIONS, start=1)
            if pooled
        }
        dense = [
            keras.layers.Dense(num_units, activation="relu", kernel_initializer=initializer, name=f"fc{i}")
            for i in (7, 8)
        ]
        head = keras.layers.Dense(
            num_classes, activation="softmax", kernel_initializer=initializer, dtype="float32", name="softmax"
        )

        # === Functional Model ===
        char_ids = keras.Input(shape=(max_length,), dtype="int32", name="char_ids")
        # Id 0 (an unknown character, padding) is the all-zero vector.
        x = keras.ops.one_hot(char_ids, preprocessor.num_ids)[:, :, 1:]
        for i, convolution in enumerate(convolutions, start=1):
            x = convolution(x)
            if i in pools:
                x = pools[i](x)
        x = keras.layers.Flatten(name="flatten")(x)
        for i, layer in zip((7, 8), dense):
            x = keras.layers.Dropout(dropout, name=f"dropout{i}")(layer(x))
        super().__init__(inputs=char_ids, outputs=head(x), **kwargs)

        # === Config ===
        self.preprocessor = preprocessor
        self.num_classes = int(num_classes)
        self.size = size
        self.max_length = int(max_length)
        self.features = None if features is None else int(features)
        self.fc_units = None if fc_units is None else int(fc_units)
        self.dropout = float(dropout)
        self.alphabet = str(alphabet)
        self.backward = bool(backward)
        self.lowercase = bool(lowercase)

    @classmethod
    def from_texts(cls, texts, labels=None, num_classes=None, min_count=1, **kwargs):
        """The model for `texts`' classes: `num_classes` defaults to max(labels) + 1.

        The texts themselves only count for their number (the alphabet is fixed);
        `min_count` is accepted, and unused, for the same call as the word models.
        """
        if labels is not None:
            labels = _checked_labels(labels, len(texts), num_classes)
            num_classes = num_classes or int(labels.max()) + 1
        if num_classes is None:
            raise ValueError("pass labels or num_classes.")
        return cls(num_classes=num_classes, **kwargs)

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "num_classes": self.num_classes,
            "size": self.size,
            "max_length": self.max_length,
            "features": self.features,
            "fc_units": self.fc_units,
            "dropout": self.dropout,
            "alphabet": self.alphabet,
            "backward": self.backward,
            "lowercase": self.lowercase,
        }

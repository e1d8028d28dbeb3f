"""SavedModel signatures of a text classifier whose model tokenizes raw strings itself.

`serving_default` takes serialized tf.Examples (as TFX, TFMA and TF Serving's
predict API over examples expect); `classify_text` takes plain strings, the
signature a JSON client calls. `transform_features` gives TFMA the transformed
label (`preprocessing_function_names`). All run the pipeline's Transform graph
and then the model's own preprocessor, so training and serving tokenize alike.
"""

import tensorflow as tf

from serving.export import SERVING_DEFAULT

CLASSIFY_TEXT = "classify_text"
TRANSFORM_FEATURES = "transform_features"


def _as_raw(strings, spec):
    """[N] strings shaped as the raw feature spec parses them ([N], [N, 1] or sparse)."""
    if isinstance(spec, tf.io.VarLenFeature):
        return tf.sparse.from_dense(tf.reshape(strings, [-1, 1]))
    return tf.reshape(strings, [-1, *spec.shape])


class TextClassifierExport(tf.Module):
    """Wraps a FastText-like model (`model.preprocessor` + `model(ids)`) and a Transform graph.

    Args:
        model: Keras model mapping `model.preprocessor(strings)` to class probabilities.
        tft_output: `tft.TFTransformOutput` of the pipeline's Transform.
        text_key, label_key: raw feature keys.
        text_xf_key: transformed text key (raw strings the model's preprocessor takes).
        label_vocabulary: Transform's vocabulary file name of the labels (class id order).
        top_k: labels `classify_text` returns per string (capped at the number of classes).
    """

    def __init__(self, model, tft_output, text_key, label_key, text_xf_key, label_vocabulary, top_k=3):
        super().__init__()
        self.model = model
        self.tft_layer = tft_output.transform_features_layer()
        self._full_spec = tft_output.raw_feature_spec()
        self._raw_spec = {k: v for k, v in self._full_spec.items() if k != label_key}
        self._text_key, self._text_xf_key = text_key, text_xf_key
        labels = tft_output.vocabulary_by_name(label_vocabulary)
        self._labels = tf.constant(
            [label.decode("utf-8") if isinstance(label, bytes) else label for label in labels]
        )
        self._top_k = min(int(top_k), len(labels))

    def _probabilities(self, transformed):
        texts = tf.reshape(transformed[self._text_xf_key], [-1])
        probabilities = self.model(self.model.preprocessor(texts), training=False)
        return tf.cast(probabilities, tf.float32)

    def serve_examples(self, examples):
        """serialized tf.Example (raw `text`) -> probabilities [N, C], class_ids [N], labels [N]."""
        probabilities = self._probabilities(self.tft_layer(tf.io.parse_example(examples, self._raw_spec)))
        class_ids = tf.argmax(probabilities, axis=-1)
        return {
            "probabilities": probabilities,
            "class_ids": class_ids,
            "labels": tf.gather(self._labels, class_ids),
        }

    def classify_text(self, text):
        """[N] raw strings -> the top-k labels [N, k], their probabilities [N, k] and class_ids [N, k]."""
        transformed = self.tft_layer({self._text_key: _as_raw(text, self._raw_spec[self._text_key])})
        top = tf.math.top_k(self._probabilities(transformed), k=self._top_k)
        return {
            "labels": tf.gather(self._labels, top.indices),
            "probabilities": top.values,
            "class_ids": tf.cast(top.indices, tf.int64),
        }

    def transform_features(self, examples):
        """serialized tf.Example (with label) -> Transform's outputs, for TFMA's labels."""
        return self.tft_layer(tf.io.parse_example(examples, self._full_spec))

    def signatures(self):
        examples = tf.TensorSpec([None], tf.string, name="examples")
        return {
            SERVING_DEFAULT: tf.function(self.serve_examples).get_concrete_function(examples),
            CLASSIFY_TEXT: tf.function(self.classify_text).get_concrete_function(
                tf.TensorSpec([None], tf.string, name="text")
            ),
            TRANSFORM_FEATURES: tf.function(self.transform_features).get_concrete_function(examples),
        }

    def save(self, export_dir):
        tf.saved_model.save(self, export_dir, signatures=self.signatures())

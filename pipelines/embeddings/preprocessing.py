"""Transform's preprocessing_fn: the token vocabulary with counts, over the whole train split in Beam.

The text (and the label, when the data has one) passes through raw: the model's own preprocessor
tokenizes it in the graph, so training and serving tokenize alike. The vocabulary is Transform's
one analyzer; the Trainer keeps the words seen at least --min-count times.
"""

import tensorflow_transform as tft

from keras_models.text.fasttext_preprocessor import tokenize
from pipelines.embeddings import features
from pipelines.text_classification.preprocessing import dense_strings


def preprocessing_fn(inputs):
    text = dense_strings(inputs[features.TEXT_KEY])
    tokens = tokenize(text, eos=False)  # StarSpace's tokens: fastText's normalization, no end-of-line word
    tft.vocabulary(tokens, vocab_filename=features.WORD_VOCABULARY, store_frequency=True)
    outputs = {features.TEXT_XF_KEY: text}
    if features.LABEL_KEY in inputs:
        outputs[features.LABEL_XF_KEY] = dense_strings(inputs[features.LABEL_KEY])
    return outputs

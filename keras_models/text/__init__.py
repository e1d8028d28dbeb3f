"""Text models: fastText classification, StarSpace embeddings."""

from keras_models.text.fasttext import FastText
from keras_models.text.fasttext_preprocessor import FastTextPreprocessor, build_vocabulary, normalize
from keras_models.text.starspace import StarSpace

__all__ = ["FastText", "FastTextPreprocessor", "StarSpace", "build_vocabulary", "normalize"]

"""Text models: fastText classification onwards."""

from keras_models.text.fasttext import FastText
from keras_models.text.fasttext_preprocessor import FastTextPreprocessor, build_vocabulary, normalize

__all__ = ["FastText", "FastTextPreprocessor", "build_vocabulary", "normalize"]

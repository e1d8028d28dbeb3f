"""Text models: fastText, the text CNNs and naive Bayes for classification; StarSpace, word2vec, GloVe
and doc2vec embeddings."""

from keras_models.text.char_cnn import CharCNN
from keras_models.text.doc2vec import Doc2Vec
from keras_models.text.fasttext import FastText
from keras_models.text.fasttext_preprocessor import FastTextPreprocessor, build_vocabulary, normalize
from keras_models.text.glove import GloVe
from keras_models.text.kim_cnn import KimCNN
from keras_models.text.naive_bayes import MultinomialNaiveBayes
from keras_models.text.starspace import StarSpace
from keras_models.text.word2vec import Word2Vec
from keras_models.text.word_vectors import WordLookup, corpus_tokens

__all__ = [
    "CharCNN",
    "Doc2Vec",
    "FastText",
    "FastTextPreprocessor",
    "GloVe",
    "KimCNN",
    "MultinomialNaiveBayes",
    "StarSpace",
    "Word2Vec",
    "WordLookup",
    "build_vocabulary",
    "corpus_tokens",
    "normalize",
]

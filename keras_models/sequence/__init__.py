"""Recurrent models (chapter 11): character language models and an LSTM text classifier.

`CharLanguageModel` predicts the next character with an Elman RNN, a GRU, an LSTM or an
orthogonal RNN (`OrthogonalRNNCell`), generates text and scores it in bits per character;
`LSTMClassifier` classifies raw text with a (bi)directional LSTM.
"""

from keras_models.sequence.char_language_model import CharLanguageModel
from keras_models.sequence.lstm_classifier import LSTMClassifier
from keras_models.sequence.orthogonal_rnn import OrthogonalRNN, OrthogonalRNNCell

__all__ = ["CharLanguageModel", "LSTMClassifier", "OrthogonalRNN", "OrthogonalRNNCell"]

"""Optimizers of the course that Keras does not ship."""

from keras_models.optimizers.row_adagrad import RowAdagrad

__all__ = ["RowAdagrad"]

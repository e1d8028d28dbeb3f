"""Optimizers and training strategies of the course that Keras does not ship."""

from keras_models.optimizers.elastic_averaging import ElasticAveraging
from keras_models.optimizers.row_adagrad import RowAdagrad
from keras_models.optimizers.target_propagation import TargetPropagation

__all__ = ["ElasticAveraging", "RowAdagrad", "TargetPropagation"]

"""The course's chapter-3 modules as Keras layers: each with its forward pass (fprop) and its
hand-written backward pass (bprop), which Keras uses for training through `tf.custom_gradient`.

Linear (y = Wx + b), Euclidean (½‖x − w_j‖², the RBF unit's distance), YConnector (fan-out),
Adder (sum), Switch (max), SoftmaxTemperature (softmax(x/T)), ScaledTanh (1.7159 tanh(2x/3));
`gradient_check` compares a module's derivative with finite differences.
"""

from keras_models.layers.backprop.adder import Adder
from keras_models.layers.backprop.euclidean import Euclidean
from keras_models.layers.backprop.gradient_check import gradient_check
from keras_models.layers.backprop.linear import Linear
from keras_models.layers.backprop.module import Module
from keras_models.layers.backprop.scaled_tanh import ScaledTanh, scaled_tanh
from keras_models.layers.backprop.softmax_temperature import SoftmaxTemperature
from keras_models.layers.backprop.switch import Switch
from keras_models.layers.backprop.y_connector import YConnector

__all__ = [
    "Adder", "Euclidean", "Linear", "Module", "ScaledTanh", "SoftmaxTemperature", "Switch", "YConnector",
    "gradient_check", "scaled_tanh",
]  # fmt: skip

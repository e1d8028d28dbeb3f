"""The course's module (chapter 3): a forward pass (fprop) and its hand-written backward pass (bprop).

Backpropagation is the chain rule applied module by module. A module computes its output from its
inputs and parameters (fprop); given ∂L/∂output it returns ∂L/∂inputs and ∂L/∂parameters (bprop).
`Module` wires the two into Keras with `tf.custom_gradient`, so `fit` and `GradientTape` use the
hand-written derivative instead of TensorFlow's automatic one (LeCun, Bottou, Orr & Müller 1998,
"Efficient BackProp"; Bottou & Gallinari 1991, "A framework for the cooperation of learning
algorithms").
"""

import keras
import tensorflow as tf


class Module(keras.layers.Layer):
    """The base of the course's modules: subclasses write `forward` and `backward`; `call` joins them.

    `forward(x, *params)` computes the output from the input (a tensor, or a list of tensors for the
    modules with several inputs) and the layer's weights, in the order `self.weights` lists them.
    `backward(x, y, dy, *params)` receives the same input and weights, the output `y` and the gradient
    `dy = ∂L/∂y` (a list when the output is a list) and returns `(dx, [dparam, ...])`: the gradient of
    L with respect to the input (same structure as `x`) and to each weight, in order.

    `forward` is plain TensorFlow, so TensorFlow's autodiff of it is the reference the tests compare
    the hand-written `backward` with.
    """

    def forward(self, x, *params):
        raise NotImplementedError

    def backward(self, x, y, dy, *params):
        raise NotImplementedError

    def call(self, inputs):
        many = isinstance(inputs, list | tuple)
        xs = [tf.convert_to_tensor(x) for x in (inputs if many else [inputs])]
        # The weights enter as explicit arguments, so their gradients come from `backward` too.
        params = [tf.convert_to_tensor(w) for w in self.weights]
        n = len(xs)

        @tf.custom_gradient
        def fprop(*tensors):
            x = list(tensors[:n]) if many else tensors[0]
            p = tensors[n:]
            y = self.forward(x, *p)
            outputs = y if isinstance(y, list) else [y]

            def bprop(*grads):
                # An output nobody used gets no gradient: treat it as zero.
                dys = [tf.zeros_like(o) if g is None else g for o, g in zip(outputs, grads)]
                dx, dparams = self.backward(x, y, dys if isinstance(y, list) else dys[0], *p)
                return (list(dx) if many else [dx]) + list(dparams)

            return y, bprop

        return fprop(*xs, *params)

"""Difference target propagation (DTP): training a deep MLP without propagating gradients through it.

Lee, Zhang, Fischer & Bengio, "Difference Target Propagation", ECML-PKDD 2015. Instead of a gradient,
each hidden layer h_i = f_i(h_{i−1}) receives a *target* ĥ_i, a value that would have lowered the
loss, and learns alone to move its output towards it:

    top target      ĥ_k = h_k − η̂ ∂ℓ/∂h_k                 (ℓ: the example's loss, through the output
                                                              layer only; η̂: `target_step`)
    lower targets   ĥ_{i−1} = h_{i−1} + g_i(ĥ_i) − g_i(h_i)   (i = k, ..., 2)
    layer i         minimises ‖f_i(h_{i−1}) − ĥ_i‖²          (h_{i−1} and ĥ_i held fixed)
    output layer    minimises the loss itself                  (its input h_k held fixed)
    inverse g_i     minimises ‖g_i(f_i(h̃_{i−1})) − h̃_{i−1}‖²,  h̃_{i−1} = h_{i−1} + ε, ε ~ N(0, σ²)

g_i (h_i → h_{i−1}) is a learned approximate inverse of f_i. Plain target propagation sets
ĥ_{i−1} = g_i(ĥ_i); the *difference* correction adds h_{i−1} − g_i(h_i), so that ĥ_{i−1} = h_{i−1}
when ĥ_i = h_i and, when f_i(g_i(·)) is the identity, f_i(ĥ_{i−1}) = ĥ_i exactly even if g_i is
biased. Every layer's update uses only its own input, output and target: no gradient crosses layers.
"""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="dlsuite")
class TargetPropagation(keras.Model):
    """An MLP trained by difference target propagation (the course's "target prop", chapter 5).

    A Keras model: `call` is the forward MLP (hidden Dense layers f_1..f_k, then a Dense output of
    logits); `fit` trains it with DTP (its `train_step`); `evaluate` and `predict` are Keras's. The
    compiled loss (default: sparse categorical cross-entropy on logits) trains the output layer and
    gives the top target. `compile(optimizer, inverse_optimizer=...)`: the first trains the f's, the
    second the inverses g (default: a copy of the first). `fit`'s logs add `layer_loss` (the mean of
    the hidden layers' ‖f_i(h_{i−1}) − ĥ_i‖²) and `inverse_loss` (the mean reconstruction loss).
    Training ignores sample weights. Each gradient is taken with respect to its own layer's weights
    only, and every update waits for every target and gradient of the step.

    Args:
        hidden: units of the hidden layers, (240,) * 7 in the paper's MNIST network.
        classes: outputs (logits).
        activation: of the hidden layers and of the inverses (tanh in the paper).
        target_step: η̂, the step of the top target along −∂ℓ/∂h_k (ℓ per example).
        noise: σ, the standard deviation of the corruption in the inverses' training.
        difference: False gives plain target propagation, ĥ_{i−1} = g_i(ĥ_i).
        kernel_initializer: of the f's and g's.
        seed: seeds the corruption noise.

    Example:

    ```python
    import keras
    from keras_models.optimizers import TargetPropagation

    model = TargetPropagation(hidden=(240,) * 7, classes=10, target_step=1.0, noise=0.1)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=5, batch_size=64, validation_data=(x_test, y_test))
    model.as_sequential().save("mlp.keras")  # a plain Keras MLP with the trained weights
    ```
    """

    def __init__(self, hidden=(240,) * 7, classes=10, activation="tanh", target_step=1.0, noise=0.1,
                 difference=True, kernel_initializer="glorot_uniform", seed=None, **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        if not hidden:
            raise ValueError("target propagation needs at least one hidden layer")
        self.hidden = tuple(int(u) for u in hidden)
        self.classes = int(classes)
        self.activation = activation
        self.target_step = float(target_step)
        self.noise = float(noise)
        self.difference = bool(difference)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.seed = seed
        dense = dict(activation=activation, kernel_initializer=self.kernel_initializer)
        self.forward_layers = [keras.layers.Dense(u, name=f"f{i}", **dense) for i, u in enumerate(hidden, 1)]
        self.output_layer = keras.layers.Dense(
            classes, name="output", kernel_initializer=self.kernel_initializer
        )
        # inverse_layers[j] is g_{j+2}: h_{j+2} -> h_{j+1} (layer 1's input, x, needs no target).
        self.inverse_layers = [
            keras.layers.Dense(self.hidden[i - 1], name=f"g{i + 1}", **dense) for i in range(1, len(hidden))
        ]
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.layer_loss_tracker = keras.metrics.Mean(name="layer_loss")
        self.inverse_loss_tracker = keras.metrics.Mean(name="inverse_loss")
        self.inverse_optimizer = None
        self.default_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def build(self, input_shape):
        self.input_dim = int(input_shape[-1])
        shape = tuple(input_shape)
        shapes = []
        for layer in self.forward_layers:
            shapes.append(shape)
            shape = (*shape[:-1], layer.units)
        shapes.append(shape)
        shapes += [(None, units) for units in self.hidden[1:]]
        for layer, shape in zip([*self.forward_layers, self.output_layer, *self.inverse_layers], shapes):
            if not layer.built:  # Keras may have built them already, running `call` symbolically
                layer.build(shape)
        self.built = True

    def call(self, x):
        for layer in self.forward_layers:
            x = layer(x)
        return self.output_layer(x)

    def compile(self, optimizer="adam", loss=None, metrics=None, inverse_optimizer=None, **kwargs):
        optimizer = keras.optimizers.get(optimizer)
        self.inverse_optimizer = keras.optimizers.get(
            inverse_optimizer or optimizer.__class__.from_config(optimizer.get_config())
        )
        super().compile(optimizer=optimizer, loss=loss or self.default_loss, metrics=metrics, **kwargs)

    def get_compile_config(self):
        config = super().get_compile_config()
        if config is not None and self.inverse_optimizer is not None:
            config["inverse_optimizer"] = keras.optimizers.serialize(self.inverse_optimizer)
        return config

    def compile_from_config(self, config):
        """Compiles a loaded model as it was compiled (both optimizers' hyperparameters, not their state)."""
        config = dict(config)
        inverse = config.pop("inverse_optimizer", None)
        config = keras.saving.deserialize_keras_object(config)
        self.compile(**config, inverse_optimizer=keras.optimizers.deserialize(inverse) if inverse else None)

    def activations(self, x):
        """[x, h_1, ..., h_k]: the layers' inputs and outputs on x."""
        hs = [tf.convert_to_tensor(x)]
        for layer in self.forward_layers:
            hs.append(layer(hs[-1]))
        return hs

    def targets(self, hs, y):
        """[ĥ_1, ..., ĥ_k] from the activations `hs` (as `activations` returns them) and labels y.
        The top target steps along the gradient of the summed (per-example) loss through the output
        layer alone; the lower ones come down through the inverses. No gradient flows through them."""
        top = hs[-1]
        with tf.GradientTape() as tape:
            tape.watch(top)
            logits = self.output_layer(top)
            mean = self.compute_loss(y=y, y_pred=logits) if self.compiled else self.default_loss(y, logits)
            per_example = mean * tf.cast(tf.shape(top)[0], top.dtype)
        targets = [top - self.target_step * tape.gradient(per_example, top)]
        for i in range(len(self.hidden) - 1, 0, -1):  # ĥ_{i} from ĥ_{i+1} through g_{i+1}
            g = self.inverse_layers[i - 1]
            # The difference form: ĥ_i = h_i exactly when ĥ_{i+1} = h_{i+1}.
            below = hs[i] + (g(targets[0]) - g(hs[i + 1])) if self.difference else g(targets[0])
            targets.insert(0, below)
        return [tf.stop_gradient(t) for t in targets]

    def local_losses(self, hs, targets):
        """Per hidden layer, mean over the batch of ‖f_i(h_{i−1}) − ĥ_i‖² (inputs and targets fixed)."""
        return [
            tf.reduce_mean(tf.reduce_sum(tf.square(f(tf.stop_gradient(h)) - t), axis=-1))
            for f, h, t in zip(self.forward_layers, hs[:-1], targets)
        ]

    def inverse_losses(self, hs):
        """Per inverse g_i, mean over the batch of ‖g_i(f_i(h̃_{i−1})) − h̃_{i−1}‖², h̃ = h + N(0, σ²);
        only g_i learns from it."""
        losses = []
        for i, g in enumerate(self.inverse_layers, start=1):  # g_{i+1}: h_{i+1} -> h_i
            h = tf.stop_gradient(hs[i])
            corrupted = h + self.noise * keras.random.normal(tf.shape(h), seed=self.seed_generator)
            up = tf.stop_gradient(self.forward_layers[i](corrupted))
            losses.append(tf.reduce_mean(tf.reduce_sum(tf.square(g(up) - corrupted), axis=-1)))
        return losses

    def train_step(self, data):
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        hs = self.activations(x)
        targets = self.targets(hs, y)
        forward_weights = [w for f in self.forward_layers for w in f.trainable_weights]
        output_weights = self.output_layer.trainable_weights
        inverse_weights = [w for g in self.inverse_layers for w in g.trainable_weights]
        with tf.GradientTape(persistent=True) as tape:
            logits = self.output_layer(tf.stop_gradient(hs[-1]))
            loss = self.compute_loss(x=x, y=y, y_pred=logits)
            layer_losses = self.local_losses(hs, targets)
            inverse_losses = self.inverse_losses(hs)
            local = tf.add_n(layer_losses)
            inverse = tf.add_n(inverse_losses) if inverse_losses else None
        # Every gradient before any update: each term reaches only its own layer's weights.
        forward_grads = tape.gradient(local, forward_weights) + tape.gradient(loss, output_weights)
        inverse_grads = tape.gradient(inverse, inverse_weights) if inverse_weights else []
        # Explicit order: without it tf.function sometimes computed the targets after an update.
        with tf.control_dependencies([*targets, *forward_grads, *inverse_grads]):
            self.optimizer.apply_gradients(zip(forward_grads, forward_weights + output_weights))
            if inverse_weights:
                self.inverse_optimizer.apply_gradients(zip(inverse_grads, inverse_weights))
        del tape
        self._track(layer_losses, inverse_losses)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
        return self.compute_metrics(x, y, logits, sample_weight=None)

    def test_step(self, data):
        """Keras's, plus the layer and inverse losses on the data (the inverses' noise included)."""
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        hs = self.activations(x)
        self._track(self.local_losses(hs, self.targets(hs, y)), self.inverse_losses(hs))
        return super().test_step(data)

    def _track(self, layer_losses, inverse_losses):
        self.layer_loss_tracker.update_state(tf.add_n(layer_losses) / len(layer_losses))
        if inverse_losses:
            self.inverse_loss_tracker.update_state(tf.add_n(inverse_losses) / len(inverse_losses))

    def as_sequential(self):
        """A plain Keras MLP sharing this model's forward layers (for export, or a backprop twin via
        `keras.models.clone_model` + `set_weights`)."""
        return keras.Sequential([keras.Input((self.input_dim,)), *self.forward_layers, self.output_layer])

    def get_config(self):
        config = super().get_config()
        config.update({
            "hidden": list(self.hidden), "classes": self.classes, "activation": self.activation,
            "target_step": self.target_step, "noise": self.noise, "difference": self.difference,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer), "seed": self.seed,
        })  # fmt: skip
        return config

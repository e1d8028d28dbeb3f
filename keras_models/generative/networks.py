"""Shared pieces of the GANs: the alternating training loop, pixel conversions, losses and network blocks.

Every model takes and returns float32 images in [0, 1], [N, H, W, C]. Inside,
real images are rescaled to [-1, 1] (`to_tanh_range`), the generators end in a
tanh, and `to_unit_range` maps their outputs back to [0, 1].

Batch norm and the two players: each step runs the *other* network in training
mode (batch statistics, dropout), as the DCGAN reference code does, but inside
`frozen_statistics`, so that a discriminator step changes only the
discriminator's variables and a generator step only the generator's: the
generator's moving statistics move once per `train_step`, in its own step.
"""

import contextlib

import keras
import tensorflow as tf
from keras import layers, ops

from keras_models.vision.image_batches import check_image_batch

# === Checks and conversions ===


def check_image_shape(image_shape, divisor, model_name):
    """`image_shape` as a tuple of 3 ints, or a ValueError (H and W must be multiples of `divisor`)."""
    if len(image_shape) != 3 or min(image_shape) < 1:
        raise ValueError(f"image_shape is (height, width, channels), got {image_shape}.")
    image_shape = tuple(int(d) for d in image_shape)
    if image_shape[0] % divisor or image_shape[1] % divisor:
        raise ValueError(
            f"{model_name} needs height and width divisible by {divisor}, got image_shape={image_shape}."
        )
    return image_shape


def check_positive(name, value):
    """`value` as a positive int, or a ValueError."""
    if int(value) != value or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}.")
    return int(value)


def to_tanh_range(images):
    """Images in [0, 1] -> float32 in [-1, 1]."""
    return ops.cast(images, "float32") * 2.0 - 1.0


def to_unit_range(images):
    """Generator outputs in [-1, 1] -> float32 images in [0, 1]."""
    return (ops.cast(images, "float32") + 1.0) * 0.5


def seed_pair(seed):
    """A [2] int64 seed for `tf.random.stateless_*` from an int or a scalar tensor `seed`."""
    return tf.stack([tf.cast(seed, tf.int64), tf.constant(0, tf.int64)])


# === Losses (float32 scalars, averaged over the batch) ===


def discriminator_loss(real_logits, fake_logits):
    """The discriminator's binary cross-entropy from logits: BCE(real -> 1) + BCE(fake -> 0).

    -log sigmoid(l) = softplus(-l) and -log(1 - sigmoid(l)) = softplus(l), numerically stable.
    """
    real_logits, fake_logits = ops.cast(real_logits, "float32"), ops.cast(fake_logits, "float32")
    return ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))


def non_saturating_loss(fake_logits):
    """The generator's non-saturating loss BCE(fake -> 1) = -log D(G(z)), from logits.

    It has the minimax game's fixed point but strong gradients where the
    discriminator confidently rejects the fakes (log(1 - D(G(z))) saturates there).
    """
    return ops.mean(ops.softplus(-ops.cast(fake_logits, "float32")))


# === Training loops ===


@contextlib.contextmanager
def frozen_statistics(*networks):
    """Within the block, running `networks` with `training=True` (batch statistics, dropout) leaves their
    batch-norm moving statistics as they were: saved before, restored after (eager or in a tf.function,
    where automatic control dependencies keep the reads, the updates and the restores in program order)."""
    variables = [v for network in networks for v in _moving_statistics(network)]
    saved = [tf.identity(v.value) for v in variables]
    yield
    for variable, value in zip(variables, saved):
        variable.assign(value)


def _moving_statistics(layer):
    if isinstance(layer, layers.BatchNormalization):
        return [layer.moving_mean, layer.moving_variance]
    return [v for sublayer in getattr(layer, "layers", []) for v in _moving_statistics(sublayer)]


class AdversarialModel(keras.Model):
    """Base class of the GANs: two optimizers, alternating updates, metric trackers.

    Subclasses set `generator_networks` and `discriminator_networks` (tuples of
    Keras models), call `super().__init__(image_shape, tracked, ...)` and define
    `train_step` from `discriminator_step` and `generator_step`, each one
    optimizer update of one player. Their `built` is True once their networks exist.

    `compile(generator_optimizer, discriminator_optimizer, d_steps=1)` takes
    optimizer instances, names or configs; None gives Adam(2e-4, beta_1=0.5)
    (the DCGAN paper's setting). Under the `"mixed_float16"` dtype policy each
    is wrapped in a `keras.optimizers.LossScaleOptimizer`: the steps multiply
    the loss by `optimizer.scale_loss` inside the tape, and the wrapper's
    `apply_gradients` divides the gradients by the scale (skipping the update,
    and lowering the scale, when they are not finite). `compile_from_config`
    restores both optimizers when a compiled model is loaded from a `.keras` file.
    Keras's `model.optimizer` stays None: callbacks that act on it
    (LearningRateScheduler, ReduceLROnPlateau) do not apply; act on the two
    optimizers instead.

    Metrics (`metrics`, the `tracked` names) are batch-size-weighted means over the epoch.

    Args:
        image_shape: tuple. Shape of one image, `(height, width, channels)`, values in [0, 1].
        tracked: tuple of str. The metric names.
    """

    def __init__(self, image_shape, tracked, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = tuple(image_shape)
        self.trackers = [keras.metrics.Mean(name=name) for name in tracked]

    @property
    def metrics(self):
        return self.trackers

    @property
    def generator_weights(self):
        return [w for network in self.generator_networks for w in network.trainable_weights]

    @property
    def discriminator_weights(self):
        return [w for network in self.discriminator_networks for w in network.trainable_weights]

    def compile(self, generator_optimizer=None, discriminator_optimizer=None, d_steps=1, **kwargs):
        """Sets the two optimizers (None: Adam(2e-4, beta_1=0.5)) and `d_steps`, the discriminator
        updates per generator update. Other keyword arguments (`run_eagerly`, `jit_compile`,
        `steps_per_execution`) go to `keras.Model.compile`; the losses are built in."""
        if "optimizer" in kwargs or "loss" in kwargs:
            raise ValueError(
                f"{type(self).__name__}.compile takes generator_optimizer and discriminator_optimizer "
                f"(the losses are built in), got {sorted({'optimizer', 'loss'} & set(kwargs))}."
            )
        d_steps = check_positive("d_steps", d_steps)
        optimizers = [
            keras.optimizers.Adam(2e-4, beta_1=0.5) if o is None else keras.optimizers.get(o)
            for o in (generator_optimizer, discriminator_optimizer)
        ]
        if optimizers[0] is optimizers[1]:
            raise ValueError("generator_optimizer and discriminator_optimizer must be two instances.")
        super().compile(optimizer=None, **kwargs)
        self.d_steps = d_steps
        self.generator_optimizer, self.discriminator_optimizer = (
            self._prepare(optimizer, variables)
            for optimizer, variables in zip(optimizers, (self.generator_weights, self.discriminator_weights))
        )

    def _prepare(self, optimizer, variables):
        if self.dtype_policy.name == "mixed_float16" and not isinstance(
            optimizer, keras.optimizers.LossScaleOptimizer
        ):
            optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
        if not optimizer.built:
            optimizer.build(variables)
        return optimizer

    def get_compile_config(self):
        if self.compiled:
            return {
                "generator_optimizer": keras.saving.serialize_keras_object(self.generator_optimizer),
                "discriminator_optimizer": keras.saving.serialize_keras_object(self.discriminator_optimizer),
                "d_steps": self.d_steps,
            }

    def compile_from_config(self, config):
        self.compile(
            keras.saving.deserialize_keras_object(config["generator_optimizer"]),
            keras.saving.deserialize_keras_object(config["discriminator_optimizer"]),
            config["d_steps"],
        )

    def _minimise(self, optimizer, tape, scaled_loss, variables):
        """One update from a loss scaled by `optimizer.scale_loss` (a LossScaleOptimizer unscales)."""
        optimizer.apply_gradients(zip(tape.gradient(scaled_loss, variables), variables))

    def _update_metrics(self, terms, batch_size):
        # Weighted by the batch size: exact means over uneven batches, and the empty batch Keras's
        # graph-mode loop may run at the end of a dataset of unknown cardinality counts for nothing.
        for tracker in self.trackers:
            tracker.update_state(terms[tracker.name], sample_weight=batch_size)
        return {tracker.name: tracker.result() for tracker in self.trackers}

    def _checked(self, images):
        return check_image_batch(images, self.image_shape, type(self).__name__)

    def _check_inputs(self, x, y):
        return self._checked(x), y

    def fit(self, x=None, y=None, *args, **kwargs):
        return super().fit(*self._check_inputs(x, y), *args, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        return super().evaluate(*self._check_inputs(x, y), *args, **kwargs)

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
            "image_shape": self.image_shape,
        }


class NoiseGAN(AdversarialModel):
    """Base class of the noise-driven GANs (GAN, DCGAN, EBGAN): G maps z ~ N(0, I) to images.

    Subclasses set `generator` (noise [N, latent_dim] -> [N, H, W, C] in [-1, 1])
    and `discriminator`. The default losses are the minimax game's: the
    discriminator's BCE with logits (`discriminator_loss`) and the generator's
    non-saturating loss; EBGAN overrides `discriminator_losses` and `generator_losses`.

    `fit` takes images in [0, 1] (arrays, or datasets of batches or of
    `(images, labels)`, labels ignored); each `train_step` runs `d_steps`
    `discriminator_step`s on the batch (fresh noise each; the metrics show the
    last), then one `generator_step` of the same batch size. `evaluate` reports the same terms
    without updates (both networks in inference mode).

    Args:
        image_shape: tuple. Shape of one image, `(height, width, channels)`, values in [0, 1].
        latent_dim: int. Dimension of the noise z.
        seed: int or None. Seed of the training noise.
        tracked: tuple of str or None. The metric names (None: the class's `tracked`).
    """

    tracked = ("d_loss", "g_loss", "d_real", "d_fake")

    def __init__(self, image_shape, latent_dim, seed=None, tracked=None, **kwargs):
        super().__init__(image_shape, tracked or self.tracked, **kwargs)
        self.latent_dim = check_positive("latent_dim", latent_dim)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    @property
    def generator_networks(self):
        return (self.generator,)

    @property
    def discriminator_networks(self):
        return (self.discriminator,)

    def call(self, noise, training=False):
        """Generated images [N, H, W, C] in [0, 1] for noise [N, latent_dim]."""
        return to_unit_range(self.generator(noise, training=training))

    def generate(self, count, seed):
        """`count` images [count, H, W, C] in [0, 1] from z ~ N(0, I) drawn with `seed`.

        `count` and `seed` may be Python ints or scalar integer tensors (it
        traces in a tf.function with int32 scalars). Deterministic for a given seed.
        """
        shape = tf.stack([tf.cast(count, tf.int32), self.latent_dim])
        return self(tf.random.stateless_normal(shape, seed_pair(seed)), training=False)

    def noise(self, batch_size):
        """Training noise [batch_size, latent_dim] from the model's seed generator."""
        return keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)

    def discriminator_logits(self, images, training=False):
        return ops.cast(self.discriminator(images, training=training), "float32")

    def discriminator_losses(self, real, fakes, training=False):
        """Loss terms of the discriminator on `real` and `fakes` in [-1, 1]: `d_loss`, and `d_real`,
        `d_fake`, the mean D(x) (probability of "real") on each."""
        real_logits = self.discriminator_logits(real, training)
        fake_logits = self.discriminator_logits(fakes, training)
        return {
            "d_loss": discriminator_loss(real_logits, fake_logits),
            "d_real": ops.mean(ops.sigmoid(real_logits)),
            "d_fake": ops.mean(ops.sigmoid(fake_logits)),
        }

    def generator_losses(self, fakes, training=False):
        """Loss terms of the generator on `fakes` in [-1, 1]: `g_loss`, the non-saturating loss."""
        return {"g_loss": non_saturating_loss(self.discriminator_logits(fakes, training))}

    def discriminator_step(self, real_images):
        """One discriminator update on `real_images` [N, H, W, C] in [0, 1] and N fakes (generator in
        training mode, its moving statistics kept). Returns the loss terms."""
        real = to_tanh_range(real_images)
        with frozen_statistics(self.generator):
            fakes = ops.cast(self.generator(self.noise(ops.shape(real)[0]), training=True), "float32")
        with tf.GradientTape() as tape:
            terms = self.discriminator_losses(real, fakes, training=True)
            loss = self.discriminator_optimizer.scale_loss(terms["d_loss"])
        self._minimise(self.discriminator_optimizer, tape, loss, self.discriminator_weights)
        return terms

    def generator_step(self, batch_size):
        """One generator update on `batch_size` fakes (discriminator in training mode, its moving
        statistics kept). Returns the loss terms."""
        noise = self.noise(batch_size)
        with tf.GradientTape() as tape:
            fakes = ops.cast(self.generator(noise, training=True), "float32")
            with frozen_statistics(self.discriminator):
                terms = self.generator_losses(fakes, training=True)
            loss = self.generator_optimizer.scale_loss(terms["g_loss"])
        self._minimise(self.generator_optimizer, tape, loss, self.generator_weights)
        return terms

    def _real_images(self, data):
        images, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        return ops.cast(images, "float32")

    def train_step(self, data):
        images = self._real_images(data)
        batch_size = ops.shape(images)[0]
        for _ in range(self.d_steps):
            terms = self.discriminator_step(images)
        terms.update(self.generator_step(batch_size))
        return self._update_metrics(terms, ops.cast(batch_size, "float32"))

    def test_step(self, data):
        real = to_tanh_range(self._real_images(data))
        batch_size = ops.shape(real)[0]
        fakes = ops.cast(self.generator(self.noise(batch_size), training=False), "float32")
        terms = {**self.discriminator_losses(real, fakes), **self.generator_losses(fakes)}
        return self._update_metrics(terms, ops.cast(batch_size, "float32"))

    def get_config(self):
        return {**super().get_config(), "latent_dim": self.latent_dim, "seed": self.seed}

"""CycleGAN (Zhu et al., 2017): unpaired image-to-image translation with two cycle-consistent GANs."""

import keras
import tensorflow as tf
from keras import layers, ops

from keras_models.generative import blocks, networks

DIRECTIONS = ("a_to_b", "b_to_a")


def lsgan_discriminator_loss(real_scores, fake_scores):
    """Least-squares GAN loss of a discriminator: (mean (D(real) - 1)^2 + mean D(fake)^2) / 2."""
    real_scores, fake_scores = ops.cast(real_scores, "float32"), ops.cast(fake_scores, "float32")
    return 0.5 * (ops.mean(ops.square(real_scores - 1.0)) + ops.mean(ops.square(fake_scores)))


def lsgan_generator_loss(fake_scores):
    """Least-squares GAN loss of a generator: mean (D(fake) - 1)^2."""
    return ops.mean(ops.square(ops.cast(fake_scores, "float32") - 1.0))


def l1(images, targets):
    """Mean absolute difference over pixels and batch."""
    return ops.mean(ops.abs(ops.cast(images, "float32") - ops.cast(targets, "float32")))


def resnet_generator(image_shape, filters, residual_blocks, dtype, name):
    """7x7 conv (`filters`) -> 3x3 conv of stride 2 (2 filters) -> residual blocks -> 3x3 transposed conv
    of stride 2 (`filters`) -> 7x7 conv (C channels), tanh; instance norm and ReLU between."""
    images = keras.Input(shape=image_shape, name="images")
    x = blocks.conv_block(images, filters, 7, 1, "instance", "relu", dtype, f"{name}_in")
    x = blocks.conv_block(x, 2 * filters, 3, 2, "instance", "relu", dtype, f"{name}_down")
    for i in range(residual_blocks):
        y = blocks.conv_block(x, 2 * filters, 3, 1, "instance", "relu", dtype, f"{name}_res_{i}_a")
        y = blocks.conv_block(y, 2 * filters, 3, 1, "instance", None, dtype, f"{name}_res_{i}_b")
        x = layers.Add(dtype=dtype, name=f"{name}_res_{i}_add")([x, y])
    x = blocks.conv_block(x, filters, 3, 2, "instance", "relu", dtype, f"{name}_up", transpose=True)
    outputs = blocks.conv_block(x, image_shape[-1], 7, 1, None, "tanh", dtype, f"{name}_out")
    return keras.Model(images, outputs, name=name)


def patch_discriminator(image_shape, filters, dtype, name):
    """PatchGAN: 4x4 convs of stride 2 (`filters`, LeakyReLU; 2 filters, IN, LeakyReLU), of stride 1
    (4 filters, IN, LeakyReLU), then a 4x4 conv to one score per patch: [N, H/4, W/4, 1]."""
    images = keras.Input(shape=image_shape, name="images")
    x = blocks.conv_block(images, filters, 4, 2, None, "leaky_relu", dtype, f"{name}_0")
    x = blocks.conv_block(x, 2 * filters, 4, 2, "instance", "leaky_relu", dtype, f"{name}_1")
    x = blocks.conv_block(x, 4 * filters, 4, 1, "instance", "leaky_relu", dtype, f"{name}_2")
    scores = blocks.conv_block(x, 1, 4, 1, None, None, dtype, f"{name}_scores")
    return keras.Model(images, scores, name=name)


@keras.saving.register_keras_serializable(package="keras_models")
class CycleGAN(networks.AdversarialModel):
    """CycleGAN: G: A -> B and F: B -> A learned from unpaired images of two domains.

    - Generators `generator_g` (A -> B) and `generator_f` (B -> A), small
      ResNets: 7x7 conv, one 3x3 down-sampling conv of stride 2,
      `residual_blocks` residual blocks, one 3x3 transposed conv of stride 2,
      7x7 conv with tanh; instance norm (GroupNormalization with one group per
      channel) and ReLU between. Zero 'same' padding (the paper reflects).
    - Discriminators `discriminator_a` (real A vs F(b)) and `discriminator_b`
      (real B vs G(a)): PatchGANs scoring [H/4, W/4] overlapping patches,
      LeakyReLU(0.2), instance norm but on the first layer.

    Losses, least-squares as in the paper: each discriminator minimises
    ((D(real) - 1)^2 + D(fake)^2) / 2; the generators, updated jointly, minimise
    (D_B(G(a)) - 1)^2 + (D_A(F(b)) - 1)^2 + lambda_cycle * cycle_loss
    + lambda_identity * lambda_cycle * identity_loss, with cycle_loss =
    |F(G(a)) - a| + |G(F(b)) - b| and identity_loss = |G(b) - b| + |F(a) - a|
    (mean absolute errors on the [-1, 1] scale). No history buffer of fakes.

    Train with `fit(images_a, images_b)` (two arrays of the same length) or
    `fit(dataset)`, a dataset of `(images_a, images_b)` batches, e.g.
    `tf.data.Dataset.zip(batches_a, batches_b)` of independently shuffled
    domains. Each `train_step` updates both discriminators (`d_steps` times),
    then both generators. Tracked: `g_loss`, `f_loss` (adversarial terms of G
    and F), `d_a_loss`, `d_b_loss`, `cycle_loss`, and `identity_loss` when
    `lambda_identity > 0` (the L1 terms unweighted).

    `translate(images, "a_to_b" | "b_to_a")` and `cycle(images, direction)`
    (there and back) take and return images in [0, 1]; `model(images)` is
    `translate(images, "a_to_b")`. There is no noise input, hence no `generate`.

    Args:
        image_shape: tuple. Shape of one image (both domains), `(height, width, channels)`,
            values in [0, 1]; H and W even.
        filters: int. Filters of the generators' first convolution and of the discriminators' first.
        residual_blocks: int. Residual blocks in each generator.
        lambda_cycle: float. Weight of the cycle-consistency loss.
        lambda_identity: float. Weight of the identity loss, relative to lambda_cycle (0: off).

    Example:

    ```python
    import numpy as np
    from keras_models.generative import CycleGAN

    rng = np.random.default_rng(0)
    images_a = rng.random((16, 28, 28, 1), dtype=np.float32)
    images_b = rng.random((16, 28, 28, 1), dtype=np.float32)
    model = CycleGAN(filters=4, residual_blocks=1)
    model.compile()  # Adam(2e-4, beta_1=0.5) for the generators and for the discriminators
    model.fit(images_a, images_b, epochs=1, batch_size=8, verbose=0)
    fakes_b = model.translate(images_a[:3], "a_to_b")  # [3, 28, 28, 1] in [0, 1]
    assert model.cycle(images_a[:3], "a_to_b").shape == fakes_b.shape == (3, 28, 28, 1)
    ```
    """

    def __init__(
        self,
        image_shape=(28, 28, 1),
        filters=32,
        residual_blocks=2,
        lambda_cycle=10.0,
        lambda_identity=0.0,
        **kwargs,
    ):
        image_shape = networks.check_image_shape(image_shape, 2, type(self).__name__)
        filters = networks.check_positive("filters", filters)
        if int(residual_blocks) != residual_blocks or residual_blocks < 0:
            raise ValueError(f"residual_blocks must be a non-negative int, got {residual_blocks!r}.")
        if lambda_cycle < 0 or lambda_identity < 0:
            raise ValueError(
                "lambda_cycle and lambda_identity must be non-negative, "
                f"got {lambda_cycle} and {lambda_identity}."
            )
        tracked = ("g_loss", "f_loss", "d_a_loss", "d_b_loss", "cycle_loss")
        super().__init__(image_shape, tracked + ("identity_loss",) * (lambda_identity > 0), **kwargs)
        dtype = self.dtype_policy

        # === Networks ===
        residual_blocks = int(residual_blocks)
        self.generator_g = resnet_generator(image_shape, filters, residual_blocks, dtype, "generator_g")
        self.generator_f = resnet_generator(image_shape, filters, residual_blocks, dtype, "generator_f")
        self.discriminator_a = patch_discriminator(image_shape, filters, dtype, "discriminator_a")
        self.discriminator_b = patch_discriminator(image_shape, filters, dtype, "discriminator_b")

        # === Config ===
        self.filters = filters
        self.residual_blocks = residual_blocks
        self.lambda_cycle = float(lambda_cycle)
        self.lambda_identity = float(lambda_identity)
        self.built = True

    @property
    def generator_networks(self):
        return (self.generator_g, self.generator_f)

    @property
    def discriminator_networks(self):
        return (self.discriminator_a, self.discriminator_b)

    def _generators(self, direction):
        """(there, back) for `direction`."""
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be 'a_to_b' or 'b_to_a', got {direction!r}.")
        if direction == "a_to_b":
            return self.generator_g, self.generator_f
        return self.generator_f, self.generator_g

    def translate(self, images, direction="a_to_b"):
        """Images [N, H, W, C] in [0, 1] of one domain in the other: G(a) (`"a_to_b"`) or F(b)."""
        there, _ = self._generators(direction)
        return networks.to_unit_range(there(networks.to_tanh_range(images), training=False))

    def cycle(self, images, direction="a_to_b"):
        """The round trip F(G(a)) (`"a_to_b"`) or G(F(b)) (`"b_to_a"`), images in [0, 1]."""
        there, back = self._generators(direction)
        translated = there(networks.to_tanh_range(images), training=False)
        return networks.to_unit_range(back(translated, training=False))

    def call(self, images, training=False):
        return self.translate(images, "a_to_b")

    def discriminator_losses(self, a, b, fake_a, fake_b, training=False):
        """`d_a_loss` and `d_b_loss` of real images and fakes, all in [-1, 1]."""
        return {
            "d_a_loss": lsgan_discriminator_loss(
                self.discriminator_a(a, training=training), self.discriminator_a(fake_a, training=training)
            ),
            "d_b_loss": lsgan_discriminator_loss(
                self.discriminator_b(b, training=training), self.discriminator_b(fake_b, training=training)
            ),
        }

    def generator_losses(self, a, b, training=False):
        """The generators' terms on real `a` and `b` in [-1, 1]: `g_loss`, `f_loss`, `cycle_loss`,
        (`identity_loss`), and `objective`, their weighted sum that the generator step minimises."""
        g, f = self.generator_g, self.generator_f
        fake_b, fake_a = g(a, training=training), f(b, training=training)
        terms = {
            "g_loss": lsgan_generator_loss(self.discriminator_b(fake_b, training=training)),
            "f_loss": lsgan_generator_loss(self.discriminator_a(fake_a, training=training)),
            "cycle_loss": l1(f(fake_b, training=training), a) + l1(g(fake_a, training=training), b),
        }
        terms["objective"] = terms["g_loss"] + terms["f_loss"] + self.lambda_cycle * terms["cycle_loss"]
        if self.lambda_identity > 0:
            terms["identity_loss"] = l1(g(b, training=training), b) + l1(f(a, training=training), a)
            terms["objective"] += self.lambda_identity * self.lambda_cycle * terms["identity_loss"]
        return terms

    def discriminator_step(self, images_a, images_b):
        """One update of both discriminators on real batches in [0, 1] and the generators' translations of
        them (generators in training mode, any moving statistics kept). Returns the loss terms."""
        a, b = networks.to_tanh_range(images_a), networks.to_tanh_range(images_b)
        with networks.frozen_statistics(*self.generator_networks):
            fake_b = ops.cast(self.generator_g(a, training=True), "float32")
            fake_a = ops.cast(self.generator_f(b, training=True), "float32")
        with tf.GradientTape() as tape:
            terms = self.discriminator_losses(a, b, fake_a, fake_b, training=True)
            loss = self.discriminator_optimizer.scale_loss(terms["d_a_loss"] + terms["d_b_loss"])
        self._minimise(self.discriminator_optimizer, tape, loss, self.discriminator_weights)
        return terms

    def generator_step(self, images_a, images_b):
        """One joint update of both generators on real batches in [0, 1] (discriminators in training
        mode, any moving statistics kept). Returns the loss terms."""
        a, b = networks.to_tanh_range(images_a), networks.to_tanh_range(images_b)
        with tf.GradientTape() as tape:
            with networks.frozen_statistics(*self.discriminator_networks):
                terms = self.generator_losses(a, b, training=True)
            loss = self.generator_optimizer.scale_loss(terms["objective"])
        self._minimise(self.generator_optimizer, tape, loss, self.generator_weights)
        return terms

    def _batches(self, data):
        images_a, images_b, _ = keras.utils.unpack_x_y_sample_weight(data)
        if images_b is None and isinstance(images_a, (tuple, list)) and len(images_a) == 2:
            images_a, images_b = images_a
        if images_b is None:
            raise ValueError(
                "CycleGAN trains on (images_a, images_b) batches: fit(images_a, images_b) or a dataset "
                "of (images_a, images_b) tuples."
            )
        return ops.cast(images_a, "float32"), ops.cast(images_b, "float32")

    def _check_inputs(self, x, y):
        return self._checked(x), self._checked(y)

    def train_step(self, data):
        images_a, images_b = self._batches(data)
        for _ in range(self.d_steps):
            terms = self.discriminator_step(images_a, images_b)
        terms.update(self.generator_step(images_a, images_b))
        return self._update_metrics(terms, ops.cast(ops.shape(images_a)[0], "float32"))

    def test_step(self, data):
        images_a, images_b = self._batches(data)
        a, b = networks.to_tanh_range(images_a), networks.to_tanh_range(images_b)
        fake_b, fake_a = self.generator_g(a, training=False), self.generator_f(b, training=False)
        terms = {**self.discriminator_losses(a, b, fake_a, fake_b), **self.generator_losses(a, b)}
        return self._update_metrics(terms, ops.cast(ops.shape(images_a)[0], "float32"))

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "residual_blocks": self.residual_blocks,
            "lambda_cycle": self.lambda_cycle,
            "lambda_identity": self.lambda_identity,
        }

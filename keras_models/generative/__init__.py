"""Generative adversarial networks (chapter 20): GAN, DCGAN, EBGAN and CycleGAN.

Every model takes and returns float32 images in [0, 1], [N, H, W, C] (inside,
[-1, 1] with tanh generators). Compile with `model.compile()` (Adam(2e-4,
beta_1=0.5) for each player) or `model.compile(generator_optimizer,
discriminator_optimizer, d_steps=1)`, then:

- GAN, DCGAN, EBGAN: `model.fit(images)` (or a dataset of image batches or of
  `(images, labels)`, labels ignored); `generate(count, seed)` -> images,
  deterministic per seed; `model(noise)` maps noise [N, latent_dim] to images.
- CycleGAN: `model.fit(images_a, images_b)` or a dataset of `(images_a,
  images_b)` batches; `translate(images, "a_to_b" | "b_to_a")`, `cycle(images,
  direction)`; `model(images)` translates a -> b.
"""

from keras_models.generative.cyclegan import CycleGAN
from keras_models.generative.dcgan import DCGAN
from keras_models.generative.ebgan import EBGAN
from keras_models.generative.gan import GAN

__all__ = ["DCGAN", "EBGAN", "GAN", "CycleGAN"]

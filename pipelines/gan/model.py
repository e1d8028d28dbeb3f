"""Trainer module: trains the --model GAN, saves a sample grid every epoch (and a GIF of them), exports
the generate or translate signature."""

import dataclasses
import glob
import os

import keras
import numpy as np
import tensorflow as tf
import tensorflow_transform as tft

from components import model_info
from components.plots import image_grid
from keras_models import generative
from pipelines import training
from pipelines.gan import configs
from pipelines.image_classification import features
from serving.gan_export import GanExport


def build_model(config):
    return getattr(generative, configs.MODELS[config.model][0])(image_shape=(*features.IMAGE_SHAPE, 1))


def _images(file_pattern, tft_output, config, shuffle, label=None):
    """Batches of transformed images (of one class when `label` is given)."""
    keep = None if label is None else (lambda x: tf.equal(x[features.LABEL_XF_KEY], label))
    return training.transformed_dataset(
        file_pattern, tft_output, (features.IMAGE_XF_KEY,), config.batch_size, shuffle, config.seed, keep=keep
    ).map(lambda images: images)  # (images,) -> images


class SampleGrids(keras.callbacks.Callback):
    """After every epoch, `samples/epoch_NNN.png`: generated images for a fixed seed (CycleGAN: fixed eval
    images of domain a and their translations); at the end, `samples.gif` of all of them."""

    def __init__(self, run_dir, fixed_images=None, seed=1234, count=64):
        super().__init__()
        self.folder = os.path.join(run_dir, "samples")
        self.fixed_images, self.seed, self.count = fixed_images, seed, count
        os.makedirs(self.folder, exist_ok=True)

    def on_epoch_end(self, epoch, logs=None):
        if self.fixed_images is None:
            images = np.asarray(self.model.generate(self.count, self.seed))[..., 0] * 255
            rows = [images[i : i + 16] for i in range(0, self.count, 16)]
            titles = [""] * len(rows)
        else:
            translated = np.asarray(self.model.translate(self.fixed_images, "a_to_b"))[..., 0] * 255
            rows, titles = [self.fixed_images[..., 0] * 255, translated], ["a", "a → b"]
        image_grid(
            rows, titles, os.path.join(self.folder, f"epoch_{epoch + 1:03d}.png"), f"epoch {epoch + 1}"
        )

    def on_train_end(self, logs=None):
        from PIL import Image

        frames = [
            Image.open(path).convert("P")
            for path in sorted(glob.glob(os.path.join(self.folder, "epoch_*.png")))
        ]
        if frames:
            frames[0].save(
                os.path.join(os.path.dirname(self.folder), "samples.gif"),
                save_all=True,
                append_images=frames[1:],
                duration=500,
                loop=0,
            )


def run_fn(fn_args):
    """TFX Trainer entry point (found by dotted path)."""
    config = configs.TrainConfig(**(fn_args.custom_config or {}))
    keras.utils.set_random_seed(config.seed)
    policy = training.set_precision_policy(config.mixed_precision)  # before the model's layers exist
    tft_output = tft.TFTransformOutput(fn_args.transform_output)
    model = build_model(config)
    model.compile()  # the paper's optimizers (DCGAN: Adam 2e-4, beta_1 0.5)

    fixed = None
    if config.model == "cyclegan":
        a, b = config.domains
        train_ds = tf.data.Dataset.zip(
            _images(fn_args.train_files, tft_output, config, True, a),
            _images(fn_args.train_files, tft_output, config, True, b),
        )
        fixed = next(iter(_images(fn_args.eval_files, tft_output, config, False, a)))[:8].numpy()
    else:
        train_ds = _images(fn_args.train_files, tft_output, config, shuffle=True)

    epochs = config.epochs or configs.MODELS[config.model][1]
    training.fit_and_record(
        model,
        train_ds,
        None,
        epochs=epochs,
        run_dir=fn_args.model_run_dir,
        extra={"config": dataclasses.asdict(config), "precision_policy": policy},
        callbacks=[SampleGrids(fn_args.model_run_dir, fixed)],
    )

    GanExport(
        model,
        tft_output,
        image_key=features.IMAGE_KEY,
        image_xf_key=features.IMAGE_XF_KEY,
        image_shape=features.IMAGE_SHAPE,
    ).save(fn_args.serving_model_dir)
    model_info.write(
        os.path.dirname(fn_args.serving_model_dir),
        {
            "model": config.model,
            "domains": list(config.domains) if config.model == "cyclegan" else [],
            "image_shape": list(features.IMAGE_SHAPE),
        },
    )

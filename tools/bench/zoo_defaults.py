"""Does each zoo model learn with the image pipeline's defaults for it? A quick check, not a benchmark.

    .venv/bin/python -m tools.bench.zoo_defaults alexnet vgg_a nin [--train 2000] [--epochs 2]

Trains each named model with its `configs.train_config` defaults (optimizer, schedule with warm-up, weight
decay, augmentation) for `--epochs` on the first `--train` Fashion-MNIST images, Keras' fit without TFX,
and prints the first and last epoch's loss and the accuracy on the first 1,000 test images. It tells
"learns" from "stuck at ln 10"; the pipeline's full runs give the real figures.
"""

import argparse
import time

import keras
import tensorflow as tf

from components.idx_example_gen import idx
from keras_models.vision import zoo
from pipelines import training
from pipelines.image_classification import augmentation, configs

DATA = "/usr/share/datasets/fashion-mnist"


def _split(prefix, limit):
    images, labels = idx.load(
        f"{DATA}/{prefix}-images-idx3-ubyte.gz", f"{DATA}/{prefix}-labels-idx1-ubyte.gz"
    )
    return (images[:limit, ..., None] / 255.0).astype("float32"), labels[:limit]


def check(name, train, test, epochs):
    config = configs.train_config(name, epochs=epochs)
    keras.utils.set_random_seed(config.seed)
    batches = tf.data.Dataset.from_tensor_slices(train).shuffle(len(train[0]), seed=config.seed)
    if config.augment:
        batches = batches.map(augmentation.shift_and_flip(config.max_shift, seed=config.seed))
    batches = batches.batch(config.batch_size)
    schedule = training.WarmupSchedule(
        config.learning_rate, epochs, training.count_batches(batches), config.warmup_epochs, config.schedule
    )
    model = zoo.build(name, 10, (28, 28, 1))
    optimizer = training.make_optimizer(
        config.optimizer, schedule, momentum=config.momentum, weight_decay=config.weight_decay
    )
    model.compile(optimizer, training.classification_loss(config.label_smoothing), metrics=["accuracy"])
    started = time.perf_counter()
    history = model.fit(batches, epochs=epochs, validation_data=test, verbose=0).history
    print(
        f"{name:16s} {config.optimizer} {config.learning_rate:g}: loss {history['loss'][0]:.3f} -> "
        f"{history['loss'][-1]:.3f}, test accuracy {history['val_accuracy'][-1]:.3f} "
        f"({time.perf_counter() - started:.0f} s)",
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", choices=zoo.names(), metavar="MODEL")
    parser.add_argument("--train", type=int, default=2000, help="first N train images (default 2000)")
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    train, test = _split("train", args.train), _split("t10k", 1000)
    for name in args.models:
        check(name, train, test, args.epochs)


if __name__ == "__main__":
    main()

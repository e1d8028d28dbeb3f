"""One worker of tests/e2e/test_multiworker.py: trains LeNet-5 under MultiWorkerMirroredStrategy.

Run as `python -m tests.e2e.multiworker_worker INDEX PORT0,PORT1,... OUT_DIR`: sets TF_CONFIG
(workers on 127.0.0.1), trains a few steps with training.fit_distributed, exports (the chief
keeps its export, the others discard theirs), saves the initial and final weights as .npz
and prints one JSON line {"worker": INDEX, "chief": bool, "seconds": training seconds}.
"""

import json
import os
import sys
import time

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "fashion_mnist_small")
NUM_IMAGES = 512
GLOBAL_BATCH = 64
EPOCHS = 2
STEPS = 4  # per epoch


def main(index, ports, out_dir):
    workers = [f"127.0.0.1:{p}" for p in ports.split(",")]
    os.environ["TF_CONFIG"] = json.dumps(
        {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
    )
    from pipelines import training  # imports TensorFlow

    strategy = training.distribution_strategy("multi_worker")  # before any other TF op

    import keras
    import numpy as np
    import tensorflow as tf

    from components.idx_example_gen import idx
    from keras_models.vision import LeNet5

    keras.utils.set_random_seed(0)
    images, labels = idx.load(
        os.path.join(FIXTURE, "train-images-idx3-ubyte.gz"),
        os.path.join(FIXTURE, "train-labels-idx1-ubyte.gz"),
    )
    x = images[:NUM_IMAGES, :, :, None].astype("float32") / 255.0
    y = labels[:NUM_IMAGES].astype("int64")
    train_ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(GLOBAL_BATCH)

    with strategy.scope():
        model = LeNet5(num_classes=10, input_shape=(28, 28, 1), activation="relu", pooling="max")
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    os.makedirs(out_dir, exist_ok=True)
    np.savez(os.path.join(out_dir, f"initial_{index}.npz"), *model.get_weights())

    start = time.perf_counter()
    history = training.fit_distributed(
        model,
        train_ds,
        strategy=strategy,
        epochs=EPOCHS,
        steps_per_epoch=STEPS,
        learning_rate_schedule=training.cosine_decay(1e-3, EPOCHS).schedule,
        global_batch_size=GLOBAL_BATCH,
        validation_data=train_ds.take(2),
    )
    seconds = time.perf_counter() - start
    np.savez(os.path.join(out_dir, f"final_{index}.npz"), *model.get_weights())

    model_dir = os.path.join(out_dir, "export")
    path = training.export_dir(model_dir, strategy)
    model.export(path)
    training.discard_export(path, model_dir)
    chief = training.is_chief(strategy)
    print(json.dumps({"worker": index, "chief": chief, "seconds": round(seconds, 2), "history": history}))


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], sys.argv[3])

"""ResNet-20 training throughput: float32 and mixed_float16, each with XLA (jit_compile) off and on.

    tools/gpu_smoke.sh [STEPS]                       # from any folder; the repository's .venv
    .venv/bin/python -m tools.bench.gpu_smoke [--steps 200] [--warmup 20] [--window 20] \\
        [--batch 128] [--shape 32x32x3|28x28x1] [--model resnet20] [--json PATH]

One synthetic batch (random images and labels, already on the device) trains the zoo's model with
SGD (momentum 0.9) in a `tf.function` step: the same work as `dlsuite run image_classification`,
without the input pipeline. For each of the four settings: build, compile and warm up for --warmup
steps, then time --steps steps in windows of --window steps (each window ends by reading the loss
back, so the device has finished) and report the median images/s over the windows. mixed_float16
uses Keras's loss-scale optimizer. Prints the device, TensorFlow's version and whether a GPU was
seen, then one row per setting; `--json PATH` writes the same figures. It runs on a CPU too, as
a smoke test only: there float16 convolutions fall back to slow kernels and XLA compiles for minutes.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

SETTINGS = (("float32", False), ("float32", True), ("mixed_float16", False), ("mixed_float16", True))
SHAPES = {"32x32x3": (32, 32, 3), "28x28x1": (28, 28, 1)}


def device_info():
    """(device name, TensorFlow version, GPU seen) of this process."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        details = tf.config.experimental.get_device_details(gpus[0])
        name = details.get("device_name", gpus[0].name)
        capability = details.get("compute_capability")
        if capability:
            name += f" (compute capability {'.'.join(map(str, capability))})"
        if len(gpus) > 1:
            name += f", and {len(gpus) - 1} more GPU(s) (only the first is used)"
    else:
        name = f"CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    return name, tf.__version__, bool(gpus)


def measure(model_name, precision, xla, shape, batch, steps, warmup, window, seed=0):
    """Median images/s of `steps` timed training steps (after `warmup`), and the figures around it."""
    import keras
    import numpy as np
    import tensorflow as tf

    from keras_models.vision import zoo

    keras.utils.set_random_seed(seed)
    model = zoo.build(model_name, num_classes=10, input_shape=shape, dtype=precision)
    optimizer = keras.optimizers.SGD(0.1, momentum=0.9)
    if precision == "mixed_float16":
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    rng = np.random.default_rng(seed)
    with tf.device("/GPU:0" if tf.config.list_physical_devices("GPU") else "/CPU:0"):
        x = tf.identity(rng.normal(size=(batch, *shape)).astype("float32"))  # resident on the device
        y = tf.identity(rng.integers(0, 10, batch))

    @tf.function(jit_compile=xla)
    def step(x, y):
        with tf.GradientTape() as tape:
            probabilities = model(x, training=True)
            loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y, probabilities))
            scaled = optimizer.scale_loss(loss) if precision == "mixed_float16" else loss
        grads = tape.gradient(scaled, model.trainable_variables)
        optimizer.apply(grads, model.trainable_variables)
        return loss

    started = time.perf_counter()
    for _ in range(warmup):
        loss = step(x, y)
    loss.numpy()
    warmup_seconds = time.perf_counter() - started
    window = max(1, min(window, steps))
    rates = []
    for _ in range(max(1, steps // window)):
        started = time.perf_counter()
        for _ in range(window):
            loss = step(x, y)
        final_loss = float(loss.numpy())  # waits for the device
        rates.append(window * batch / (time.perf_counter() - started))
    return {
        "precision": precision,
        "xla": xla,
        "images_per_second": statistics.median(rates),
        "windows": len(rates),
        "window_steps": window,
        "min_images_per_second": min(rates),
        "max_images_per_second": max(rates),
        "warmup_seconds": warmup_seconds,
        "final_loss": final_loss,
    }


def _table(rows):
    lines = [
        "| precision | XLA | images/s (median) | min–max | windows | warm-up s |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['precision']} | {'on' if r['xla'] else 'off'} | {r['images_per_second']:,.0f} | "
        f"{r['min_images_per_second']:,.0f}–{r['max_images_per_second']:,.0f} | {r['windows']} | "
        f"{r['warmup_seconds']:.1f} |"
        for r in rows
    ]
    return "\n".join(lines)


def _positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="gpu_smoke", description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=_positive, default=200, help="timed steps per setting (default: 200)")
    parser.add_argument("--warmup", type=_positive, default=20, help="untimed steps first (default: 20)")
    parser.add_argument("--window", type=_positive, default=20, help="steps per timed window (default: 20)")
    parser.add_argument("--batch", type=_positive, default=128, help="images per step (default: 128)")
    parser.add_argument("--shape", choices=sorted(SHAPES), default="32x32x3", help="image shape")
    parser.add_argument(
        "--model", default="resnet20", help="a name from `dlsuite models` (default: resnet20)"
    )
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON to PATH")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from keras_models.vision import zoo

    try:
        zoo.get(args.model)
    except ValueError as e:
        print(f"gpu_smoke: {e}", file=sys.stderr)
        return 2
    device, tf_version, gpu = device_info()
    print(f"device: {device}", flush=True)
    print(f"TensorFlow {tf_version}; GPU seen: {'yes' if gpu else 'no'}", flush=True)
    shape = SHAPES[args.shape]
    print(
        f"{args.model}, {args.shape}, batch {args.batch}: {args.warmup} warm-up steps, then {args.steps} "
        f"timed steps in windows of {min(args.window, args.steps)}",
        flush=True,
    )
    rows = []
    for precision, xla in SETTINGS:
        row = measure(args.model, precision, xla, shape, args.batch, args.steps, args.warmup, args.window)
        print(
            f"  {precision:13s} XLA {'on ' if xla else 'off'}: {row['images_per_second']:,.0f} images/s",
            flush=True,
        )
        rows.append(row)
    print(_table(rows))
    if args.json:
        figures = {
            "device": device,
            "tensorflow": tf_version,
            "gpu": gpu,
            "model": args.model,
            "shape": list(shape),
            "batch": args.batch,
            "steps": args.steps,
            "warmup": args.warmup,
            "rows": rows,
        }
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=1)
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

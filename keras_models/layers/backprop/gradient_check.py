"""The course's gradient check: a module's analytic derivative against finite differences.

For a fixed random projection r of the output, f(x, w) = Σ r ⊙ module(x; w) is a scalar whose
gradient is exactly what `backward` computes when it is handed ∂L/∂y = r. Each component of that
analytic gradient is compared with the central difference

    (f(θ + ε e_i) − f(θ − ε e_i)) / 2ε,   error O(ε²) from truncation, O(δ |f| / ε) from rounding,

in float64 (δ ≈ 1e-16), for every input and every trainable weight.
"""

import numpy as np
import tensorflow as tf

# A component counts relative to at least this fraction of the largest gradient component checked:
# rounding leaves about 1e-16 |f| / ε ≈ 1e-10 |f| of absolute noise in every central difference, so
# a true zero (a Switch input that lost) would otherwise read as a 100% error. 1e-3 keeps a small
# but wrong component visible (off by its own size, it still shows an error ≥ its share of 1e-3).
FLOOR = 1e-3


def relative_error(analytic, numeric, floor):
    """max_i |a_i − n_i| / max(|a_i| + |n_i|, floor)."""
    analytic, numeric = np.asarray(analytic, np.float64), np.asarray(numeric, np.float64)
    if analytic.size == 0:
        return 0.0
    return float(np.max(np.abs(analytic - numeric) / np.maximum(np.abs(analytic) + np.abs(numeric), floor)))


def _float64(layer, inputs):
    """The layer itself (built) when it computes in float64, else a float64 copy with its weights."""
    if layer.compute_dtype == "float64":
        if not layer.built:
            layer(inputs)
        return layer
    copy = type(layer).from_config({**layer.get_config(), "dtype": "float64"})
    copy(inputs)
    if layer.built:
        copy.set_weights([np.asarray(w, np.float64) for w in layer.get_weights()])
    return copy


def gradient_check(layer, inputs, epsilon=1e-6, seed=0):
    """{name: max relative error} of the layer's analytic gradient against float64 central differences.

    `inputs`: an array, or a list of arrays for the modules with several inputs. Names are "input"
    (or "input_0", "input_1", …) and the weights' names ("kernel", "bias"). The layer is copied to
    float64 when it is not float64 already; the gradient is the layer's own (for the course's
    modules: their hand-written `backward`), through `tf.GradientTape`.

    Example:

    ```python
    import numpy as np
    from keras_models.layers.backprop import Linear, gradient_check

    errors = gradient_check(Linear(3), np.random.default_rng(0).normal(size=(4, 5)))
    assert max(errors.values()) < 1e-6
    ```
    """
    many = isinstance(inputs, list | tuple)
    arrays = [np.array(x, np.float64) for x in (inputs if many else [inputs])]
    layer = _float64(layer, list(arrays) if many else arrays[0])
    weights = list(layer.trainable_weights)

    def call(xs):
        y = layer([tf.constant(x) for x in xs] if many else tf.constant(xs[0]))
        return y if isinstance(y, list) else [y]

    rng = np.random.default_rng(seed)
    projection = [tf.constant(rng.normal(size=y.shape)) for y in call(arrays)]

    def objective(xs):
        return float(sum(tf.reduce_sum(r * y) for r, y in zip(projection, call(xs))))

    tensors = [tf.Variable(x) for x in arrays]
    with tf.GradientTape() as tape:
        outputs = layer([t for t in tensors] if many else tensors[0])
        outputs = outputs if isinstance(outputs, list) else [outputs]
        f = tf.add_n([tf.reduce_sum(r * y) for r, y in zip(projection, outputs)])
    grads = tape.gradient(f, tensors + weights, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    analytic = [np.asarray(g, np.float64) for g in grads]

    numeric = []
    for x in arrays:  # inputs: perturb a copy
        g = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            saved = x[i]
            x[i] = saved + epsilon
            plus = objective(arrays)
            x[i] = saved - epsilon
            minus = objective(arrays)
            x[i] = saved
            g[i] = (plus - minus) / (2 * epsilon)
        numeric.append(g)
    for w in weights:  # weights: assign the perturbed value, then restore
        value = np.array(w.numpy(), np.float64)
        g = np.zeros_like(value)
        for i in np.ndindex(value.shape):
            saved = value[i]
            value[i] = saved + epsilon
            w.assign(value)
            plus = objective(arrays)
            value[i] = saved - epsilon
            w.assign(value)
            minus = objective(arrays)
            value[i] = saved
            w.assign(value)
            g[i] = (plus - minus) / (2 * epsilon)
        numeric.append(g)

    scale = max([np.max(np.abs(a) + np.abs(n)) for a, n in zip(analytic, numeric) if a.size] + [0.0])
    floor = max(FLOOR * scale, np.finfo(np.float64).tiny)
    names = ["input"] if not many else [f"input_{k}" for k in range(len(arrays))]
    names += [w.name for w in weights]
    return {name: relative_error(a, n, floor) for name, a, n in zip(names, analytic, numeric)}

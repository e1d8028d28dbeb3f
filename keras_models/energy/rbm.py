"""The restricted Boltzmann machine (course chapter 21; Smolensky 1986, Hinton 2002, Tieleman 2008).

Binary visible units v ∈ {0, 1}^V and hidden units h ∈ {0, 1}^H with the energy

    E(v, h) = −aᵀv − bᵀh − vᵀWh,          p(v, h) = exp(−E(v, h)) / Z.

No connections inside a layer, so the conditionals factorise: p(h_j = 1 | v) = σ(b_j + (vW)_j) and
p(v_i = 1 | h) = σ(a_i + (Wh)_i), and summing h out gives the free energy

    F(v) = −aᵀv − Σ_j softplus(b_j + (vW)_j),     p(v) = exp(−F(v)) / Z.

The log-likelihood's gradient is a difference of two expectations, ∂log p(v)/∂θ = −∂F(v)/∂θ +
E_model[∂F/∂θ]; the second needs samples from the model. Contrastive divergence CD-k (Hinton 2002)
takes them from k steps of block Gibbs sampling started at the data; persistent CD (PCD, Tieleman
2008, "Training Restricted Boltzmann Machines using Approximations to the Likelihood Gradient") keeps
a set of Gibbs chains ("fantasy particles") running from one update to the next. Either way the update
is the gradient of the surrogate loss  mean F(v_data) − mean F(v_negative), with the negative samples
held fixed: for W it is −(⟨v p(h|v)ᵀ⟩_data − ⟨v p(h|v)ᵀ⟩_negative), the familiar positive minus
negative statistics (with hidden probabilities, as Hinton's practical guide recommends).
"""

import keras
import tensorflow as tf
from keras import ops

MAX_EXACT_HIDDEN = 24  # exact log Z sums 2^H hidden configurations: 2^24 ≈ 17 million is the limit


@keras.saving.register_keras_serializable(package="dlsuite")
class RBM(keras.Model):
    """A binary restricted Boltzmann machine (the course's "RBM"), trained by CD-k or persistent CD.

    A Keras model with a custom `train_step`: `compile(optimizer)` then `fit(x)` with x in {0, 1}
    (probabilities in [0, 1] work as well), [N, visible]; no labels. Each step draws the negative
    samples (CD-k: k Gibbs steps from the batch; PCD: k steps of the persistent chains, which are kept)
    and applies the optimizer to the gradient of mean F(batch) − mean F(negatives). Logs: `loss`, that
    free-energy gap, and `reconstruction_error`; `evaluate` logs `reconstruction_error` and
    `pseudo_log_likelihood` (its mean over the examples).

    Weights: `kernel` W [visible, hidden], `visible_bias` a, `hidden_bias` b, and (not trained)
    `persistent_chains` [chains, visible]. `model(v)` is the mean-field reconstruction
    σ(a + W σ(b + Wᵀv)). Per-example measures return [N]: `free_energy`, `energy(v, h)`,
    `reconstruction_error` (mean squared error per pixel of the reconstruction),
    `pseudo_log_likelihood` (scikit-learn's BernoulliRBM.score_samples) and, for small H,
    `log_likelihood` with the exact log Z.

    Args:
        visible, hidden: numbers of units.
        k: Gibbs steps per update (CD-k, or PCD-k).
        persistent: True for persistent CD (Tieleman 2008).
        chains: the persistent chains (fantasy particles) when `persistent`.
        weight_stddev: W starts at N(0, weight_stddev²) (0.01 in Hinton's practical guide); biases at 0.
        seed: seeds the initialisation and every sample the model draws.

    Example:

    ```python
    import keras
    import numpy as np
    from keras_models.energy import RBM

    images = (np.random.default_rng(0).random((256, 784)) > 0.5).astype("float32")
    rbm = RBM(784, 64, k=1, persistent=True, chains=64, seed=0)
    rbm.init_visible_bias(images)
    rbm.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.5))
    rbm.fit(images, epochs=2, batch_size=32, verbose=0)
    samples = rbm.gibbs(rbm.random_visible(16), steps=100)  # [16, 784] in {0, 1}
    score = rbm.pseudo_log_likelihood(images).numpy().mean()
    ```
    """

    def __init__(self, visible, hidden, k=1, persistent=False, chains=100, weight_stddev=0.01, seed=None,
                 **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        if min(int(visible), int(hidden), int(k), int(chains)) < 1:
            raise ValueError(f"visible, hidden, k and chains must be positive, got "
                             f"{visible}, {hidden}, {k}, {chains}.")  # fmt: skip
        self.visible, self.hidden, self.k = int(visible), int(hidden), int(k)
        self.persistent, self.chains = bool(persistent), int(chains)
        self.weight_stddev, self.seed = float(weight_stddev), seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        init = keras.initializers.RandomNormal(stddev=self.weight_stddev, seed=seed)
        self.kernel = self.add_weight(shape=(self.visible, self.hidden), initializer=init, name="kernel")
        self.visible_bias = self.add_weight(shape=(self.visible,), initializer="zeros", name="visible_bias")
        self.hidden_bias = self.add_weight(shape=(self.hidden,), initializer="zeros", name="hidden_bias")
        self.persistent_chains = self.add_weight(
            shape=(self.chains, self.visible), initializer=self._coin_flips, trainable=False,
            name="persistent_chains",
        )  # fmt: skip
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction_error")
        self.pll_tracker = keras.metrics.Mean(name="pseudo_log_likelihood")
        self.built = True

    def _coin_flips(self, shape, dtype=None):
        return ops.cast(keras.random.uniform(shape, seed=self.seed_generator) < 0.5, dtype or "float32")

    @property
    def metrics(self):
        return [self.loss_tracker, self.reconstruction_tracker, self.pll_tracker]

    # === The conditionals and Gibbs sampling ===
    def hidden_probabilities(self, v):
        """p(h_j = 1 | v) = σ(b_j + (vW)_j), [N, hidden]."""
        return ops.sigmoid(ops.matmul(ops.cast(v, "float32"), self.kernel) + self.hidden_bias)

    def visible_probabilities(self, h):
        """p(v_i = 1 | h) = σ(a_i + (W h)_i), [N, visible]."""
        return ops.sigmoid(ops.matmul(ops.cast(h, "float32"), ops.transpose(self.kernel)) + self.visible_bias)

    def _bernoulli(self, probabilities, noise):
        if noise is None:
            noise = keras.random.uniform(ops.shape(probabilities), seed=self.seed_generator)
        return ops.cast(ops.convert_to_tensor(noise, "float32") < probabilities, "float32")

    def sample_hidden(self, v, noise=None):
        """h ~ p(h | v) in {0, 1}: h_j = [u_j < p(h_j = 1 | v)], u = `noise` (uniform, [N, hidden])
        or drawn from the model's seed."""
        return self._bernoulli(self.hidden_probabilities(v), noise)

    def sample_visible(self, h, noise=None):
        """v ~ p(v | h) in {0, 1}, as `sample_hidden` (noise [N, visible])."""
        return self._bernoulli(self.visible_probabilities(h), noise)

    def gibbs(self, v, steps=1):
        """`steps` steps of block Gibbs sampling v → h → v from v; the last visible sample, [N, visible]."""
        return ops.fori_loop(0, steps, lambda _, x: self.sample_visible(self.sample_hidden(x)),
                             ops.cast(v, "float32"))  # fmt: skip

    def random_visible(self, n):
        """n visible vectors of fair coin flips (a start for chains from noise)."""
        return self._coin_flips((n, self.visible))

    # === Energies and scores ===
    def energy(self, v, h):
        """E(v, h) = −aᵀv − bᵀh − vᵀWh per example, [N]."""
        v, h = ops.cast(v, "float32"), ops.cast(h, "float32")
        interaction = ops.sum(ops.matmul(v, self.kernel) * h, axis=-1)
        return -ops.matmul(v, self.visible_bias) - ops.matmul(h, self.hidden_bias) - interaction

    def free_energy(self, v):
        """F(v) = −log Σ_h exp(−E(v, h)) = −aᵀv − Σ_j softplus(b_j + (vW)_j) per example, [N]."""
        v = ops.cast(v, "float32")
        hidden_input = ops.matmul(v, self.kernel) + self.hidden_bias
        return -ops.matmul(v, self.visible_bias) - ops.sum(ops.softplus(hidden_input), axis=-1)

    def call(self, v):
        """The mean-field reconstruction p(v = 1 | h = p(h = 1 | v)), [N, visible]."""
        return self.visible_probabilities(self.hidden_probabilities(v))

    def reconstruction_error(self, v):
        """Mean squared error per pixel between v and its mean-field reconstruction, per example, [N]."""
        v = ops.cast(v, "float32")
        return ops.mean(ops.square(v - self(v)), axis=-1)

    def pseudo_log_likelihood(self, v, flip=None):
        """The stochastic pseudo-log-likelihood of scikit-learn's BernoulliRBM.score_samples, [N]:
        flip one bit i per example (ṽ = v with v_i → 1 − v_i) and return V · log σ(F(ṽ) − F(v)), V times
        log p(v_i | v_−i). `flip`: the bit of each example [N], or random from the model's seed."""
        v = ops.cast(v, "float32")
        if flip is None:
            flip = keras.random.randint(ops.shape(v)[:1], 0, self.visible, seed=self.seed_generator)
        mask = ops.one_hot(ops.convert_to_tensor(flip, "int32"), self.visible)
        flipped = v + mask * (1.0 - 2.0 * v)
        return -self.visible * ops.softplus(self.free_energy(v) - self.free_energy(flipped))

    def exact_log_partition(self, chunk=4096):
        """log Z, summing exp(−F) over the 2^H hidden configurations in float64: log Σ_h exp(bᵀh +
        Σ_i softplus(a_i + (Wh)_i)). Only for hidden ≤ MAX_EXACT_HIDDEN (a ValueError otherwise)."""
        if self.hidden > MAX_EXACT_HIDDEN:
            raise ValueError(f"exact log Z sums 2^hidden terms: hidden {self.hidden} > {MAX_EXACT_HIDDEN}")
        kernel, a, b = (tf.cast(w, tf.float64) for w in (self.kernel, self.visible_bias, self.hidden_bias))
        bits = tf.range(self.hidden, dtype=tf.int64)
        parts = []
        for start in range(0, 2**self.hidden, chunk):
            codes = tf.range(start, min(start + chunk, 2**self.hidden), dtype=tf.int64)
            h = tf.cast(tf.bitwise.bitwise_and(tf.bitwise.right_shift(codes[:, None], bits), 1), tf.float64)
            terms = tf.linalg.matvec(h, b) + tf.reduce_sum(tf.nn.softplus(a + h @ tf.transpose(kernel)), -1)
            parts.append(tf.reduce_logsumexp(terms))
        return float(tf.reduce_logsumexp(tf.stack(parts)))

    def log_likelihood(self, v, log_partition=None):
        """log p(v) = −F(v) − log Z per example, [N] (float64; log Z exact unless given)."""
        log_partition = self.exact_log_partition() if log_partition is None else log_partition
        v = tf.cast(v, tf.float64)
        kernel, a, b = (tf.cast(w, tf.float64) for w in (self.kernel, self.visible_bias, self.hidden_bias))
        free = -tf.linalg.matvec(v, a) - tf.reduce_sum(tf.nn.softplus(v @ kernel + b), axis=-1)
        return -free - log_partition

    def init_visible_bias(self, v, smoothing=0.01):
        """a_i = log(p_i / (1 − p_i)) with p_i the fraction of examples with v_i = 1, clipped to
        [smoothing, 1 − smoothing] (Hinton's practical guide, section 8)."""
        p = ops.clip(ops.mean(ops.cast(v, "float32"), axis=0), smoothing, 1.0 - smoothing)
        self.visible_bias.assign(ops.log(p / (1.0 - p)))

    # === Training ===
    def negative_samples(self, v):
        """CD-k: k Gibbs steps from the batch; PCD: k Gibbs steps of the persistent chains, stored back."""
        if not self.persistent:
            return self.gibbs(v, self.k)
        chains = self.gibbs(self.persistent_chains, self.k)
        self.persistent_chains.assign(chains)
        return chains

    def contrastive_divergence(self, v, negatives):
        """(surrogate loss, gradients for `trainable_weights`): the loss mean F(v) − mean F(negatives)
        with the negatives held fixed; its gradient is the CD (or PCD) update with a minus sign."""
        with tf.GradientTape() as tape:
            loss = ops.mean(self.free_energy(v)) - ops.mean(self.free_energy(ops.stop_gradient(negatives)))
        return loss, tape.gradient(loss, self.trainable_weights)

    def train_step(self, data):
        v, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        v = ops.cast(v, "float32")
        loss, gradients = self.contrastive_divergence(v, self.negative_samples(v))
        self.optimizer.apply_gradients(zip(gradients, self.trainable_weights))
        self.loss_tracker.update_state(loss)
        self.reconstruction_tracker.update_state(ops.mean(self.reconstruction_error(v)))
        return {m.name: m.result() for m in (self.loss_tracker, self.reconstruction_tracker)}

    def test_step(self, data):
        v, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        self.reconstruction_tracker.update_state(ops.mean(self.reconstruction_error(v)))
        self.pll_tracker.update_state(ops.mean(self.pseudo_log_likelihood(v)))
        return {m.name: m.result() for m in (self.reconstruction_tracker, self.pll_tracker)}

    def get_config(self):
        config = super().get_config()
        config.update(visible=self.visible, hidden=self.hidden, k=self.k, persistent=self.persistent,
                      chains=self.chains, weight_stddev=self.weight_stddev, seed=self.seed)  # fmt: skip
        return config

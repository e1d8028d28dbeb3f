"""The memory operations of the Neural Turing Machine (Graves, Wayne & Danihelka 2014, section 3).

Pure functions on Keras tensors, batched over heads: memory [B, N, M] (N locations of M numbers),
weightings [B, H, N] (H heads, each a distribution over the N locations). `address` chains the four
steps of figure 2: content focus, interpolation with the previous weighting, circular shift,
sharpening. `read` and `write` are equations (2)-(4).
"""

from keras import ops

EPSILON = 1e-8


def cosine_similarity(keys, memory):
    """K(k, M_i) = k . M_i / (|k| |M_i|) for every head and location: keys [B, H, M] -> [B, H, N]."""
    dots = ops.einsum("bhm,bnm->bhn", keys, memory)
    key_norms = ops.sqrt(ops.sum(ops.square(keys), axis=-1, keepdims=True))  # [B, H, 1]
    memory_norms = ops.sqrt(ops.sum(ops.square(memory), axis=-1))[:, None, :]  # [B, 1, N]
    return dots / (key_norms * memory_norms + EPSILON)


def content_weights(keys, strengths, memory):
    """Equation (5): softmax over locations of beta * K(k, M_i); strengths beta [B, H], >= 0."""
    return ops.softmax(strengths[..., None] * cosine_similarity(keys, memory), axis=-1)


def interpolate(content, previous, gates):
    """Equation (7): g w^c + (1 - g) w_{t-1}; gates g [B, H] in [0, 1]."""
    gates = gates[..., None]
    return gates * content + (1.0 - gates) * previous


def circular_shift(weights, shifts):
    """Equation (8): the circular convolution w~(i) = sum_j w(i - j) s(j), j in [-k, k].

    shifts [B, H, 2k + 1] is a distribution over the shifts -k .. k (index k is "stay"). A shift
    of +1 moves the focus from location i to location i + 1 (mod N).
    """
    radius = (shifts.shape[-1] - 1) // 2
    rolled = [ops.roll(weights, shift, axis=-1) for shift in range(-radius, radius + 1)]
    return ops.sum(ops.stack(rolled, axis=-1) * shifts[..., None, :], axis=-1)


def sharpen(weights, gammas):
    """Equation (9): w^gamma / sum w^gamma, gamma [B, H] >= 1 (undoes the blur of the shift)."""
    powered = ops.power(weights + EPSILON, gammas[..., None])
    return powered / ops.sum(powered, axis=-1, keepdims=True)


def address(memory, previous, keys, strengths, gates, shifts, gammas):
    """Figure 2, all four steps: the new weightings [B, H, N] of H heads."""
    weights = content_weights(keys, strengths, memory)
    weights = interpolate(weights, previous, gates)
    weights = circular_shift(weights, shifts)
    return sharpen(weights, gammas)


def read(memory, weights):
    """Equation (2): r = sum_i w(i) M(i) for each head: [B, H, N] x [B, N, M] -> [B, H, M]."""
    return ops.einsum("bhn,bnm->bhm", weights, memory)


def write(memory, weights, erase, add):
    """Equations (3)-(4) for W write heads: M~ = M * prod_h (1 - w_h e_h^T), then M~ + sum_h w_h a_h^T.

    weights [B, W, N]; erase [B, W, M] in [0, 1]; add [B, W, M]. With several heads the erases
    multiply (their order does not matter) and the adds sum, as in the paper.
    """
    keep = 1.0 - weights[..., :, None] * erase[..., None, :]  # [B, W, N, M]
    memory = memory * ops.prod(keep, axis=1)
    return memory + ops.einsum("bwn,bwm->bnm", weights, add)

"""The memory bookkeeping of the Differentiable Neural Computer (Graves et al. 2016, Methods).

Pure functions on Keras tensors: memory [B, N, M]; usage, precedence and the write weighting
[B, N]; read weightings [B, R, N]; the temporal link matrix [B, N, N]. Two mechanisms the NTM
lacks: dynamic allocation (write where memory is least used, and free what has been read) and
temporal links (remember in which order locations were written, so reads can follow it).
"""

from keras import ops

USAGE_EPSILON = 1e-6  # keeps every usage above 0 so the allocation's products stay differentiable


def retention(free_gates, read_weights):
    """psi = prod_i (1 - f_i w^{r,i}_{t-1}) [B, N]: how much of each location the read heads keep.

    free_gates [B, R] in [0, 1]; read_weights [B, R, N], the previous step's.
    """
    return ops.prod(1.0 - free_gates[..., None] * read_weights, axis=1)


def update_usage(usage, write_weights, free_gates, read_weights):
    """u_t = (u_{t-1} + w^w_{t-1} - u_{t-1} * w^w_{t-1}) * psi_t, each entry in [0, 1]."""
    return (usage + write_weights - usage * write_weights) * retention(free_gates, read_weights)


def allocation(usage):
    """The allocation weighting a [B, N]: free locations first, the least used first.

    phi = the locations sorted by ascending usage; a[phi_j] = (1 - u[phi_j]) prod_{i<j} u[phi_i].
    The sort order carries no gradient; the usage values do.
    """
    usage = USAGE_EPSILON + (1.0 - USAGE_EPSILON) * usage
    order = ops.argsort(usage, axis=-1)  # phi, ascending usage
    sorted_usage = ops.take_along_axis(usage, order, axis=-1)
    ones = ops.ones_like(sorted_usage[..., :1])
    before = ops.concatenate([ones, ops.cumprod(sorted_usage, axis=-1)[..., :-1]], axis=-1)  # prod_{i<j}
    sorted_allocation = (1.0 - sorted_usage) * before
    return ops.take_along_axis(sorted_allocation, ops.argsort(order, axis=-1), axis=-1)


def write_weighting(allocation_weights, content_weights, allocation_gate, write_gate):
    """w^w = g^w (g^a a + (1 - g^a) c^w); gates [B] in [0, 1]; sums to at most 1."""
    allocation_gate, write_gate = allocation_gate[:, None], write_gate[:, None]
    return write_gate * (allocation_gate * allocation_weights + (1.0 - allocation_gate) * content_weights)


def erase_and_write(memory, write_weights, erase, values):
    """M_t = M_{t-1} * (1 - w^w e^T) + w^w v^T; erase [B, M] in [0, 1], values [B, M]."""
    return (
        memory * (1.0 - write_weights[:, :, None] * erase[:, None, :])
        + write_weights[:, :, None] * (values[:, None, :])
    )


def update_links(links, precedence, write_weights):
    """L_t[i, j] = (1 - w[i] - w[j]) L_{t-1}[i, j] + w[i] p_{t-1}[j], with L_t[i, i] = 0.

    L[i, j] is how much location i was written right after location j. Uses the PREVIOUS
    precedence, so call it before `update_precedence`.
    """
    w_i, w_j = write_weights[:, :, None], write_weights[:, None, :]
    links = (1.0 - w_i - w_j) * links + w_i * precedence[:, None, :]
    size = ops.shape(links)[-1]
    return links * (1.0 - ops.eye(size, dtype=links.dtype))


def update_precedence(precedence, write_weights):
    """p_t = (1 - sum_i w^w[i]) p_{t-1} + w^w: where the last write went (sums to at most 1)."""
    return (1.0 - ops.sum(write_weights, axis=-1, keepdims=True)) * precedence + write_weights


def directional_weights(links, read_weights):
    """(forward, backward) [B, R, N]: f = L w^r (the location written after), b = L^T w^r (before)."""
    forward = ops.einsum("bij,brj->bri", links, read_weights)
    backward = ops.einsum("bji,brj->bri", links, read_weights)
    return forward, backward


def read_weighting(backward, content, forward, modes):
    """w^r = pi_1 b + pi_2 c + pi_3 f; modes [B, R, 3] a distribution (backward, content, forward)."""
    return modes[..., 0:1] * backward + modes[..., 1:2] * content + modes[..., 2:3] * forward

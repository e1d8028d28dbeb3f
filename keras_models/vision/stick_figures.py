"""Stick figures with known joints: a generated data set for pose estimation (course chapter 17).

Real pose data sets (FLIC, LSP, MPII) are photographs with hand-labelled joints; a stick figure keeps
what the task needs, an articulated body whose joints have to be found, with the labels exact and
free. Each figure has a random size, position, lean and limb angles; its lines are drawn anti-aliased
and Gaussian pixel noise is added.

    images, joints = stick_figures(1000, size=64, seed=0)
    images.shape == (1000, 64, 64, 1)   # float32 in [0, 1]
    joints.shape == (1000, 14, 2)       # (x, y) = (column, row) in pixels, pixel centres at integers

The figure faces the viewer, so its right side is on the image's left. Like the colours of real
clothes, the intensity tells the sides apart: right limbs are drawn at RIGHT_INTENSITY, left limbs
dimmer at LEFT_INTENSITY, head and torso in between. Without it "left wrist" and "right wrist" would
be interchangeable whenever the arms cross, and no model could tell them apart.
"""

import numpy as np

JOINTS = (
    "head", "neck",
    "right_shoulder", "right_elbow", "right_wrist",
    "left_shoulder", "left_elbow", "left_wrist",
    "right_hip", "right_knee", "right_ankle",
    "left_hip", "left_knee", "left_ankle",
)  # fmt: skip
J = {name: i for i, name in enumerate(JOINTS)}
BONES = (
    ("head", "neck"), ("neck", "right_hip"), ("neck", "left_hip"), ("right_hip", "left_hip"),
    ("neck", "right_shoulder"), ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
    ("neck", "left_shoulder"), ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
    ("right_hip", "right_knee"), ("right_knee", "right_ankle"),
    ("left_hip", "left_knee"), ("left_knee", "left_ankle"),
)  # fmt: skip
RIGHT_INTENSITY, CENTRE_INTENSITY, LEFT_INTENSITY = 1.0, 0.75, 0.5

# Body proportions, in torso lengths (neck to the middle of the hips).
NECK_TO_HEAD = 0.45
HEAD_RADIUS = 0.2
SHOULDER_HALF_WIDTH, SHOULDER_DROP = 0.35, 0.1
HIP_HALF_WIDTH = 0.22
UPPER_ARM, FOREARM, THIGH, SHIN = 0.5, 0.45, 0.6, 0.55
LINE_HALF_WIDTH = 0.6  # pixels: lines about 1.2 px wide plus one anti-aliased pixel
MARGIN = 2.0  # pixels kept free between the figure and the image's border


def _direction(angle):
    """Unit vectors (x, y) at `angle` radians from straight down (+y), positive angles towards +x."""
    return np.stack([np.sin(angle), np.cos(angle)], axis=-1)


def sample_joints(rng, n, torso=(9.0, 14.0)):
    """(joints [n, 14, 2] of random poses with the neck at the origin, torso lengths [n] uniform in
    `torso` pixels)."""
    length = rng.uniform(*torso, size=n)[:, None]
    lean = rng.uniform(-0.3, 0.3, n)
    down, across = _direction(lean), _direction(lean + np.pi / 2)  # across: towards the figure's left
    joints = np.zeros((n, len(JOINTS), 2))
    joints[:, J["head"]] = _direction(lean + np.pi + rng.uniform(-0.3, 0.3, n)) * NECK_TO_HEAD * length
    pelvis = down * length
    for side, sign in (("right", -1), ("left", 1)):
        shoulder = (sign * SHOULDER_HALF_WIDTH * across + SHOULDER_DROP * down) * length
        upper_arm = lean + sign * rng.uniform(-0.2, 2.7, n)  # from hanging down to raised high
        elbow = shoulder + _direction(upper_arm) * UPPER_ARM * length
        wrist = elbow + _direction(upper_arm + rng.uniform(-1.5, 1.5, n)) * FOREARM * length
        hip = pelvis + sign * HIP_HALF_WIDTH * across * length
        thigh = lean + sign * rng.uniform(-0.15, 0.8, n)  # from crossed a little to spread wide
        knee = hip + _direction(thigh) * THIGH * length
        ankle = knee + _direction(thigh + rng.uniform(-0.8, 0.8, n)) * SHIN * length
        for joint, point in zip(("shoulder", "elbow", "wrist", "hip", "knee", "ankle"),
                                (shoulder, elbow, wrist, hip, knee, ankle)):  # fmt: skip
            joints[:, J[f"{side}_{joint}"]] = point
    return joints, length[:, 0]


def place(rng, joints, length, size):
    """Shifts each figure to a uniformly random position with its head and joints inside the image."""
    radius = np.zeros(joints.shape[:2])
    radius[:, J["head"]] = HEAD_RADIUS * length + LINE_HALF_WIDTH
    low = (joints - radius[..., None]).min(axis=1)
    high = (joints + radius[..., None]).max(axis=1)
    room = (size - 1 - 2 * MARGIN) - (high - low)
    if np.any(room < 0):
        raise ValueError(f"figures do not fit in {size}x{size} images: make the torso range smaller")
    shift = MARGIN - low + rng.uniform(0, 1, room.shape) * room
    return joints + shift[:, None, :]


def bone_intensity(bone):
    """The grey level of a bone: the torso's (ending at the head, neck or a hip), or its side's."""
    end = bone[1]
    if end in ("head", "neck", "right_hip", "left_hip"):
        return CENTRE_INTENSITY
    return RIGHT_INTENSITY if end.startswith("right") else LEFT_INTENSITY


def _segments(joints, length):
    """Start [n, S, 2], end [n, S, 2], intensity [S] and extra radius [n, S] of each drawn line."""
    start = joints[:, [J[a] for a, _ in BONES]]
    end = joints[:, [J[b] for _, b in BONES]]
    intensity = np.array([bone_intensity(bone) for bone in BONES])
    # The head is a disc: a segment of length 0 at the head joint with the head's radius.
    head = joints[:, [J["head"]]]
    start, end = np.concatenate([start, head], axis=1), np.concatenate([end, head], axis=1)
    intensity = np.append(intensity, CENTRE_INTENSITY)
    radius = np.zeros(start.shape[:2])
    radius[:, -1] = HEAD_RADIUS * length
    return start, end, intensity, radius


def render(joints, length, size):
    """[n, size, size] float32 images of the figures' lines, anti-aliased, 0 background.

    Each line is drawn in a window around it only (a line 14 px long touches ~400 of the 4,096
    pixels), one segment of every figure at a time."""
    start, end, intensity, radius = (a.astype("float32") for a in _segments(joints, length))
    reach = radius + LINE_HALF_WIDTH + 0.5  # beyond this distance a line leaves no ink
    low = np.floor(np.minimum(start, end) - reach[..., None]).astype(int)  # [n, S, 2] window corner
    window = int(np.max(np.ceil(np.maximum(start, end) + reach[..., None]) - low)) + 1
    canvas = np.zeros((len(joints), size + 2 * window, size + 2 * window), "float32")  # room around
    figure, steps = np.arange(len(joints))[:, None, None], np.arange(window)
    for s in range(start.shape[1]):
        x = (low[:, s, 0, None, None] + steps[None, None, :]).astype("float32")  # [n, 1, window]
        y = (low[:, s, 1, None, None] + steps[None, :, None]).astype("float32")  # [n, window, 1]
        ax, ay = start[:, s, 0, None, None], start[:, s, 1, None, None]  # [n, 1, 1]
        bx, by = end[:, s, 0, None, None], end[:, s, 1, None, None]
        dx, dy = bx - ax, by - ay
        t = np.clip(((x - ax) * dx + (y - ay) * dy) / np.maximum(dx * dx + dy * dy, 1e-9), 0, 1)
        distance = np.hypot(x - ax - t * dx, y - ay - t * dy) - radius[:, s, None, None]
        coverage = intensity[s] * np.clip(LINE_HALF_WIDTH + 0.5 - distance, 0, 1)  # a 1-px ramp at the edge
        rows, cols = y.astype(int) + window, x.astype(int) + window
        canvas[figure, rows, cols] = np.maximum(canvas[figure, rows, cols], coverage)
    return canvas[:, window : window + size, window : window + size]


def stick_figures(n, size=64, seed=0, noise=0.05, torso=(9.0, 14.0)):
    """`n` stick figures: (images [n, size, size, 1] float32 in [0, 1], joints [n, 14, 2] float32).

    joints[i, j] = (x, y) of JOINTS[j] in pixels (x the column, y the row; pixel centres at integers).
    The same seed gives the same figures. noise: deviation of the Gaussian pixel noise; torso: range
    of the torso length in pixels (64-px images fit figures up to 14 px of torso).
    """
    rng = np.random.default_rng(seed)
    joints, length = sample_joints(rng, n, torso)
    joints = place(rng, joints, length, size)
    images = render(joints, length, size)
    images = np.clip(images + noise * rng.standard_normal(images.shape), 0, 1).astype("float32")
    return images[..., None], joints.astype("float32")


def torso_length(joints):
    """[...] distance from the neck to the middle of the hips: the figure's size, PCK's yardstick."""
    joints = np.asarray(joints)
    pelvis = (joints[..., J["right_hip"], :] + joints[..., J["left_hip"], :]) / 2
    return np.linalg.norm(joints[..., J["neck"], :] - pelvis, axis=-1)

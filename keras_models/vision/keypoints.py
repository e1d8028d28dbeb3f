"""Keypoint localisation by heat-map regression (course chapter 17; Tompson et al. 2014, "Joint training
of a convolutional network and a graphical model for human pose estimation").

Rather than regressing the 2J coordinates of J joints with a dense layer (DeepPose, Toshev & Szegedy
2014), a fully convolutional network outputs one map per joint and is trained to reproduce a Gaussian
bump centred on the joint (mean squared error per pixel). The network stays translation-equivariant:
the same filters detect an elbow wherever it is, and the coordinates are read back from the maps'
peaks (`decode`), with a sub-pixel correction from the peak's neighbours.

    targets = gaussian_heatmaps(joints, (64, 64), sigma=1.5)   # [n, 64, 64, J], 1 at each joint
    model = HeatmapKeypointNet(num_joints=J, input_shape=(64, 64, 1))
    model.compile("adam", HeatmapMSE(sigma=1.5))              # the MSE to those targets
    model.fit(images, joints)
    predicted = model.keypoints(images)                       # [n, J, 2] (x, y): decode(maps)

Coordinates are (x, y) = (column, row) in pixels with pixel centres at integers, as in
`keras_models.vision.stick_figures`.
"""

import keras
import numpy as np
from keras import layers, ops

PEAK_FLOOR = 1e-6  # heat values below this are not a peak: no sub-pixel correction from their logs


def gaussian_heatmaps(joints, shape, sigma=1.5):
    """Training targets: [..., H, W, J] float32, exp(-d² / 2σ²) with d the distance to each joint.

    joints: [..., J, 2] (x, y) in pixels; shape: (H, W) of the maps; sigma: width of the bump in pixels.
    """
    joints = np.asarray(joints, "float32")
    height, width = shape
    x = np.arange(width, dtype="float32")[None, :, None]  # [1, W, 1]
    y = np.arange(height, dtype="float32")[:, None, None]  # [H, 1, 1]
    jx, jy = joints[..., None, None, :, 0], joints[..., None, None, :, 1]  # [..., 1, 1, J]
    return np.exp(-((x - jx) ** 2 + (y - jy) ** 2) / (2 * sigma**2)).astype("float32")


def _offset(before, peak, after):
    """Sub-pixel position of the maximum of the parabola through three log heat values (0 at `peak`).

    A Gaussian's logarithm is a parabola, so for Gaussian maps the correction is exact."""
    safe = np.maximum(np.stack([before, peak, after]), PEAK_FLOOR)
    lb, lp, la = np.log(safe)
    curvature = lb - 2 * lp + la
    ok = (curvature < 0) & (peak > PEAK_FLOOR)
    offset = np.where(ok, 0.5 * (lb - la) / np.where(ok, curvature, -1.0), 0.0)
    return np.clip(offset, -0.5, 0.5)


def decode(heatmaps, subpixel=True):
    """[..., J, 2] (x, y) of each map's maximum; `subpixel`: refined between pixels from its neighbours.

    heatmaps: [..., H, W, J] (a model's output or `gaussian_heatmaps`). Without `subpixel`, the
    coordinates are whole pixels; with it, decode(gaussian_heatmaps(j, shape, σ)) == j for joints
    inside the map (not on its border row or column).
    """
    heatmaps = np.asarray(heatmaps, "float64")
    *lead, height, width, count = heatmaps.shape
    maps = np.moveaxis(heatmaps, -1, -3).reshape(-1, height, width)  # [M, H, W]
    flat = np.argmax(maps.reshape(len(maps), -1), axis=1)
    row, col = flat // width, flat % width
    x, y = col.astype("float64"), row.astype("float64")
    if subpixel:
        m = np.arange(len(maps))
        peak = maps[m, row, col]
        inside_x, inside_y = (col > 0) & (col < width - 1), (row > 0) & (row < height - 1)
        left, right = maps[m, row, np.maximum(col - 1, 0)], maps[m, row, np.minimum(col + 1, width - 1)]
        up, down = maps[m, np.maximum(row - 1, 0), col], maps[m, np.minimum(row + 1, height - 1), col]
        x += np.where(inside_x, _offset(left, peak, right), 0.0)
        y += np.where(inside_y, _offset(up, peak, down), 0.0)
    return np.stack([x, y], axis=-1).reshape(*lead, count, 2).astype("float32")


def pck(predicted, true, reference, alpha=0.2):
    """Percentage of correct keypoints: the fraction of joints within alpha × reference of the truth.

    predicted, true: [n, J, 2]; reference: [n], each figure's yardstick (e.g. its torso length);
    alpha: a number or a sequence (then one PCK per alpha). One joint's PCK: pass [:, j : j + 1].
    """
    distance = np.linalg.norm(np.asarray(predicted) - np.asarray(true), axis=-1)  # [n, J]
    relative = distance / np.asarray(reference, "float64")[:, None]
    alphas = np.asarray(alpha, "float64")
    return np.mean(relative[None] <= alphas.reshape(-1, 1, 1), axis=(1, 2)).reshape(alphas.shape)


@keras.saving.register_keras_serializable(package="dlsuite")
class HeatmapMSE(keras.losses.Loss):
    """Heat-map regression loss: the mean squared error between the predicted maps [B, H, W, J] and
    `gaussian_heatmaps` of the true joints, which it renders itself from y_true = joints [B, J, 2].

    Rendering the targets batch by batch spares holding n × H × W × J floats of targets in memory:
    `model.fit(images, joints)` is enough.

    Example:

    ```python
    from keras_models.vision.keypoints import HeatmapKeypointNet, HeatmapMSE

    model = HeatmapKeypointNet(num_joints=14)
    model.compile(optimizer="adam", loss=HeatmapMSE(sigma=1.5))
    ```
    """

    def __init__(self, sigma=1.5, name="heatmap_mse", **kwargs):
        super().__init__(name=name, **kwargs)
        self.sigma = float(sigma)

    def call(self, y_true, y_pred):
        height, width = y_pred.shape[1], y_pred.shape[2]
        y_true = ops.cast(y_true, y_pred.dtype)
        x = ops.reshape(ops.cast(ops.arange(width), y_pred.dtype), (1, 1, width, 1))
        y = ops.reshape(ops.cast(ops.arange(height), y_pred.dtype), (1, height, 1, 1))
        jx, jy = y_true[:, None, None, :, 0], y_true[:, None, None, :, 1]
        target = ops.exp(-((x - jx) ** 2 + (y - jy) ** 2) / (2 * self.sigma**2))
        return ops.mean(ops.square(y_pred - target), axis=(1, 2, 3))

    def get_config(self):
        return {**super().get_config(), "sigma": self.sigma}


@keras.saving.register_keras_serializable(package="dlsuite")
class HeatmapKeypointNet(keras.Model):
    """Heat-map regression network (Tompson et al. 2014): image in, one heat map per joint out.

    Fully convolutional, the maps as large as the image:

    - stem: 5x5 convolution, stride 2 (H/2), then a 3x3 convolution (kept as a skip connection)
    - 2x2 max pooling (H/4), a 3x3 convolution, then dilated 3x3 convolutions (`dilations`) that widen
      the receptive field to the whole figure, which tells an elbow from a knee
    - bilinear upsampling to H/2, concatenated with the skip, a 3x3 convolution
    - a 1x1 convolution to `num_joints` linear maps, upsampled bilinearly to H x W

    Train with mean squared error against `gaussian_heatmaps`; read the joints with `keypoints`
    (or `decode` on the maps).

    Args:
        num_joints: int. Number of joints, one output map each.
        input_shape: tuple. (height, width, channels); height and width multiples of 4.
        filters: three ints. Filters of the stem, of the skip level (H/2) and of the H/4 level.
        dilations: ints. Dilation rates of the 3x3 convolutions at H/4 (each adds 2 × rate × 4 pixels
            of receptive field).

    Example:

    ```python
    import numpy as np
    from keras_models.vision.keypoints import HeatmapKeypointNet, decode

    model = HeatmapKeypointNet(num_joints=14, input_shape=(64, 64, 1))
    heatmaps = model.predict(np.zeros((2, 64, 64, 1), "float32"), verbose=0)
    assert heatmaps.shape == (2, 64, 64, 14) and decode(heatmaps).shape == (2, 14, 2)
    ```
    """

    def __init__(self, num_joints=14, input_shape=(64, 64, 1), filters=(16, 32, 32), dilations=(2, 4),
                 **kwargs):  # fmt: skip
        height, width = input_shape[0], input_shape[1]
        if height % 4 or width % 4:
            raise ValueError(f"height and width must be multiples of 4, got input_shape={input_shape}.")
        if len(filters) != 3:
            raise ValueError(f"filters must be three numbers (stem, H/2, H/4), got {filters}.")
        stem, skip_filters, deep = (int(f) for f in filters)

        images = keras.Input(shape=tuple(input_shape), name="images")
        x = layers.Conv2D(stem, 5, strides=2, padding="same", activation="relu", name="stem")(images)
        skip = layers.Conv2D(skip_filters, 3, padding="same", activation="relu", name="half")(x)
        x = layers.MaxPooling2D(2, name="pool")(skip)
        x = layers.Conv2D(deep, 3, padding="same", activation="relu", name="quarter")(x)
        for rate in dilations:
            x = layers.Conv2D(deep, 3, padding="same", dilation_rate=rate, activation="relu",
                              name=f"dilated_{rate}")(x)  # fmt: skip
        x = layers.UpSampling2D(2, interpolation="bilinear", name="up_half")(x)
        x = layers.Concatenate(name="with_skip")([x, skip])
        x = layers.Conv2D(skip_filters, 3, padding="same", activation="relu", name="merge")(x)
        x = layers.Conv2D(num_joints, 1, name="joint_maps")(x)
        # A 1x1 convolution commutes with bilinear upsampling: upsampling J maps is the cheap order.
        heatmaps = layers.UpSampling2D(2, interpolation="bilinear", name="heatmaps")(x)
        super().__init__(inputs=images, outputs=heatmaps, **kwargs)

        self.num_joints = int(num_joints)
        self.image_shape = tuple(input_shape)
        self.filters = (stem, skip_filters, deep)
        self.dilations = tuple(int(d) for d in dilations)

    def keypoints(self, images, batch_size=256, subpixel=True):
        """[n, num_joints, 2] (x, y) of each joint: the decoded peaks of the predicted heat maps."""
        return decode(self.predict(images, batch_size=batch_size, verbose=0), subpixel=subpixel)

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "num_joints": self.num_joints,
            "input_shape": self.image_shape,
            "filters": self.filters,
            "dilations": self.dilations,
        }

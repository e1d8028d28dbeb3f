"""Stick figures, Gaussian heat-map targets, their decoding, PCK and HeatmapKeypointNet."""

import keras
import numpy as np
import pytest

from keras_models.vision import stick_figures as figures
from keras_models.vision.keypoints import HeatmapKeypointNet, HeatmapMSE, decode, gaussian_heatmaps, pck
from tests.keras_harness import check_model


@pytest.fixture(scope="module")
def drawn():
    return figures.stick_figures(64, size=64, seed=3)


def test_generator_is_deterministic_and_keeps_the_joints_inside(drawn):
    images, joints = drawn
    assert images.shape == (64, 64, 64, 1) and images.dtype == np.float32
    assert joints.shape == (64, len(figures.JOINTS), 2) and joints.dtype == np.float32
    again, joints_again = figures.stick_figures(64, size=64, seed=3)
    np.testing.assert_array_equal(again, images)
    np.testing.assert_array_equal(joints_again, joints)
    other = figures.stick_figures(64, size=64, seed=4)[1]
    assert not np.allclose(other, joints)
    assert joints.min() >= figures.MARGIN and joints.max() <= 63 - figures.MARGIN
    assert images.min() >= 0 and images.max() <= 1
    torso = figures.torso_length(joints)
    assert np.all((torso >= 9) & (torso <= 14))  # the sampled torso lengths


def test_figures_are_drawn_at_their_joints(drawn):
    images, joints = drawn
    clean, clean_joints = figures.stick_figures(64, size=64, seed=3, noise=0.0)
    np.testing.assert_array_equal(clean_joints, joints)
    rows, cols = np.round(clean_joints[..., 1]).astype(int), np.round(clean_joints[..., 0]).astype(int)
    on_joint = clean[np.arange(64)[:, None], rows, cols, 0]
    # Every joint lies on a drawn line: its nearest pixel centre, at most 0.71 px away, has some ink.
    assert np.all(on_joint >= 0.35 * figures.LEFT_INTENSITY)
    # Far from every joint and bone the background is empty: ink covers a small part of the image.
    assert np.mean(clean > 0) < 0.25
    # The right wrist's line is brighter than the left wrist's: the sides can be told apart.
    right, left = (clean[np.arange(64), rows[:, figures.J[j]], cols[:, figures.J[j]], 0]
                   for j in ("right_wrist", "left_wrist"))  # fmt: skip
    assert np.median(right) > np.median(left)


def test_heatmap_targets_peak_at_the_joints():
    joints = np.array([[[10.0, 20.0], [40.0, 5.0]], [[3.0, 3.0], [60.0, 50.0]]])
    maps = gaussian_heatmaps(joints, (64, 64), sigma=2.0)
    assert maps.shape == (2, 64, 64, 2) and maps.dtype == np.float32
    for i, j in np.ndindex(2, 2):
        x, y = joints[i, j].astype(int)
        assert maps[i, y, x, j] == 1.0 and np.unravel_index(np.argmax(maps[i, ..., j]), (64, 64)) == (y, x)
    assert maps[0, 20, 10 + 2, 0] == pytest.approx(np.exp(-4 / 8))  # 2 px away, σ = 2: exp(-d²/2σ²)


@pytest.mark.parametrize("sigma", [1.0, 1.5, 3.0])
def test_decode_inverts_gaussian_heatmaps(sigma):
    joints = np.random.default_rng(0).uniform(2, 45, size=(5, 14, 2)).astype("float32")
    maps = gaussian_heatmaps(joints, (48, 48), sigma)
    np.testing.assert_allclose(decode(maps), joints, atol=2e-3)
    np.testing.assert_array_equal(decode(maps, subpixel=False), np.round(joints))


def test_decode_does_not_shift_flat_or_border_peaks():
    maps = np.zeros((1, 8, 8, 2), "float32")
    maps[0, 3, 4, 0] = 1.0  # a single hot pixel: neighbours 0, no parabola to fit
    maps[0, 0, 7, 1], maps[0, 1, 7, 1] = 1.0, 0.5  # a peak in the corner
    np.testing.assert_allclose(decode(maps), [[[4, 3], [7, 0]]])


def test_pck_counts_joints_within_alpha_of_the_torso():
    true = np.zeros((2, 2, 2))
    predicted = np.array([[[1.0, 0.0], [3.0, 0.0]], [[0.0, 0.5], [0.0, 4.0]]])
    torso = np.array([10.0, 5.0])  # relative errors: 0.1, 0.3 and 0.1, 0.8
    assert pck(predicted, true, torso, 0.2) == 0.5
    np.testing.assert_allclose(pck(predicted, true, torso, [0.0, 0.1, 0.3, 1.0]), [0, 0.5, 0.75, 1])


def test_heatmap_mse_renders_the_targets_from_the_joints():
    joints = np.random.default_rng(1).uniform(0, 31, size=(3, 4, 2)).astype("float32")
    maps = gaussian_heatmaps(joints, (32, 32), sigma=1.5)
    loss = HeatmapMSE(sigma=1.5)
    assert float(loss(joints, maps)) == pytest.approx(0.0, abs=1e-10)
    assert float(loss(joints, np.zeros_like(maps))) == pytest.approx(np.mean(maps**2), rel=1e-5)
    assert HeatmapMSE.from_config(loss.get_config()).sigma == 1.5


def test_harness(tmp_path):
    images = np.random.default_rng(0).random((2, 32, 32, 1), dtype=np.float32)
    check_model(lambda: HeatmapKeypointNet(num_joints=3, input_shape=(32, 32, 1), filters=(4, 4, 4)),
                images, (2, 32, 32, 3), tmp_path)  # fmt: skip


def test_rejects_sizes_the_skip_connection_cannot_take():
    with pytest.raises(ValueError, match="multiples of 4"):
        HeatmapKeypointNet(input_shape=(30, 32, 1))


def test_a_short_training_run_lowers_the_loss():
    keras.utils.set_random_seed(0)
    images, joints = figures.stick_figures(64, size=32, seed=0, torso=(4.0, 6.0))
    model = HeatmapKeypointNet(num_joints=14, input_shape=(32, 32, 1), filters=(8, 8, 8), dilations=(2,))
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss=HeatmapMSE(sigma=1.5), jit_compile=False)
    before = model.evaluate(images, joints, verbose=0)
    model.fit(images, joints, batch_size=8, epochs=8, verbose=0)
    # Below all-zero maps' loss too (the plateau a heat-map net first falls into): the bumps are learnt.
    all_zero = np.mean(gaussian_heatmaps(joints, (32, 32), sigma=1.5) ** 2)
    assert model.evaluate(images, joints, verbose=0) < 0.6 * min(before, all_zero)
    assert model.keypoints(images[:2]).shape == (2, 14, 2)

"""Trainer module: trains keras_models.vision.FCDenseNet on the canvases and exports `segment`."""

import dataclasses
import os

import keras
import tensorflow_transform as tft

from components import model_info
from keras_models.vision import FCDenseNet
from pipelines import training
from pipelines.segmentation import configs, features
from serving.segmentation_export import SegmentationExport


def build_model(config):
    """The FC-DenseNet preset (keras_models.vision.fc_densenet.PRESETS) that --model names, for
    one-channel canvases and 11 classes."""
    return FCDenseNet.from_preset(
        config.model,
        num_classes=features.NUM_CLASSES,
        input_shape=(*features.IMAGE_SHAPE, 1),
        dropout=config.dropout,
    )


def compile_model(model, learning_rate):
    """Pixel-wise sparse categorical cross-entropy, Adam; pixel accuracy and mean IoU (11 classes) per
    epoch."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=[
            keras.metrics.SparseCategoricalAccuracy(name="pixel_accuracy"),
            keras.metrics.MeanIoU(features.NUM_CLASSES, sparse_y_pred=False, name="mean_iou"),
        ],
    )
    return model


def _canvases(file_pattern, tft_output, config, shuffle):
    """Batches of (images [B, H, W, 1] in [0, 1], masks [B, H, W])."""
    return training.transformed_dataset(
        file_pattern,
        tft_output,
        (features.IMAGE_XF_KEY, features.MASK_XF_KEY),
        config.batch_size,
        shuffle,
        config.seed,
    )


def run_fn(fn_args):
    """TFX Trainer entry point (found by dotted path)."""
    config = configs.TrainConfig(**(fn_args.custom_config or {}))
    keras.utils.set_random_seed(config.seed)
    policy = training.set_precision_policy(config.mixed_precision)  # before the model's layers exist
    tft_output = tft.TFTransformOutput(fn_args.transform_output)

    model = compile_model(build_model(config), config.learning_rate)
    parameters = model.count_params()
    print(f"FCDenseNet: {config.model}, {parameters:,} parameters, policy {policy}", flush=True)
    training.fit_and_record(
        model,
        _canvases(fn_args.train_files, tft_output, config, shuffle=True),
        _canvases(fn_args.eval_files, tft_output, config, shuffle=False),
        epochs=config.epochs,
        learning_rate=config.learning_rate,
        run_dir=fn_args.model_run_dir,
        extra={"config": dataclasses.asdict(config), "precision_policy": policy, "parameters": parameters},
    )

    SegmentationExport(
        model,
        tft_output,
        image_key=features.IMAGE_KEY,
        image_xf_key=features.IMAGE_XF_KEY,
        image_shape=features.IMAGE_SHAPE,
        num_classes=features.NUM_CLASSES,
    ).save(fn_args.serving_model_dir)
    model_info.write(
        os.path.dirname(fn_args.serving_model_dir),
        {
            "model": config.model,
            "parameters": parameters,
            "image_shape": list(features.IMAGE_SHAPE),
            "class_names": list(features.CLASS_NAMES),
        },
    )

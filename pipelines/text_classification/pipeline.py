"""The text classification pipeline: labelled text -> fastText -> blessed, pushed SavedModel."""

import dataclasses

from tfx import v1 as tfx

from pipelines import stages
from pipelines.text_classification import configs, features
from serving.text_export import TRANSFORM_FEATURES


def create_pipeline(
    *,
    pipeline_root,
    data_root,
    serving_model_dir,
    metadata_path,
    train_pattern="train.*",
    eval_pattern="dev.*",
    data_config=configs.DataConfig(),
    train_config=configs.TrainConfig(),
    eval_config=configs.EvalConfig(),
    beam_pipeline_args=(),
    pipeline_name=configs.PIPELINE_NAME,
):
    """Returns the TFX pipeline; a pure function of its arguments."""
    example_gen, statistics_gen, schema_gen, example_validator, validation_gate = stages.text_examples(
        data_root=data_root, train_pattern=train_pattern, eval_pattern=eval_pattern, data_config=data_config
    )
    baseline = stages.latest_blessed_model() if eval_config.compare_with_baseline else None
    # >= 2 classes, and the baseline's label set: a model of other labels cannot be compared with it.
    label_check = stages.label_check(
        statistics=statistics_gen.outputs["statistics"], label_key=features.LABEL_KEY, baseline=baseline
    )

    transform = stages.transform_after(
        validation_gate,
        label_check,
        examples=example_gen.outputs["examples"],
        schema=schema_gen.outputs["schema"],
        preprocessing_fn="pipelines.text_classification.preprocessing.preprocessing_fn",
    )

    trainer = tfx.components.Trainer(
        run_fn="pipelines.text_classification.model.run_fn",
        examples=example_gen.outputs["examples"],
        transform_graph=transform.outputs["transform_graph"],
        schema=schema_gen.outputs["schema"],
        custom_config=dataclasses.asdict(train_config),
    )

    evaluator = stages.evaluate(
        examples=example_gen.outputs["examples"],
        model=trainer.outputs["model"],
        baseline=baseline,
        eval_config=stages.classification_eval_config(
            label_key=features.LABEL_XF_KEY,  # the raw label is a string; Transform gives its id
            slice_key=features.LABEL_KEY,
            min_accuracy=eval_config.min_accuracy,
            max_accuracy_drop=eval_config.max_accuracy_drop,
            preprocessing=[TRANSFORM_FEATURES],
        ),
    )

    pusher = stages.push(
        model=trainer.outputs["model"],
        model_blessing=evaluator.outputs["blessing"],
        serving_model_dir=serving_model_dir,
    )

    return stages.local_pipeline(
        pipeline_name=pipeline_name,
        pipeline_root=pipeline_root,
        components=[
            example_gen,
            statistics_gen,
            schema_gen,
            example_validator,
            validation_gate,
            *([baseline] if baseline else []),
            label_check,
            transform,
            trainer,
            evaluator,
            pusher,
        ],
        metadata_path=metadata_path,
        beam_pipeline_args=beam_pipeline_args,
    )

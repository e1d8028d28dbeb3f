"""The image classification pipeline: IDX files -> LeNet-5 -> blessed, pushed SavedModel."""

import dataclasses

from tfx import v1 as tfx

from components.idx_example_gen import schema
from components.idx_example_gen.component import IdxExampleGen
from components.serving_infra_validator.component import ServingInfraValidator
from pipelines import stages
from pipelines.image_classification import configs, features


def create_pipeline(
    *,
    pipeline_root,
    data_root,
    serving_model_dir,
    metadata_path,
    train_config=configs.TrainConfig(),
    eval_config=configs.EvalConfig(),
    beam_pipeline_args=(),
    pipeline_name=configs.PIPELINE_NAME,
):
    """Returns the TFX pipeline; a pure function of its arguments."""
    example_gen = IdxExampleGen(input_base=data_root)
    schema_gen, statistics_gen, example_validator, validation_gate = stages.validated(
        examples=example_gen.outputs["examples"],
        schema_file=schema.SCHEMA_FILE,
        custom_validation_config=schema.image_size_check(features.IMAGE_SHAPE),
    )
    # >= 2 classes. Labels are ids of the fixed NUM_CLASSES outputs (the schema bounds them), so a
    # model trained on some of them is still comparable with the baseline: no label-set check.
    label_check = stages.label_check(
        statistics=statistics_gen.outputs["statistics"], label_key=features.LABEL_KEY
    )

    transform = tfx.components.Transform(
        examples=example_gen.outputs["examples"],
        schema=schema_gen.outputs["schema"],
        preprocessing_fn="pipelines.image_classification.preprocessing.preprocessing_fn",
        # The trainer applies the transform graph itself; StatisticsGen already
        # described the raw data.
        materialize=False,
        disable_statistics=True,
    )
    transform.add_upstream_node(validation_gate)
    transform.add_upstream_node(label_check)

    trainer = tfx.components.Trainer(
        run_fn="pipelines.image_classification.model.run_fn",
        examples=example_gen.outputs["examples"],
        transform_graph=transform.outputs["transform_graph"],
        schema=schema_gen.outputs["schema"],
        custom_config=dataclasses.asdict(train_config),
    )

    baseline = stages.latest_blessed_model() if eval_config.compare_with_baseline else None
    evaluator = stages.evaluate(
        examples=example_gen.outputs["examples"],
        model=trainer.outputs["model"],
        baseline=baseline,
        eval_config=stages.classification_eval_config(
            label_key=features.LABEL_KEY,
            slice_key=features.LABEL_KEY,
            min_accuracy=eval_config.min_accuracy,
            max_accuracy_drop=eval_config.max_accuracy_drop,
        ),
    )

    # The model server must load the candidate and answer canned requests before it is pushed
    # (TFX's InfraValidator does this in Docker, which is not available here).
    infra_validator = ServingInfraValidator(
        model=trainer.outputs["model"], examples=example_gen.outputs["examples"]
    )
    infra_validator.add_upstream_node(evaluator)  # only a model that is worth pushing

    pusher = stages.push(
        model=trainer.outputs["model"],
        model_blessing=evaluator.outputs["blessing"],
        serving_model_dir=serving_model_dir,
        infra_blessing=infra_validator.outputs["blessing"],
    )

    return stages.local_pipeline(
        pipeline_name=pipeline_name,
        pipeline_root=pipeline_root,
        components=[
            example_gen,
            schema_gen,
            statistics_gen,
            example_validator,
            validation_gate,
            label_check,
            transform,
            trainer,
            *([baseline] if baseline else []),
            evaluator,
            infra_validator,
            pusher,
        ],
        metadata_path=metadata_path,
        beam_pipeline_args=beam_pipeline_args,
    )

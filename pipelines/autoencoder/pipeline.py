"""The autoencoder pipeline: IDX images -> an autoencoder -> ReconstructionEvaluator -> pushed SavedModel."""

import dataclasses

from tfx import v1 as tfx

from components.idx_example_gen import schema
from components.idx_example_gen.component import IdxExampleGen
from components.reconstruction_evaluator.component import ReconstructionEvaluator
from components.serving_infra_validator.component import ServingInfraValidator
from pipelines import stages
from pipelines.autoencoder import configs
from pipelines.image_classification import features


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
    """Returns the TFX pipeline; a pure function of its arguments.

    The same IDX ingestion, schema, validation and Transform as the image classification pipeline:
    an autoencoder reads the same images (their labels colour its plots and define the anomaly split).
    """
    example_gen = IdxExampleGen(input_base=data_root)
    schema_gen, statistics_gen, example_validator, validation_gate = stages.validated(
        examples=example_gen.outputs["examples"],
        schema_file=schema.SCHEMA_FILE,
        custom_validation_config=schema.image_size_check(features.IMAGE_SHAPE),
    )
    transform = tfx.components.Transform(
        examples=example_gen.outputs["examples"],
        schema=schema_gen.outputs["schema"],
        preprocessing_fn="pipelines.image_classification.preprocessing.preprocessing_fn",
        materialize=False,
        disable_statistics=True,
    )
    transform.add_upstream_node(validation_gate)

    trainer = tfx.components.Trainer(
        run_fn="pipelines.autoencoder.model.run_fn",
        examples=example_gen.outputs["examples"],
        transform_graph=transform.outputs["transform_graph"],
        schema=schema_gen.outputs["schema"],
        custom_config=dataclasses.asdict(train_config),
    )

    baseline = stages.latest_blessed_model() if eval_config.compare_with_baseline else None
    evaluator = ReconstructionEvaluator(
        examples=example_gen.outputs["examples"],
        model=trainer.outputs["model"],
        baseline_model=baseline.outputs["model"] if baseline else None,
        max_mse=eval_config.max_mse,
        min_elbo=eval_config.min_elbo,
        max_regression=eval_config.max_regression,
        eval_limit=eval_config.eval_limit,
        class_names=",".join(features.FASHION_MNIST_CLASSES),
    ).with_id("Evaluator")  # the pipeline's evaluator, as runs, reports and summaries look it up
    infra_validator = ServingInfraValidator(
        model=trainer.outputs["model"], examples=example_gen.outputs["examples"]
    )
    infra_validator.add_upstream_node(evaluator)

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

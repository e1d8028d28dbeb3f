"""The image classification pipeline: IDX files -> LeNet-5 -> blessed, pushed SavedModel."""

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
    ingestion = stages.idx_images(data_root=data_root, image_shape=features.IMAGE_SHAPE)
    example_gen, schema_gen, statistics_gen, _, _, transform = ingestion
    # >= 2 classes. Labels are ids of the fixed NUM_CLASSES outputs (the schema bounds them), so a
    # model trained on some of them is still comparable with the baseline: no label-set check.
    label_check = stages.label_check(
        statistics=statistics_gen.outputs["statistics"], label_key=features.LABEL_KEY
    )
    transform.add_upstream_node(label_check)

    trainer = stages.train(
        run_fn="pipelines.image_classification.model.run_fn",
        examples=example_gen.outputs["examples"],
        transform=transform,
        schema=schema_gen.outputs["schema"],
        train_config=train_config,
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

    checked_push = stages.serve_check_and_push(
        model=trainer.outputs["model"],
        examples=example_gen.outputs["examples"],
        model_blessing=evaluator.outputs["blessing"],
        evaluator=evaluator,
        serving_model_dir=serving_model_dir,
    )

    return stages.local_pipeline(
        pipeline_name=pipeline_name,
        pipeline_root=pipeline_root,
        components=[
            *ingestion,
            label_check,
            trainer,
            *([baseline] if baseline else []),
            evaluator,
            *checked_push,
        ],
        metadata_path=metadata_path,
        beam_pipeline_args=beam_pipeline_args,
    )

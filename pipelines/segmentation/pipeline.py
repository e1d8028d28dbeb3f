"""The segmentation pipeline: Fashion-MNIST canvases -> FC-DenseNet -> SegmentationEvaluator -> pushed
SavedModel."""

from components.canvas_example_gen.component import SCHEMA_FILE, CanvasExampleGen, size_check
from components.segmentation_evaluator.component import SegmentationEvaluator
from pipelines import stages
from pipelines.segmentation import configs, features


def create_pipeline(
    *,
    pipeline_root,
    data_root,
    serving_model_dir,
    metadata_path,
    data_config=configs.DataConfig(),
    train_config=configs.TrainConfig(),
    eval_config=configs.EvalConfig(),
    beam_pipeline_args=(),
    pipeline_name=configs.PIPELINE_NAME,
):
    """Returns the TFX pipeline; a pure function of its arguments.

    `data_root` holds Fashion-MNIST's IDX files: train canvases are composed from `train-*`, eval
    canvases from `t10k-*` (items the model never saw), `data_config.seed` fixing them.
    """
    ingestion = stages.curated_ingestion(
        CanvasExampleGen(
            input_base=data_root,
            seed=data_config.seed,
            train_canvases=data_config.train_canvases,
            eval_canvases=data_config.eval_canvases,
            canvas_size=features.CANVAS_SIZE,
        ),
        schema_file=SCHEMA_FILE,
        preprocessing_fn="pipelines.segmentation.preprocessing.preprocessing_fn",
        custom_validation_config=size_check(features.CANVAS_SIZE),
    )
    example_gen, schema_gen, transform = ingestion[0], ingestion[1], ingestion[-1]
    judged = stages.train_and_judge(
        SegmentationEvaluator,
        examples=example_gen.outputs["examples"],
        run_fn="pipelines.segmentation.model.run_fn",
        transform=transform,
        schema=schema_gen.outputs["schema"],
        train_config=train_config,
        serving_model_dir=serving_model_dir,
        compare_with_baseline=eval_config.compare_with_baseline,
        min_mean_iou=eval_config.min_mean_iou,
        max_regression=eval_config.max_regression,
        eval_limit=eval_config.eval_limit,
    )
    return stages.local_pipeline(
        pipeline_name=pipeline_name,
        pipeline_root=pipeline_root,
        components=[*ingestion, *judged],
        metadata_path=metadata_path,
        beam_pipeline_args=beam_pipeline_args,
    )

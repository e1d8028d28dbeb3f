"""The autoencoder pipeline: IDX images -> an autoencoder -> ReconstructionEvaluator -> pushed SavedModel."""

from components.reconstruction_evaluator.component import ReconstructionEvaluator
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
    ingestion = stages.idx_images(data_root=data_root, image_shape=features.IMAGE_SHAPE)
    example_gen, schema_gen, transform = ingestion[0], ingestion[1], ingestion[-1]

    judged = stages.train_and_judge(
        ReconstructionEvaluator,
        examples=example_gen.outputs["examples"],
        run_fn="pipelines.autoencoder.model.run_fn",
        transform=transform,
        schema=schema_gen.outputs["schema"],
        train_config=train_config,
        serving_model_dir=serving_model_dir,
        compare_with_baseline=eval_config.compare_with_baseline,
        max_mse=eval_config.max_mse,
        min_elbo=eval_config.min_elbo,
        max_regression=eval_config.max_regression,
        eval_limit=eval_config.eval_limit,
        class_names=",".join(features.FASHION_MNIST_CLASSES),
    )
    return stages.local_pipeline(
        pipeline_name=pipeline_name,
        pipeline_root=pipeline_root,
        components=[*ingestion, *judged],
        metadata_path=metadata_path,
        beam_pipeline_args=beam_pipeline_args,
    )

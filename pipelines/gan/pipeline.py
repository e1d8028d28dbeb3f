"""The GAN pipeline: IDX images -> GAN, DCGAN, EBGAN or CycleGAN -> GanEvaluator -> pushed SavedModel."""

from components.gan_evaluator.component import GanEvaluator
from pipelines import stages
from pipelines.gan import configs
from pipelines.image_classification import features


def create_pipeline(
    *,
    pipeline_root,
    data_root,
    serving_model_dir,
    metadata_path,
    cache_dir="",
    train_config=configs.TrainConfig(),
    eval_config=configs.EvalConfig(),
    beam_pipeline_args=(),
    pipeline_name=configs.PIPELINE_NAME,
):
    """Returns the TFX pipeline; a pure function of its arguments.

    The image pipelines' ingestion, validation and Transform; `cache_dir` keeps the evaluator's feature
    classifier between runs ("" trains it in every run).
    """
    ingestion = stages.idx_images(data_root=data_root, image_shape=features.IMAGE_SHAPE)
    example_gen, schema_gen, transform = ingestion[0], ingestion[1], ingestion[-1]
    judged = stages.train_and_judge(
        GanEvaluator,
        examples=example_gen.outputs["examples"],
        run_fn="pipelines.gan.model.run_fn",
        transform=transform,
        schema=schema_gen.outputs["schema"],
        train_config=train_config,
        serving_model_dir=serving_model_dir,
        compare_with_baseline=eval_config.compare_with_baseline,
        max_fid=eval_config.max_fid,
        min_target_fraction=eval_config.min_target_fraction,
        num_samples=eval_config.num_samples,
        cache_dir=cache_dir,
        class_names=",".join(features.FASHION_MNIST_CLASSES),
    )
    return stages.local_pipeline(
        pipeline_name=pipeline_name,
        pipeline_root=pipeline_root,
        components=[*ingestion, *judged],
        metadata_path=metadata_path,
        beam_pipeline_args=beam_pipeline_args,
    )

"""The language-model pipeline: a text corpus -> a character language model -> bits per character ->
pushed SavedModel."""

from components.corpus_example_gen.component import SCHEMA_FILE, CorpusExampleGen
from components.language_model_evaluator.component import LanguageModelEvaluator
from pipelines import stages
from pipelines.language_model import configs


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

    `data_root` is a text file, a folder of them, or comma-separated paths; the eval split is the
    last `data_config.eval_fraction` of the text.
    """
    ingestion = stages.curated_ingestion(
        CorpusExampleGen(
            input_base=data_root, window=data_config.window, eval_fraction=data_config.eval_fraction
        ),
        schema_file=SCHEMA_FILE,
        preprocessing_fn="pipelines.language_model.preprocessing.preprocessing_fn",
    )
    example_gen, schema_gen, transform = ingestion[0], ingestion[1], ingestion[-1]
    judged = stages.train_and_judge(
        LanguageModelEvaluator,
        examples=example_gen.outputs["examples"],
        run_fn="pipelines.language_model.model.run_fn",
        transform=transform,
        schema=schema_gen.outputs["schema"],
        train_config=train_config,
        serving_model_dir=serving_model_dir,
        compare_with_baseline=eval_config.compare_with_baseline,
        max_bpc=eval_config.max_bpc,
        max_regression=eval_config.max_regression,
        sample_prompt=eval_config.sample_prompt,
        sample_length=eval_config.sample_length,
    )
    return stages.local_pipeline(
        pipeline_name=pipeline_name,
        pipeline_root=pipeline_root,
        components=[*ingestion, *judged],
        metadata_path=metadata_path,
        beam_pipeline_args=beam_pipeline_args,
    )

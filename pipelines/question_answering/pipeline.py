"""The question-answering pipeline: bAbI-format files -> a memory network -> per-task error -> pushed
SavedModel with the `answer` signature."""

from components.babi_example_gen.component import SCHEMA_FILE, BabiExampleGen
from components.qa_evaluator.component import QAEvaluator
from pipelines import stages
from pipelines.question_answering import configs


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

    `data_root` is a folder of bAbI-format files: the *_train.txt files are the train split, the
    *_test.txt files the eval split; `data_config.tasks` picks tasks (all when empty).
    """
    ingestion = stages.curated_ingestion(
        BabiExampleGen(input_base=data_root, tasks=data_config.tasks),
        schema_file=SCHEMA_FILE,
        preprocessing_fn="pipelines.question_answering.preprocessing.preprocessing_fn",
    )
    example_gen, schema_gen, transform = ingestion[0], ingestion[1], ingestion[-1]
    judged = stages.train_and_judge(
        QAEvaluator,
        examples=example_gen.outputs["examples"],
        run_fn="pipelines.question_answering.model.run_fn",
        transform=transform,
        schema=schema_gen.outputs["schema"],
        train_config=train_config,
        serving_model_dir=serving_model_dir,
        compare_with_baseline=eval_config.compare_with_baseline,
        max_error=eval_config.max_error,
        max_regression=eval_config.max_regression,
    )
    return stages.local_pipeline(
        pipeline_name=pipeline_name,
        pipeline_root=pipeline_root,
        components=[*ingestion, *judged],
        metadata_path=metadata_path,
        beam_pipeline_args=beam_pipeline_args,
    )

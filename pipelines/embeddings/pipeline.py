"""The embeddings pipeline: text, items or sentence pairs -> StarSpace -> ranked on the eval split -> push."""

from components.ranking_evaluator.component import RankingEvaluator
from pipelines import stages
from pipelines.embeddings import configs, features


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
    """Returns the TFX pipeline; a pure function of its arguments.

    trainMode 0 reads labelled text (and checks its labels as the text classification pipeline
    does); trainModes 1, 3 and 5 read lines (`data_config.data_format`).
    """
    example_gen, statistics_gen, schema_gen, example_validator, validation_gate = stages.text_examples(
        data_root=data_root, train_pattern=train_pattern, eval_pattern=eval_pattern, data_config=data_config
    )
    examples = example_gen.outputs["examples"]
    gates = [validation_gate]
    if train_config.train_mode == 0:  # >= 2 labels: a classifier of one label learns nothing
        gates.append(
            stages.label_check(statistics=statistics_gen.outputs["statistics"], label_key=features.LABEL_KEY)
        )
    transform = stages.transform_after(
        *gates,
        examples=examples,
        schema=schema_gen.outputs["schema"],
        preprocessing_fn="pipelines.embeddings.preprocessing.preprocessing_fn",
    )
    judged = stages.train_and_judge(
        RankingEvaluator,
        examples=examples,
        run_fn="pipelines.embeddings.model.run_fn",
        transform=transform,
        schema=schema_gen.outputs["schema"],
        train_config=train_config,
        serving_model_dir=serving_model_dir,
        compare_with_baseline=eval_config.compare_with_baseline,
        train_mode=train_config.train_mode,
        ws=train_config.ws,
        min_mrr=eval_config.min_mrr,
        max_regression=eval_config.max_regression,
    )
    return stages.local_pipeline(
        pipeline_name=pipeline_name,
        pipeline_root=pipeline_root,
        components=[
            example_gen,
            statistics_gen,
            schema_gen,
            example_validator,
            *gates,
            transform,
            *judged,
        ],
        metadata_path=metadata_path,
        beam_pipeline_args=beam_pipeline_args,
    )

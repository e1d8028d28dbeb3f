"""The word_embeddings pipeline: a corpus -> word2vec, GloVe or doc2vec -> word benchmarks -> push."""

from components.cooccurrence_gen.component import CooccurrenceGen
from components.corpus_example_gen.component import SCHEMA_FILE, CorpusExampleGen
from components.word_vector_evaluator.component import WordVectorEvaluator
from pipelines import stages
from pipelines.word_embeddings import configs, features


def examples_and_validation(data_root, train_pattern, eval_pattern, data_config):
    """(example_gen, statistics_gen, schema_gen, example_validator, validation_gate) of --data: a
    plain-text corpus cut into records (`text`), or train/dev files of a TextExampleGen layout."""
    if data_config.data_format != "text":
        return stages.text_examples(
            data_root=data_root,
            train_pattern=train_pattern,
            eval_pattern=eval_pattern,
            data_config=data_config,
        )
    example_gen = CorpusExampleGen(
        input_base=data_root, window=data_config.chunk_chars, eval_fraction=data_config.eval_fraction
    )
    schema_gen, statistics_gen, example_validator, validation_gate = stages.validated(
        examples=example_gen.outputs["examples"], schema_file=SCHEMA_FILE
    )
    return example_gen, statistics_gen, schema_gen, example_validator, validation_gate


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

    GloVe trains on the train split's co-occurrence counts, aggregated by CooccurrenceGen in Beam
    (so they scale out with the Beam runner); word2vec and doc2vec read the text itself.
    """
    example_gen, statistics_gen, schema_gen, example_validator, validation_gate = examples_and_validation(
        data_root, train_pattern, eval_pattern, data_config
    )
    examples = example_gen.outputs["examples"]
    transform = stages.transform_after(
        validation_gate,
        examples=examples,
        schema=schema_gen.outputs["schema"],
        preprocessing_fn=features.PREPROCESSING_FN,
    )
    counts = []
    if train_config.model == "glove":
        counts = [
            CooccurrenceGen(
                examples=examples,
                transform_graph=transform.outputs["transform_graph"],
                text_key=features.TEXT_KEY,
                vocabulary_name=features.WORD_VOCABULARY,
                window=train_config.window,
                min_count=train_config.min_count,
            )
        ]
    judged = stages.train_and_judge(
        WordVectorEvaluator,
        examples=examples,
        train_examples=counts[0].outputs["cooccurrence"] if counts else None,
        run_fn="pipelines.word_embeddings.model.run_fn",
        transform=transform,
        schema=schema_gen.outputs["schema"],
        train_config=train_config,
        serving_model_dir=serving_model_dir,
        compare_with_baseline=eval_config.compare_with_baseline,
        min_rho=eval_config.min_rho,
        min_document_mrr=eval_config.min_document_mrr,
        min_pairs=eval_config.min_pairs,
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
            validation_gate,
            transform,
            *counts,
            *judged,
        ],
        metadata_path=metadata_path,
        beam_pipeline_args=beam_pipeline_args,
    )

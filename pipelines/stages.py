"""Pipeline pieces every task shares: label checks, blessing against the latest blessed model, pushing,
assembly."""

import dataclasses

import tensorflow_model_analysis as tfma
from tfx import v1 as tfx

from components.idx_example_gen import schema as idx_schema
from components.idx_example_gen.component import IdxExampleGen
from components.label_check.component import LabelCheck
from components.serving_infra_validator.component import ServingInfraValidator
from components.text_example_gen.component import TextExampleGen
from components.validation_gate.component import ValidationGate


def classification_eval_config(*, label_key, slice_key, min_accuracy, max_accuracy_drop, preprocessing=()):
    """TFMA config for a classifier whose serving_default outputs `probabilities`.

    Accuracy, cross-entropy, counts and the confusion matrix overall and per `slice_key` value; the model is
    blessed when overall accuracy >= min_accuracy and has not dropped by more than
    max_accuracy_drop against the latest blessed model (ignored on the first run).
    `preprocessing` names signatures that turn raw examples into `label_key`.
    """
    overall = tfma.SlicingSpec()
    blessing_rule = tfma.MetricThreshold(
        value_threshold=tfma.GenericValueThreshold(lower_bound={"value": min_accuracy}),
        change_threshold=tfma.GenericChangeThreshold(
            direction=tfma.MetricDirection.HIGHER_IS_BETTER, absolute={"value": -max_accuracy_drop}
        ),
    )
    accuracy = tfma.MetricConfig(
        class_name="SparseCategoricalAccuracy",
        per_slice_thresholds=[tfma.PerSliceMetricThreshold(slicing_specs=[overall], threshold=blessing_rule)],
    )
    return tfma.EvalConfig(
        model_specs=[
            tfma.ModelSpec(
                signature_name="serving_default",
                preprocessing_function_names=list(preprocessing),
                label_key=label_key,
                prediction_key="probabilities",
            )
        ],
        slicing_specs=[overall, tfma.SlicingSpec(feature_keys=[slice_key])],
        metrics_specs=[
            tfma.MetricsSpec(
                metrics=[
                    accuracy,
                    tfma.MetricConfig(class_name="SparseCategoricalCrossentropy"),
                    tfma.MetricConfig(class_name="ExampleCount"),
                    tfma.MetricConfig(class_name="MultiClassConfusionMatrixPlot"),  # for report.html
                ]
            )
        ],
    )


def validated(*, examples, schema_file, custom_validation_config=None):
    """Statistics, schema checks and the gate that stops the run on any anomaly.

    Returns (schema_gen, statistics_gen, example_validator, validation_gate); put the Transform
    downstream of the gate.
    """
    schema_gen = tfx.components.ImportSchemaGen(schema_file=schema_file)
    statistics_gen = tfx.components.StatisticsGen(examples=examples, schema=schema_gen.outputs["schema"])
    example_validator = tfx.components.ExampleValidator(
        statistics=statistics_gen.outputs["statistics"],
        schema=schema_gen.outputs["schema"],
        custom_validation_config=custom_validation_config,
    )
    validation_gate = ValidationGate(anomalies=example_validator.outputs["anomalies"])
    return schema_gen, statistics_gen, example_validator, validation_gate


def text_examples(*, data_root, train_pattern, eval_pattern, data_config):
    """TextExampleGen, statistics, a schema inferred from the train split alone, validation and its gate.

    The train split's label domain is what the model will know, so an eval label the train split
    lacks is an anomaly. Returns (example_gen, statistics_gen, schema_gen, example_validator,
    validation_gate).
    """
    example_gen = TextExampleGen(
        input_base=data_root,
        train_pattern=train_pattern,
        eval_pattern=eval_pattern,
        data_format=data_config.data_format,
        max_bad_fraction=data_config.max_bad_fraction,
    )
    statistics_gen = tfx.components.StatisticsGen(examples=example_gen.outputs["examples"])
    schema_gen = tfx.components.SchemaGen(
        statistics=statistics_gen.outputs["statistics"], infer_feature_shape=True, exclude_splits=["eval"]
    )
    example_validator = tfx.components.ExampleValidator(
        statistics=statistics_gen.outputs["statistics"], schema=schema_gen.outputs["schema"]
    )
    validation_gate = ValidationGate(anomalies=example_validator.outputs["anomalies"])
    return example_gen, statistics_gen, schema_gen, example_validator, validation_gate


IMAGE_PREPROCESSING_FN = "pipelines.image_classification.preprocessing.preprocessing_fn"  # bytes -> [0, 1]


def curated_ingestion(example_gen, *, schema_file, preprocessing_fn, custom_validation_config=None):
    """What a pipeline with its own ExampleGen starts with: the curated schema, statistics, validation and
    its gate, and the Transform (`preprocessing_fn` a dotted path) behind the gate.

    Returns [example_gen, schema_gen, statistics_gen, example_validator, validation_gate, transform].
    """
    examples = example_gen.outputs["examples"]
    schema_gen, statistics_gen, example_validator, validation_gate = validated(
        examples=examples, schema_file=schema_file, custom_validation_config=custom_validation_config
    )
    transform = transform_after(
        validation_gate,
        examples=examples,
        schema=schema_gen.outputs["schema"],
        preprocessing_fn=preprocessing_fn,
    )
    return [example_gen, schema_gen, statistics_gen, example_validator, validation_gate, transform]


def idx_images(*, data_root, image_shape):
    """What every image pipeline starts with: IdxExampleGen and its `curated_ingestion` (with the image
    size check; the Transform maps pixels to [0, 1])."""
    return curated_ingestion(
        IdxExampleGen(input_base=data_root),
        schema_file=idx_schema.SCHEMA_FILE,
        preprocessing_fn=IMAGE_PREPROCESSING_FN,
        custom_validation_config=idx_schema.image_size_check(image_shape),
    )


def train(*, run_fn, examples, transform, schema, train_config, eval_split=None):
    """Trainer of the `run_fn` module function on raw examples and the transform graph; `train_config`
    (a dataclass) travels as its custom_config. `eval_split` replaces the `eval` split as the one
    run_fn gets as `eval_files`."""
    return tfx.components.Trainer(
        run_fn=run_fn,
        examples=examples,
        transform_graph=transform.outputs["transform_graph"],
        schema=schema,
        eval_args=tfx.proto.EvalArgs(splits=[eval_split]) if eval_split else None,
        custom_config=dataclasses.asdict(train_config),
    )


def transform_after(*gates, examples, schema, preprocessing_fn):
    """Transform (`preprocessing_fn` a dotted path) that starts once every one of `gates` passed. It
    writes no transformed copy and no statistics: the trainer applies the transform graph itself, and
    StatisticsGen already described the raw data."""
    transform = tfx.components.Transform(
        examples=examples,
        schema=schema,
        preprocessing_fn=preprocessing_fn,
        materialize=False,
        disable_statistics=True,
    )
    for gate in gates:
        transform.add_upstream_node(gate)
    return transform


def serve_check_and_push(*, model, examples, model_blessing, evaluator, serving_model_dir):
    """ServingInfraValidator (the candidate must load in `dlsuite serve` and answer canned requests; TFX's
    InfraValidator needs Docker), after the evaluator, then Pusher. Returns [infra_validator, pusher]."""
    infra_validator = ServingInfraValidator(model=model, examples=examples)
    infra_validator.add_upstream_node(evaluator)  # only a model that is worth pushing
    pusher = push(
        model=model,
        model_blessing=model_blessing,
        serving_model_dir=serving_model_dir,
        infra_blessing=infra_validator.outputs["blessing"],
    )
    return [infra_validator, pusher]


def train_and_judge(
    evaluator_class,
    *,
    run_fn,
    examples,
    transform,
    schema,
    train_config,
    serving_model_dir,
    compare_with_baseline,
    train_examples=None,
    **parameters,
):
    """`train`, then a custom evaluator (`evaluator_class` with `examples`, the Trainer's model, the latest
    blessed model when `compare_with_baseline`, and its own `parameters`) under the id "Evaluator", as
    runs, reports and summaries look it up; then serve_check_and_push. The Trainer reads
    `train_examples` (its train split, also as its eval split) when given, else `examples`. Returns
    [trainer, resolver (if any), evaluator, infra validator, pusher]."""
    trainer = train(
        run_fn=run_fn,
        examples=examples if train_examples is None else train_examples,
        transform=transform,
        schema=schema,
        train_config=train_config,
        eval_split=None if train_examples is None else "train",
    )
    model = trainer.outputs["model"]
    baseline = latest_blessed_model() if compare_with_baseline else None
    evaluator = evaluator_class(
        examples=examples,
        model=model,
        baseline_model=baseline.outputs["model"] if baseline else None,
        **parameters,
    ).with_id("Evaluator")
    checked_push = serve_check_and_push(
        model=model,
        examples=examples,
        model_blessing=evaluator.outputs["blessing"],
        evaluator=evaluator,
        serving_model_dir=serving_model_dir,
    )
    return [trainer, *([baseline] if baseline else []), evaluator, *checked_push]


def latest_blessed_model():
    """Resolver of the latest blessed model in this pipeline's ML Metadata (none on a first run)."""
    return tfx.dsl.Resolver(
        strategy_class=tfx.dsl.experimental.LatestBlessedModelStrategy,
        model=tfx.dsl.Channel(type=tfx.types.standard_artifacts.Model),
        model_blessing=tfx.dsl.Channel(type=tfx.types.standard_artifacts.ModelBlessing),
    ).with_id("latest_blessed_model_resolver")


def label_check(*, statistics, label_key, baseline=None):
    """LabelCheck on the train split: >= 2 classes, and the `baseline` resolver's label set if given."""
    return LabelCheck(
        statistics=statistics,
        label_key=label_key,
        baseline_model=baseline.outputs["model"] if baseline else None,
    )


def evaluate(*, examples, model, eval_config, baseline=None):
    """Evaluator (TFMA), compared with the `baseline` resolver's model when given (and there is one)."""
    return tfx.components.Evaluator(
        examples=examples,
        model=model,
        baseline_model=baseline.outputs["model"] if baseline else None,
        eval_config=eval_config,
    )


def push(*, model, model_blessing, serving_model_dir, infra_blessing=None):
    """Pusher into `<serving_model_dir>/<version>/`, only for a blessed (and infra-blessed) model."""
    return tfx.components.Pusher(
        model=model,
        model_blessing=model_blessing,
        infra_blessing=infra_blessing,
        push_destination=tfx.proto.PushDestination(
            filesystem=tfx.proto.PushDestination.Filesystem(base_directory=serving_model_dir)
        ),
    )


def local_pipeline(*, pipeline_name, pipeline_root, components, metadata_path, beam_pipeline_args):
    """The pipeline with SQLite ML Metadata; the same Beam args reach every Beam-powered component."""
    return tfx.dsl.Pipeline(
        pipeline_name=pipeline_name,
        pipeline_root=pipeline_root,
        components=components,
        enable_cache=False,
        metadata_connection_config=tfx.orchestration.metadata.sqlite_metadata_connection_config(
            metadata_path
        ),
        beam_pipeline_args=list(beam_pipeline_args),
    )

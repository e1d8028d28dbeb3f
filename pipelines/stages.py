"""Pipeline pieces every task shares: blessing against the latest blessed model, pushing, assembly."""

from tfx import v1 as tfx


def evaluate(*, examples, model, eval_config):
    """Returns (baseline resolver, Evaluator): TFMA, compared with the latest blessed model."""
    baseline = tfx.dsl.Resolver(
        strategy_class=tfx.dsl.experimental.LatestBlessedModelStrategy,
        model=tfx.dsl.Channel(type=tfx.types.standard_artifacts.Model),
        model_blessing=tfx.dsl.Channel(type=tfx.types.standard_artifacts.ModelBlessing),
    ).with_id("latest_blessed_model_resolver")
    evaluator = tfx.components.Evaluator(
        examples=examples, model=model, baseline_model=baseline.outputs["model"], eval_config=eval_config
    )
    return baseline, evaluator


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

# dlsuite's container image: the pinned stack of constraints.txt (TFX 1.16.0, TF 2.16.2, Beam 2.59.0 on
# Python 3.11) and this project, in two targets of one build:
#
#   docker build --target pipeline -t REGISTRY/dlsuite:TAG .
#       The image of every component of `dlsuite compile NAME --kubeflow OUT.json --image REGISTRY/dlsuite:TAG`
#       (Kubeflow Pipelines v2, Vertex AI Pipelines). No ENTRYPOINT: KFP starts each component with TFX's
#       own `python -m tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor ...`.
#       `docker run IMAGE` alone runs `dlsuite --help`; `docker run IMAGE dlsuite list` works too.
#
#   docker build --target beam-sdk -t REGISTRY/dlsuite-beam:TAG .
#       A Beam SDK harness container with the same stack, for portable runners and Dataflow:
#       --beam-args "--runner=... --sdk_container_image=REGISTRY/dlsuite-beam:TAG". Its ENTRYPOINT is
#       Beam's boot program, copied from the official SDK image of the pinned apache-beam version
#       (its tag must follow apache-beam in constraints.txt; tests/unit/tools/test_dockerfile.py checks).
#
# Not built in CI: no Docker engine is reachable where the tests run; the test checks this file against
# constraints.txt instead.

ARG BEAM_SDK_IMAGE=apache/beam_python3.11_sdk:2.59.0

FROM ${BEAM_SDK_IMAGE} AS beam-boot

FROM python:3.11-slim-bookworm AS pipeline
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TF_CPP_MIN_LOG_LEVEL=2
WORKDIR /opt/dlsuite

# The pinned stack first, in a layer that changes only with setup.py or constraints.txt. TFX 1.16.0
# declares Requires-Python <3.11 while all its dependencies have cp311 wheels, hence
# --ignore-requires-python; -c constraints.txt keeps every version the tested one.
COPY setup.py constraints.txt ./
RUN pip install --ignore-requires-python -c constraints.txt -e ".[kubeflow]"

# Then the project itself (its dependencies are already there).
COPY keras_models ./keras_models
COPY components ./components
COPY pipelines ./pipelines
COPY serving ./serving
COPY tools ./tools
RUN pip install --ignore-requires-python -c constraints.txt --no-deps -e ".[kubeflow]" \
    && python -c "import tfx, tensorflow, apache_beam, kfp.pipeline_spec, pipelines.stages, tools.cli"

CMD ["dlsuite", "--help"]

FROM pipeline AS beam-sdk
COPY --from=beam-boot /opt/apache/beam /opt/apache/beam
ENTRYPOINT ["/opt/apache/beam/boot"]

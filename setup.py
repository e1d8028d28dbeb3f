"""dlsuite: the deep-learning course's models as Keras 3 models, TFX pipelines and served SavedModels."""

from setuptools import find_packages, setup

setup(
    name="dlsuite",
    version="0.1.0",
    description=__doc__,
    python_requires=">=3.11",
    packages=find_packages(include=["keras_models*", "components*", "pipelines*", "serving*", "tools*"]),
    package_data={"components": ["*/*.pbtxt"], "keras_models": ["text/word_benchmarks/*"]},
    install_requires=[
        # The pinned, tested versions live in constraints.txt.
        "tfx==1.16.0",
        "tensorflow==2.16.*",
        "keras>=3.6,<3.7",
        "apache-beam==2.59.*",
        "tensorflow-serving-api==2.16.*",
        "matplotlib",
        "tqdm",
        "orjson",  # REST request bodies (serving/limits.py)
        "prometheus_client",  # TF Serving's /monitoring/prometheus/metrics
    ],
    extras_require={
        # `dlsuite data fetch` (online: TFDS downloads at run time; tests use its offline mock_data).
        "data": ["tensorflow-datasets==4.9.*"],
        # tools/bench/serving_transport.py: our REST transport against uvicorn's.
        # tools/bench/word2vec_vs_gensim.py: gensim 4 side by side (and its KeyedVectors evaluators).
        "bench": ["uvicorn", "httptools", "gensim>=4.3,<4.4"],
        # --beam-cluster local-dask[:N] (Beam's DaskRunner on dask.distributed).
        "dask": ["apache-beam[dask]==2.59.*"],
        # dlsuite compile NAME --kubeflow OUT.json (TFX's KubeflowV2DagRunner; kfp's loader in the tests).
        "kubeflow": ["kfp==2.13.*"],
        "test": [
            "pytest",
            "ruff",
            "fasttext-wheel",
            "requests",
            "pyyaml",
            "nbclient",
            "nbformat",
            "ipykernel",
            "tensorflow-datasets==4.9.*",
            "selenium",  # report.html in headless Chromium (Debian's chromium + chromium-driver)
            "apache-beam[dask]==2.59.*",
            "kfp==2.13.*",
        ],
    },
    entry_points={"console_scripts": ["dlsuite=tools.cli:main"]},
)

"""TFX pipelines, one package per task: pipeline.py, features.py, preprocessing.py, model.py, configs.py."""

"""Keras 3 models of the course, one public model per file.

This package depends on Keras (and NumPy) only: it never imports tfx, pipelines,
components or serving, so every model can be used from a notebook.
"""

"""Serving: SavedModel signatures (export.py) and a TF-Serving-compatible REST + gRPC model server."""

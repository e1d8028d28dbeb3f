"""Serving: SavedModel signatures, and (later) a TF-Serving-compatible server."""

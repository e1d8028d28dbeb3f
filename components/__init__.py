"""Custom TFX components, one folder each (component.py, executor.py)."""

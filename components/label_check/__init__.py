"""LabelCheck: stop a classification pipeline before training when its labels cannot make a sound model."""

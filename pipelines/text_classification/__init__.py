"""Text classification: labelled text -> fastText -> blessed, pushed SavedModel serving raw strings."""

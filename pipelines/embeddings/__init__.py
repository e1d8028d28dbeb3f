"""StarSpace embeddings: text, items or pairs -> StarSpace (trainMode 0, 1, 3, 5) -> ranked -> pushed."""

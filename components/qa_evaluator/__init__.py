"""QAEvaluator: per-task error rate of a question-answering model on the eval split; a blessing."""

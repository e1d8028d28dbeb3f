"""The question-answering pipeline: bAbI-format stories -> a memory network -> per-task error -> push."""

"""Feature keys and Transform outputs of the embeddings pipeline, named once."""

from components.text_example_gen.executor import LABEL_KEY, TEXT_KEY

TEXT_XF_KEY = "text_xf"  # the raw text, unchanged: StarSpace's in-graph preprocessor tokenizes it
LABEL_XF_KEY = "label_xf"  # the raw label string (trainMode 0)
WORD_VOCABULARY = "words"  # Transform's vocabulary of tokens, with their counts

__all__ = ["TEXT_KEY", "LABEL_KEY", "TEXT_XF_KEY", "LABEL_XF_KEY", "WORD_VOCABULARY"]

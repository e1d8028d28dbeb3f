"""Feature keys of the text classification pipeline, named once."""

from components.text_example_gen.executor import LABEL_KEY, TEXT_KEY

# Transform outputs.
TEXT_XF_KEY = "text_xf"  # the raw text, unchanged: FastText's in-graph preprocessor tokenizes it
LABEL_XF_KEY = "label_xf"  # int64 class id from the label vocabulary

LABEL_VOCABULARY = "label"  # Transform's vocabulary file of label strings (most frequent first)

__all__ = ["TEXT_KEY", "LABEL_KEY", "TEXT_XF_KEY", "LABEL_XF_KEY", "LABEL_VOCABULARY"]

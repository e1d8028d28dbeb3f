"""Feature keys and Transform outputs of the word_embeddings pipeline, named once.

The same as the embeddings pipeline's, whose Transform (the token vocabulary with counts) it reuses.
"""

from pipelines.embeddings.features import LABEL_KEY, LABEL_XF_KEY, TEXT_KEY, TEXT_XF_KEY, WORD_VOCABULARY

PREPROCESSING_FN = "pipelines.embeddings.preprocessing.preprocessing_fn"
VOCABULARY_ASSET = "vocabulary.txt"  # the SavedModel's words, one per line, row order of `embed`

__all__ = ["TEXT_KEY", "LABEL_KEY", "TEXT_XF_KEY", "LABEL_XF_KEY", "WORD_VOCABULARY", "PREPROCESSING_FN"]

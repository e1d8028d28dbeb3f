"""BabiExampleGen: bAbI-format question-answering files as one tf.Example per question."""

"""TextExampleGen: labelled-text files (AG News CSV, label,text CSV, fastText lines) -> tf.Examples."""

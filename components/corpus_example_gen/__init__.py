"""CorpusExampleGen: plain-text corpora as character windows, the eval split at the end of the text."""

"""The word_embeddings pipeline: word2vec, GloVe or doc2vec on a text corpus, judged on word benchmarks."""

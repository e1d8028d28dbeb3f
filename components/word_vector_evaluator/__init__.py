"""WordVectorEvaluator: word benchmarks (and doc2vec's document retrieval) through the served model."""

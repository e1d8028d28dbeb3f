"""CooccurrenceGen: GloVe's weighted word co-occurrence counts, aggregated with Beam."""

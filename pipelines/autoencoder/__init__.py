"""Autoencoders (course chapter 14): IDX images -> autoencoder -> ReconstructionEvaluator -> push."""

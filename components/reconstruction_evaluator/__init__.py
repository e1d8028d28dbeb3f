"""ReconstructionEvaluator: judges an autoencoder on the eval split, next to PCA, and blesses it."""

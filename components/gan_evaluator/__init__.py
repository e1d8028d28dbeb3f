"""GanEvaluator: Fréchet distance, class histogram and precision/recall of generated images; blesses a GAN."""

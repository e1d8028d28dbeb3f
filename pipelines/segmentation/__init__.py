"""Semantic segmentation (course chapter 10, FC-DenseNet): Fashion-MNIST canvases -> FC-DenseNet ->
mean IoU -> pushed SavedModel with a `segment` signature."""

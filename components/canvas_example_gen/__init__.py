"""CanvasExampleGen: Fashion-MNIST items composed on canvases with per-pixel class masks, through Beam."""

"""SegmentationEvaluator: pixel accuracy, mean and per-class IoU of a segmentation model, and a blessing."""

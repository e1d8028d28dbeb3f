"""Image classification: IDX images -> LeNet-5 -> blessed, pushed SavedModel."""

"""The online route to IDX files, for machines without the Debian package dataset-fashion-mnist.

python -m tools.data fashion_mnist DIR   # online: TFDS download -> IDX files in DIR
"""

import argparse
import os
import sys


def tfds_to_idx(name, output_dir):
    """Downloads `name` (mnist, fashion_mnist, kmnist) with TFDS and writes MNIST-layout IDX files.

    This is the online route for machines without the Debian package; it needs
    `pip install tensorflow-datasets` and network access to the data set's host.
    """
    try:
        import tensorflow_datasets as tfds
    except ImportError:
        sys.exit("tools.data: pip install tensorflow-datasets first (the TFDS route downloads at run time).")
    import numpy as np

    from components.idx_example_gen import idx

    os.makedirs(output_dir, exist_ok=True)
    for split, prefix in (("train", "train"), ("test", "t10k")):
        images, labels = tfds.as_numpy(tfds.load(name, split=split, batch_size=-1, as_supervised=True))
        idx.write(os.path.join(output_dir, f"{prefix}-images-idx3-ubyte.gz"), np.squeeze(images, -1))
        idx.write(os.path.join(output_dir, f"{prefix}-labels-idx1-ubyte.gz"), labels.astype(np.uint8))
    return output_dir


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("name", help="TFDS name: mnist, fashion_mnist, kmnist")
    parser.add_argument("output_dir")
    args = parser.parse_args(argv)
    print(f"IDX files in {tfds_to_idx(args.name, args.output_dir)}")


if __name__ == "__main__":
    main()

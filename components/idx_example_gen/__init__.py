"""IdxExampleGen: MNIST-layout IDX files -> tf.Examples, through Apache Beam."""

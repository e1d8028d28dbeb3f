"""GANs (course 10.12-10.14, chapter 20): IDX images -> GAN, DCGAN, EBGAN or CycleGAN -> GanEvaluator."""

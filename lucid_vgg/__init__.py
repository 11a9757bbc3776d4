"""lucid-vgg: Lucid feature visualisation in TensorFlow 2."""

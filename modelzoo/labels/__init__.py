"""Data files read by the model-zoo entries (see README.md here): a package so setuptools ships them."""

"""Higher-level recipes built on optvis: layer grids, activation grids, neuron groups."""

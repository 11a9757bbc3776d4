"""Upper limits on what a render accepts, kept free of TensorFlow so the CLI checks its
arguments against the same numbers before loading anything."""

#: The most optimisation steps one render runs. Lucid's renders use 512 to 4096; a million is
#: hours on a GPU and days on a CPU, so anything above is a typo (e.g. 1e20), not a plan.
MAX_STEPS = 1_000_000

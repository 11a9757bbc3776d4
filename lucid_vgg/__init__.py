"""lucid-vgg: Lucid feature visualisation in TensorFlow 2."""
import os as _os
import sys as _sys

# TensorFlow turns its oneDNN kernels on by default only on CPUs with AVX-512 VNNI/BF16 or AMX;
# on AVX2-only CPUs (e.g. AMD EPYC) they are off, yet a VGG16 render step runs 1.6x faster with
# them (BENCHMARKS.md). The variable is read when TensorFlow is imported, so this only takes
# effect when lucid_vgg (or modelzoo) is imported first; an explicit setting, 0 or 1, wins.
if "tensorflow" not in _sys.modules:
    _os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

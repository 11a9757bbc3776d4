"""Atomic file writes for lucid_vgg.misc.io: a killed process never leaves a truncated file.

They live in modelzoo.fileio (the lower layer, TensorFlow-free), shared with modelzoo's graph
and download writers; this module names them where misc.io's callers look for them.
"""
from modelzoo.fileio import UMASK, atomic_write_bytes, sweep_stale_temps, temp_file_beside, write_handle

__all__ = ["UMASK", "atomic_write_bytes", "sweep_stale_temps", "temp_file_beside", "write_handle"]

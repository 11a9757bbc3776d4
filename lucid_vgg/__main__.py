"""`python -m lucid_vgg ...` runs the `lucid-vgg` command line."""
import sys

from lucid_vgg.cli import main

sys.exit(main())

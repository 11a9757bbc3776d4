"""Feature visualisation: param -> transform -> model -> objective -> render."""

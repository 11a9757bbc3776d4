"""Gradient overrides used while rendering (redirected ReLU)."""

"""Optimizers, learning-rate schedules and gradient clipping built on autograd_core."""

"""Neural-network layers, losses and training loops built on autograd_core."""

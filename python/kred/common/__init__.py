"""Backend-independent parts of kred.numpy and kred.torch."""

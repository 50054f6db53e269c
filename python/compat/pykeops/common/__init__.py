"""pykeops.common: the backend-independent classes, from kred."""

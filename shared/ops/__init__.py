"""Keeping the worker healthy and observable: supervision of Dramatiq's threads, metrics."""

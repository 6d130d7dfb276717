"""Cross-cutting operational checks."""

"""AI reply configuration and usage accounting."""

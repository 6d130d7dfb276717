"""Process-wide clients for the stores, each opened once per process and configured by settings."""

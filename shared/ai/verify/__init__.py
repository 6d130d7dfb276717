"""Verify before send: what the model wrote is checked against the evidence it was given."""

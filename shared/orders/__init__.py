"""Order context of a conversation: a small typed snapshot of the buyer's own order, read from the platform."""

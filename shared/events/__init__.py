"""Outbound event webhooks: a seller's own backend hears about conversations, replies, channels, documents."""

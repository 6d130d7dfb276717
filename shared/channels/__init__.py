"""A seller's connections to marketplaces and other message channels."""

"""AI function: the seller's AI settings, usage report and budget."""

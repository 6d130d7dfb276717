"""Whether a customer message is an answerable information request: rules, a trained classifier, an LLM check."""

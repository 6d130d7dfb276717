"""eMAG Marketplace (RO/BG/HU): order context from its API and callbacks; buyer messages arrive by e-mail."""

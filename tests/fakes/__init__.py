"""Contract fakes of external platforms, written from their public docs, served over real HTTP."""

"""The seller's knowledge base: uploaded documents, their ingestion and retrieval."""

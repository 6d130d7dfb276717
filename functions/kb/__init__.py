"""Knowledge-base function: sellers upload documents and test retrieval."""

"""Customer conversations and their messages, including drafted and sent replies."""

"""The inbox of received external events (webhooks, notifications), de-duplicated by source id."""

"""Allegro: device-flow connection, Message Center and purchase-issue polling, thread replies."""

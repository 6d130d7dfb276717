"""OLX.pl Partner API: authorization-code connection, thread polling, thread replies."""

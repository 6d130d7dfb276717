"""A local stand-in for the OpenFaaS gateway: `/function/<name>/...` → that function's ASGI app."""

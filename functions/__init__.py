"""OpenFaaS functions: each folder is one deployable Litestar app (handler.py exposes `app`)."""

"""What every function's Litestar app shares: the app factory and error responses."""

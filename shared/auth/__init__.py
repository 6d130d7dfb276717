"""Sign-in, tokens and the guard every function uses to know who calls."""

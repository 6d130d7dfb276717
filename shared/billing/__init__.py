"""Subscriptions: the payment system's signed webhook and the operator command set a seller's plan and status."""

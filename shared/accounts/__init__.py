"""Sellers (tenants), their users and memberships."""

"""Operator health function: is every store and model server reachable?"""

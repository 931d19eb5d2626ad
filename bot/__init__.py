"""Delight, a Slack bot that asks the team every day how many customers *we* delighted.

The packages are layers (README "Developing"); ``tests/test_layers.py`` holds them to it.
"""

"""Territorial-statistics tracker: cited figures of who holds and takes territory."""

__version__ = "0.1.0"

"""Svodka: a news desk for Russian-language news."""
__version__ = "0.1.0"

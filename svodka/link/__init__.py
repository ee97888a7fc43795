"""Linking articles: copies, similarity, related news, stories."""

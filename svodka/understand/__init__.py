"""Understanding an article: each analyser is a small function of text."""

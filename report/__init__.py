"""Turning results into what people read: documents (LaTeX, Markdown, HTML), figures, text reports and tables."""

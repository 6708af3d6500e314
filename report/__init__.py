"""Turning derivations into documents: tables now; LaTeX, HTML and figures as they are built."""

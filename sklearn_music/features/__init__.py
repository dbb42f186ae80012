"""Feature transformers: audio in, frame-level (3-D) or clip-level (2-D) features out."""

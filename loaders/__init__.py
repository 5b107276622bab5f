"""Source parsers (pure) and the shared batched writer."""

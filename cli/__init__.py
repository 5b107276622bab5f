"""The ``scholargraph`` command line."""

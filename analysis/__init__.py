"""Analysis, exports and the command line built on the sharing core in `sim`."""

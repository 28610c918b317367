"""Pure measures: numpy functions that return numbers (no thresholds, no I/O)."""

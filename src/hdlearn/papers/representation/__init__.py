"""The representation paper: experiment, analysis, claims, schema fragment and figures."""

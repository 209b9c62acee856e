"""The depth paper: experiment, analysis, claims, schema fragment and figures."""

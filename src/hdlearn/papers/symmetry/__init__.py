"""The symmetry paper: experiment, analysis, claims, schema fragment and figures."""

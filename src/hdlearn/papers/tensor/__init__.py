"""The tensor paper: experiment, analysis, claims, schema fragment and figures."""

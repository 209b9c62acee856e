"""The tensor paper: grid, experiment, analysis, claims, schema fragment and figures."""

#: The paper, as the report and the scorecard name it.
TITLE = (
    "Mondelli & Montanari (2018), "
    "On the connection between learning two-layer neural networks and tensor decomposition"
)

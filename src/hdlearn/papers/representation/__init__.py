"""The representation paper: grid, experiment, analysis, claims, schema fragment and figures."""

#: The paper, as the report and the scorecard name it.
TITLE = (
    "Damian, Lee & Soltanolkotabi (2022), "
    "Neural networks can learn representations with gradient descent"
)

"""The symmetry paper: grid, experiment, analysis, claims, schema fragment and figures."""

#: The paper, as the report and the scorecard name it.
TITLE = (
    "Abbe & Boix-Adserà (2022), "
    "On the non-universality of deep learning: quantifying the cost of symmetry"
)

"""The depth paper: grid, experiment, analysis, claims, schema fragment and figures."""

#: The paper, as the report and the scorecard name it.
TITLE = "Dandi, Pesce, Zdeborová & Krzakala (2025), The computational advantage of depth"

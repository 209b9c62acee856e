"""The report's landing page: the scorecard, escaped for reStructuredText, with figure links."""

import math

import pandas as pd
from docutils.core import publish_parts

from hdlearn.landing import landing_page, rst_text


def _card():
    rows = [
        ("SYM-5a", "symmetry", "identity", "SGD is equivariant: max |f2(gx) - f1(x)| tiny.",
         "max |f2(gx) - f1(x)|", 1e-15, math.nan, math.nan, "<= 1e-10", "CHECK ok"),
        ("SYM-1b", "symmetry", "claim", "Steps grow like d^c, c_2 about 1 *online*.",
         "slope(k=2)", 1.28, 1.19, 1.36, "in [0.7, 1.7]", "PASS"),
    ]  # fmt: skip
    columns = ["claim_id", "paper", "kind", "statement", "statistic", "value", "ci_low",
               "ci_high", "prediction", "verdict"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def test_rst_text_escapes_markup():
    assert rst_text("max |f2(g x)| *x* `y` a_ [1]") == r"max \|f2(g x)\| \*x\* \`y\` a\_ \[1\]"


def test_landing_page_is_clean_rst_with_the_scorecard_and_figure_links():
    png = "results/smoke/figures/sym_parity_scaling.png"
    figures = {"sym_parity_scaling": {"paper": "symmetry", "claims": ["SYM-1b"], "png": png}}
    page = landing_page("smoke", _card(), figures, {"commit": "abc+dirty", "scale": "smoke"})
    strict = {"halt_level": 2, "report_level": 2}  # any docutils warning raises
    html = publish_parts(page, writer="html", settings_overrides=strict)["html_body"]
    assert "Paper claims tested (1): 1 PASS" in html
    assert "max |f2(gx) - f1(x)|" in html and "1.28 [1.19, 1.36]" in html
    assert (
        "javascript:app.showResultInfo('results%2Fsmoke%2Ffigures%2Fsym_parity_scaling.png')"
        in html
    )
    assert "abc+dirty" in html and "Abbe" in html  # run metadata; the paper's title

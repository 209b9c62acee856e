"""Analysis of sweep results: fits, crossings and bootstrap confidence intervals."""

from hdlearn.analysis.fits import Estimate as Estimate
from hdlearn.analysis.fits import bootstrap as bootstrap
from hdlearn.analysis.fits import first_crossing as first_crossing
from hdlearn.analysis.fits import loglog_slope as loglog_slope

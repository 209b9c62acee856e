"""Target functions (teachers) and their building blocks."""

from hdlearn.targets.hermite import NORMALISATIONS as NORMALISATIONS
from hdlearn.targets.hermite import hermite as hermite
from hdlearn.targets.hermite import hermite_norm_sq as hermite_norm_sq
from hdlearn.targets.hermite import multi_indices as multi_indices
from hdlearn.targets.hermite import multivariate_hermite_features as multivariate_hermite_features

"""Non-neural baselines (ridge and kernel ridge regression)."""

from hdlearn.baselines.ridge import kernel_ridge_predict as kernel_ridge_predict
from hdlearn.baselines.ridge import quadratic_kernel as quadratic_kernel
from hdlearn.baselines.ridge import quadratic_kernel_features as quadratic_kernel_features
from hdlearn.baselines.ridge import ridge_regression as ridge_regression

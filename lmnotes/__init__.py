"""lmnotes: exact derivatives of small tansig networks and Levenberg–Marquardt training.

The companion package of the book *lmnotes*. Every function states its input and output shapes
and names the chapter that derives it.
"""

from . import problems
from .activations import logsig, purelin, tansig
from .divide import divide_rand
from .gauss_newton import GaussNewton, gauss_newton
from .gd import GDResult, TrainedGD, train_gd
from .jacobian import fd_jacobian
from .lm import LMResult, TrainedLM, levenberg_marquardt, train_lm
from .loss_hessian import hvp, loss_gradient, loss_hessian
from .model import TrainedNetwork, load
from .network import Network
from .normalize import Normalizer
from .scg import SCGResult, TrainedSCG, train_scg

__all__ = [
    "GDResult",
    "GaussNewton",
    "LMResult",
    "Network",
    "Normalizer",
    "SCGResult",
    "TrainedGD",
    "TrainedLM",
    "TrainedNetwork",
    "TrainedSCG",
    "divide_rand",
    "fd_jacobian",
    "gauss_newton",
    "hvp",
    "levenberg_marquardt",
    "load",
    "logsig",
    "loss_gradient",
    "loss_hessian",
    "problems",
    "purelin",
    "tansig",
    "train_gd",
    "train_lm",
    "train_scg",
]
__version__ = "0.1.0"

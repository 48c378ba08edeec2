"""lmnotes: exact derivatives of small tansig networks and Levenberg–Marquardt training.

The companion package of the book *lmnotes*. Every function states its input and output shapes
and names the chapter that derives it.
"""

from .activations import logsig, purelin, tansig
from .gauss_newton import GaussNewton, gauss_newton
from .jacobian import fd_jacobian
from .network import Network

__all__ = ["GaussNewton", "Network", "fd_jacobian", "gauss_newton", "logsig", "purelin", "tansig"]
__version__ = "0.1.0"

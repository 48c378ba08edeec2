"""A trained network: predict with it, look at its layers, save it and load it back.

``train_lm`` and ``train_gd`` return their result as a :class:`TrainedNetwork` too: the result
knows its network, its weights and the data scaling it was trained with, so
``res.predict(X)`` gives outputs in the units of the training targets. ``res.save(path)``
writes a plain ``.npz`` file (numbers and strings only, read back with ``allow_pickle=False``)
and :func:`load` returns an equal object of the same class.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import ClassVar

import numpy as np

from .forward import forward_trace
from .network import Layers, Network
from .normalize import Normalizer

#: Version of the ``.npz`` layout written by :meth:`TrainedNetwork.save`.
FORMAT_VERSION = 1

_KINDS: dict[str, type] = {}


class TrainedNetwork:
    """What a trained network adds to a trainer's result.

    A mixin for the results of ``train_lm`` (:class:`lmnotes.lm.TrainedLM`) and ``train_gd``
    (:class:`lmnotes.gd.TrainedGD`), which hold the attributes below as dataclass fields
    beside their training histories.

    Attributes
    ----------
    w : ndarray, shape (P,)
        The trained weights (between the two scalings, if any).
    net : Network
    x_scaling, t_scaling : Normalizer or None
        The inputs' and targets' scaling (``normalize=``), fitted on the training data.
    flat_targets : bool
        True when the training targets were 1-D; :meth:`predict` then returns 1-D outputs.
    """

    kind: ClassVar[str]
    w: np.ndarray
    net: Network
    x_scaling: Normalizer | None
    t_scaling: Normalizer | None
    flat_targets: bool

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        _KINDS[cls.kind] = cls

    def predict(self, X: object) -> np.ndarray:
        """Outputs of the trained network in the units of the training targets.

        Parameters
        ----------
        X : array_like, shape (N, D)
            Inputs in their original units (1-D of length ``N`` when ``D = 1``).

        Returns
        -------
        ndarray, shape (N, K), or (N,) if the network was trained on a 1-D ``T``
            ``reverse_T(f(w, apply_X(X)))``: the scalings of ``normalize=`` applied and undone.
        """
        X = self.net.check_inputs(X)
        if self.x_scaling is not None:
            X = self.x_scaling.apply(X)
        Y = forward_trace(self.net, self.w, X)[-1]
        if self.t_scaling is not None:
            Y = self.t_scaling.reverse(Y)
        return Y[:, 0] if self.flat_targets else Y

    @property
    def layers(self) -> Layers:
        """The trained ``[(W_1, b_1), ..., (W_L, b_L)]``, ``W_l`` of shape ``(n_l, n_{l-1})`` (copies)."""
        return self.net.unpack(self.w)

    def save(self, path: str | Path) -> Path:
        """Write the result to a ``.npz`` file that :func:`load` reads back exactly.

        Parameters
        ----------
        path : str or Path
            File name; ``".npz"`` is appended if it does not end with it (as numpy does).

        Returns
        -------
        Path
            The file written.
        """
        arrays: dict[str, np.ndarray] = {"format_version": np.array(FORMAT_VERSION), "kind": np.array(self.kind)}
        for field in dataclasses.fields(self):
            arrays.update(_encode(field.name, getattr(self, field.name)))
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_name(path.name + ".npz")
        np.savez(path, **arrays)
        return path


def _encode(name: str, value: object) -> dict[str, np.ndarray]:
    """Arrays that store one field (nothing for ``None``)."""
    if value is None:
        return {}
    if isinstance(value, Network):
        hidden = value.hidden if isinstance(value.hidden, str) else list(value.hidden)
        return {f"{name}.sizes": np.array(value.sizes), f"{name}.hidden": np.array(hidden),
                f"{name}.output": np.array(value.output)}
    if isinstance(value, Normalizer):
        return {f"{name}.{part}": np.asarray(getattr(value, part)) for part in ("method", "offset", "gain", "ymin")}
    return {name: np.asarray(value)}


def _decode(data: np.lib.npyio.NpzFile, name: str, annotation: str) -> object:
    """Rebuild one field from the arrays that :func:`_encode` wrote."""
    if "Network" in annotation:
        hidden = data[f"{name}.hidden"]
        return Network(data[f"{name}.sizes"], hidden=hidden.tolist(), output=str(data[f"{name}.output"]))
    if "Normalizer" in annotation:
        if f"{name}.method" not in data:
            return None
        return Normalizer(
            method=str(data[f"{name}.method"]),
            offset=data[f"{name}.offset"],
            gain=data[f"{name}.gain"],
            ymin=float(data[f"{name}.ymin"]),
        )
    if name not in data:
        return None
    value = data[name]
    return value.item() if value.ndim == 0 else value


def load(path: str | Path) -> TrainedNetwork:
    """Read a trained network written by ``res.save(path)``.

    Parameters
    ----------
    path : str or Path
        A ``.npz`` file from :meth:`TrainedNetwork.save`; read with ``allow_pickle=False``.

    Returns
    -------
    TrainedNetwork
        An object of the class that was saved (``TrainedLM`` or ``TrainedGD``), equal field
        by field to the saved one, so ``predict`` gives bit-identical outputs.
    """
    with np.load(path, allow_pickle=False) as data:
        version = int(data["format_version"]) if "format_version" in data else None
        if version != FORMAT_VERSION or "kind" not in data or str(data["kind"]) not in _KINDS:
            raise ValueError(
                f"path must name a file written by res.save() (lmnotes format version {FORMAT_VERSION}); "
                f"{str(path)!r} has format version {version}"
            )
        cls = _KINDS[str(data["kind"])]
        values = {f.name: _decode(data, f.name, str(f.type)) for f in dataclasses.fields(cls)}
    return cls(**values)

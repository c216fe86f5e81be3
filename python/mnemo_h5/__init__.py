"""mnemo_h5: read mnemo's HDF5 files (runs, analyses, sweeps) into named arrays.

    import mnemo_h5
    run = mnemo_h5.load("run.h5")          # checked, read, closed
    run.state.dims                          # ('trajectory', 'time', 'neuron')
    run.time.values, run.energy.values      # numpy arrays
    run.recall.overlap.values, run.recall.attrs["recall_rate"]
    run.analysis, run.sweep                 # Groups, or None when the file has none
    run.fixed_points.hessian_eigenvalues    # /analysis/fixed_points (mnemo analyze), dims (fixed_point, eigenvalue)
    run.labels("stability")                 # ["stable", "saddle", ...], one per fixed point
    run.to_xarray()                         # an xarray.Dataset, when xarray is installed

Pure Python (h5py + numpy). The layout is docs/hdf5-schema.md; files of schema major version 1
are read. Damaged, truncated, foreign or incomplete files raise a MnemoFileError subclass whose
message names the file and the problem.
"""
from .errors import (DamagedFileError, IncompleteFileError, MissingFileError, MnemoFileError,
                     NotMnemoFileError, SchemaVersionError)
from .reader import SCHEMA_MAJOR, Group, MnemoFile, Variable, load, open  # noqa: A004

__all__ = ["open", "load", "MnemoFile", "Group", "Variable", "SCHEMA_MAJOR", "MnemoFileError",
           "MissingFileError", "DamagedFileError", "NotMnemoFileError", "SchemaVersionError",
           "IncompleteFileError"]

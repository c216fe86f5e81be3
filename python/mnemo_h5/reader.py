"""Read a mnemo HDF5 file (docs/hdf5-schema.md) into named arrays.

`open(path)` checks the file (HDF5, root attributes of the contract, schema major version,
`complete`, shapes of the contract's datasets) and returns a `MnemoFile`: a tree of `Group`s
whose leaves are `Variable`s (values + dimension names + units/description + coordinates taken
from the file's dimension scales). Values are read when first asked for, so one trajectory or one
time slice of a large file costs only that part (`Variable.isel`, `MnemoFile.read_trajectory`).
`load(path)` reads everything and closes the file. Every problem raises a `MnemoFileError`
subclass whose message begins with the file's path.
"""
import os

import h5py
import numpy as np

from .errors import (DamagedFileError, IncompleteFileError, MissingFileError, MnemoFileError, NotMnemoFileError,
                     SchemaVersionError)

SCHEMA_MAJOR = 1
ROOT_ATTRIBUTES = ("schema_version", "mnemo_version", "created", "config", "seed", "complete")
# Bookkeeping attributes of the HDF5 dimension-scale API and netCDF; not shown to users.
_HIDDEN_ATTRIBUTES = {"DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME", "DIMENSION_LABELS",
                      "_Netcdf4Dimid", "_Netcdf4Coordinates", "_nc3_strict"}


def _python_value(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.generic):
        return value.item()
    return value


def _read_attributes(obj, path):
    out = {}
    for key in obj.attrs.keys():
        if key in _HIDDEN_ATTRIBUTES:
            continue
        try:
            out[key] = _python_value(obj.attrs[key])
        except (OSError, TypeError, ValueError, KeyError) as e:
            raise DamagedFileError(path, f"cannot read attribute '{key}' of '{obj.name}': {e}") from e
    return out


def _xarray():
    try:
        import xarray
    except ImportError as e:
        raise ImportError("mnemo_h5: to_xarray() needs xarray (Debian package python3-xarray); "
                          "everything else in the reader works without it") from e
    return xarray


def _is_scale(dataset):
    cls = dataset.attrs.get("CLASS")
    return _python_value(cls) == "DIMENSION_SCALE" if cls is not None else False


class Variable:
    """One dataset as a named array.

    `dims` names each axis (e.g. ("trajectory", "time", "neuron")); `attrs` holds `units` and
    `description`; `coords` maps a dimension name to the `Variable` of its dimension scale (e.g.
    coords["time"].values is the save grid). `values` reads (once) and returns the numpy array;
    `v[...]` and `v.isel(trajectory=3)` read only the selected part while the file is open.
    """

    def __init__(self, name, dims, attrs, coords, dataset=None, data=None, file_path="", is_scale=False):
        self.name = name
        self.dims = tuple(dims)
        self.attrs = attrs
        self.coords = coords
        self.is_scale = is_scale
        self._dataset = dataset
        self._data = data
        self._file = file_path
        source = data if data is not None else dataset
        self.shape = tuple(source.shape)
        self.dtype = source.dtype

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def units(self):
        return self.attrs.get("units")

    @property
    def description(self):
        return self.attrs.get("description")

    @property
    def loaded(self):
        return self._data is not None

    def _read(self, key):
        if self._data is not None:
            return self._data[key]
        if self._dataset is None or not self._dataset.id.valid:
            raise ValueError(f"{self._file}: dataset '{self.name}' was not loaded and its file is closed "
                             "(use mnemo_h5.load, or read it before closing)")
        try:
            return self._dataset[key]
        except OSError as e:
            raise DamagedFileError(self._file, f"cannot read dataset '{self.name}' (damaged data?): {e}") from e

    @property
    def values(self):
        if self._data is None:
            self._data = np.asarray(self._read(()))
        return self._data

    def load(self):
        self.values  # noqa: B018 (reads and caches)
        return self

    def __getitem__(self, key):
        return self._read(key)

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.values, dtype=dtype)

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of a scalar dataset")
        return self.shape[0]

    def isel(self, **indexers):
        """Select by position along named dimensions, e.g. state.isel(trajectory=3, time=slice(0, 5)).
        Reads only that part of the file; returns a Variable with the remaining dimensions."""
        unknown = set(indexers) - set(self.dims)
        if unknown:
            raise KeyError(f"'{self.name}' has dimensions {self.dims}, not {sorted(unknown)}")
        key = tuple(indexers.get(d, slice(None)) for d in self.dims)
        data = np.asarray(self._read(key))
        dims, coords = [], {}
        for d, k in zip(self.dims, key):
            if isinstance(k, (int, np.integer)):
                continue
            dims.append(d)
            if d in self.coords:
                c = self.coords[d]
                coords[d] = Variable(c.name, c.dims, c.attrs, {}, data=np.asarray(c.values[k]), file_path=self._file,
                                     is_scale=True)
        return Variable(self.name, dims, self.attrs, coords, data=data, file_path=self._file)

    def to_xarray(self):
        """This variable as an xarray.DataArray (needs xarray)."""
        xr = _xarray()
        coords = {d: (c.dims, c.values, c.attrs) for d, c in self.coords.items()}
        return xr.DataArray(self.values, dims=self.dims, coords=coords, attrs=self.attrs,
                            name=self.name.rsplit("/", 1)[-1])

    def __repr__(self):
        dims = ", ".join(f"{d}: {n}" for d, n in zip(self.dims, self.shape))
        extra = f", units={self.units!r}" if self.units else ""
        return f"<mnemo_h5.Variable {self.name} ({dims}) {self.dtype}{extra}>"


class Group:
    """A group of the file: a mapping from names to `Variable`s and sub-`Group`s, with `attrs`.
    Members are also attributes (`run.trajectories.state`); paths work as keys (`g["a/b"]`)."""

    def __init__(self, name, attrs, members, file_path=""):
        self.name = name
        self.attrs = attrs
        self._members = members
        self._file = file_path

    def __getitem__(self, key):
        node = self
        for part in [p for p in str(key).split("/") if p]:
            if not isinstance(node, Group) or part not in node._members:
                raise KeyError(f"{self._file}: no '{key}' in '{self.name}'")
            node = node._members[part]
        return node

    def __contains__(self, key):
        try:
            self[key]
            return True
        except KeyError:
            return False

    def __getattr__(self, key):
        members = self.__dict__.get("_members", {})
        if key in members:
            return members[key]
        raise AttributeError(f"'{self.__dict__.get('name', '?')}' has no member or attribute '{key}'")

    def __iter__(self):
        return iter(self._members)

    def __len__(self):
        return len(self._members)

    def keys(self):
        return self._members.keys()

    def items(self):
        return self._members.items()

    def get(self, key, default=None):
        return self[key] if key in self else default

    @property
    def variables(self):
        """The datasets directly in this group (dimension scales included), by name."""
        return {k: v for k, v in self._members.items() if isinstance(v, Variable)}

    @property
    def groups(self):
        return {k: v for k, v in self._members.items() if isinstance(v, Group)}

    def walk(self):
        """Every Variable below this group, depth first."""
        for v in self._members.values():
            if isinstance(v, Group):
                yield from v.walk()
            else:
                yield v

    def load(self):
        """Read every dataset below this group into memory."""
        for v in self.walk():
            v.load()
        return self

    def as_dict(self):
        """{name: numpy array} of the datasets directly in this group."""
        return {k: v.values for k, v in self.variables.items()}

    def to_xarray(self):
        """The datasets of this group as an xarray.Dataset, dimension scales as coordinates."""
        xr = _xarray()
        data_vars, coords = {}, {}
        dims = {d for v in self.variables.values() for d in v.dims}
        for name, v in self.variables.items():
            if v.is_scale and len(v.dims) == 1:
                coords[v.dims[0]] = (v.dims, v.values, v.attrs)
                continue
            if name in dims and v.dims != (name,):
                name += "_data"  # xarray refuses a variable named like a dimension it does not index
            data_vars[name] = (v.dims, v.values, v.attrs)
            for d, c in v.coords.items():
                coords.setdefault(d, (c.dims, c.values, c.attrs))
        return xr.Dataset(data_vars, coords=coords, attrs=dict(self.attrs))

    def __repr__(self):
        return f"<mnemo_h5.Group {self.name}: {', '.join(self._members)}>"


def _dims_of(dataset, leaf, is_scale):
    dims = []
    for i, dim in enumerate(dataset.dims):
        label = dim.label
        if not label and is_scale and dataset.ndim == 1:
            label = _python_value(dataset.attrs.get("NAME", b"")) or leaf
            if label.startswith("This is a netCDF dimension"):
                label = leaf
        if not label and len(dim):
            label = _python_value(dim[0].attrs.get("NAME", b"")) or dim[0].name.rsplit("/", 1)[-1]
        dims.append(label or f"{leaf}_dim{i}")
    return dims


def _build(h5obj, file_path, scales):
    """Group tree of an h5py group; `scales` caches the Variable of each dimension-scale dataset."""
    members = {}
    for key in h5obj.keys():
        try:
            child = h5obj[key]
        except (KeyError, OSError, RuntimeError, ValueError) as e:
            raise DamagedFileError(file_path, f"cannot open '{h5obj.name.rstrip('/')}/{key}' (damaged?): {e}") from e
        if isinstance(child, h5py.Group):
            members[key] = _build(child, file_path, scales)
        elif isinstance(child, h5py.Dataset):
            members[key] = _variable(child, file_path, scales)
    return Group(h5obj.name, _read_attributes(h5obj, file_path), members, file_path)


def _variable(ds, file_path, scales):
    if ds.name in scales:
        return scales[ds.name]
    leaf = ds.name.rsplit("/", 1)[-1]
    scale = _is_scale(ds)
    try:
        dims = _dims_of(ds, leaf, scale)
        coords = {}
        if not scale:
            for d, dim in zip(dims, ds.dims):
                if len(dim):
                    coords[d] = _variable(dim[0], file_path, scales)
    except (OSError, RuntimeError, ValueError, KeyError) as e:
        raise DamagedFileError(file_path, f"cannot read the dimensions of '{ds.name}' (damaged?): {e}") from e
    v = Variable(ds.name, dims, _read_attributes(ds, file_path), coords, dataset=ds, file_path=file_path,
                 is_scale=scale)
    if scale:
        scales[ds.name] = v
        v.coords = {dims[0]: v} if len(dims) == 1 else {}
    return v


class MnemoFile(Group):
    """A checked mnemo file (run or sweep). Root attributes are properties (`schema_version`,
    `config`, `seed`, ...); the contract's datasets have shortcuts (`state`, `energy`, `time`,
    `memories`, `recall`, ...); `analysis` and `sweep` are `Group`s or None when absent.
    Use as a context manager, or call `close()`; `load()` reads everything first."""

    def __init__(self, path, h5file, root):
        super().__init__("/", root.attrs, root._members, path)
        self.path = path
        self._h5 = h5file

    # -- root attributes ------------------------------------------------------------------------
    schema_version = property(lambda self: self.attrs["schema_version"])
    mnemo_version = property(lambda self: self.attrs["mnemo_version"])
    created = property(lambda self: self.attrs["created"])
    config = property(lambda self: self.attrs["config"], doc="the full TOML text as run")
    seed = property(lambda self: self.attrs["seed"])
    complete = property(lambda self: self.attrs.get("complete") == 1)

    @property
    def kind(self):
        """"run" (has /trajectories), "sweep" (has /sweep), or "other"."""
        return "run" if "trajectories" in self._members else "sweep" if "sweep" in self._members else "other"

    # -- groups ----------------------------------------------------------------------------------
    def _group(self, name):
        g = self._members.get(name)
        return g if isinstance(g, Group) else None

    model = property(lambda self: self._group("model"))
    trajectories = property(lambda self: self._group("trajectories"))
    recall = property(lambda self: self._group("recall"))
    analysis = property(lambda self: self._group("analysis"), doc="/analysis (mnemo analyze) or None")
    sweep = property(lambda self: self._group("sweep"), doc="/sweep (mnemo sweep) or None")

    @property
    def fixed_points(self):
        """/analysis/fixed_points (docs/analysis.md): one row per point along the dimension
        `fixed_point` — state, readout, residual, energy, kind, stability, index, flat_dimension,
        jacobian_eigenvalues_real/imag and hessian_eigenvalues (fixed_point x eigenvalue) — or None."""
        a = self.analysis
        g = a.get("fixed_points") if a is not None else None
        return g if isinstance(g, Group) else None

    @property
    def energy_audit(self):
        """/analysis/energy_audit (one row per trajectory; attrs `passed`, `max_increase`, ...) or None."""
        a = self.analysis
        g = a.get("energy_audit") if a is not None else None
        return g if isinstance(g, Group) else None

    def labels(self, name):
        """Names of the codes of an integer column of /analysis/fixed_points: labels("stability")
        gives e.g. ["stable", "saddle", ...] per fixed point (also "kind", "status"), decoded from
        the group's `<name>_labels` attribute ("0 stable, 1 saddle, ...")."""
        fp = self.fixed_points
        if fp is None:
            raise KeyError(f"{self.path}: no /analysis/fixed_points (run `mnemo analyze` first)")
        table = fp.attrs.get(f"{name}_labels")
        if table is None:
            raise KeyError(f"{self.path}: /analysis/fixed_points has no attribute '{name}_labels'")
        names = {}
        for entry in str(table).split(","):
            code, _, word = entry.strip().partition(" ")
            names[int(code)] = word.strip()
        return [names.get(int(c), str(int(c))) for c in np.asarray(fp[name].values).ravel()]

    @property
    def model_kind(self):
        return self.model.attrs.get("kind") if self.model is not None else None

    @property
    def params(self):
        """The model's parameters as run (attributes of /model other than descriptive words)."""
        if self.model is None:
            return {}
        words = {"kind", "layers", "reference", "memories_source"}
        return {k: v for k, v in self.model.attrs.items() if k not in words}

    # -- the contract's datasets -----------------------------------------------------------------
    def _dataset(self, path):
        return self[path] if path in self else None

    memories = property(lambda self: self._dataset("model/memories"))
    time = property(lambda self: self._dataset("trajectories/time"))
    state = property(lambda self: self._dataset("trajectories/state"))
    energy = property(lambda self: self._dataset("trajectories/energy"))
    initial = property(lambda self: self._dataset("trajectories/initial"))
    final = property(lambda self: self._dataset("trajectories/final"))
    t_stop = property(lambda self: self._dataset("trajectories/t_stop"))
    status = property(lambda self: self._dataset("trajectories/status"))

    @property
    def layers(self):
        """{layer name: Variable (trajectory, time, unit)} of /trajectories/layers (may be empty)."""
        g = self.trajectories.get("layers") if self.trajectories is not None else None
        return dict(g.variables) if isinstance(g, Group) else {}

    @property
    def dims(self):
        """{dimension name: length} of every dimension scale in the file."""
        out = {}
        for v in self.walk():
            if v.is_scale and v.ndim == 1:
                out[v.dims[0]] = v.shape[0]
        return out

    def read_trajectory(self, b):
        """One trajectory (time, state, energy, and each layer), reading only its rows."""
        out = {"time": self.time.values, "state": self.state[b], "energy": self.energy[b]}
        for name, v in self.layers.items():
            out[name] = v[b]
        return out

    def read_time(self, k):
        """All trajectories at saved time index k: {"t", "state" (B x N), "energy" (B)}."""
        return {"t": float(self.time.values[k]), "state": self.state[:, k, :], "energy": self.energy[:, k]}

    def to_xarray(self):
        """Model, trajectories (layers as `layer_NAME`) and recall tables in one xarray.Dataset;
        /analysis and /sweep by their own `to_xarray()`."""
        xr = _xarray()
        parts = [Group("/", {}, {k: v for k, v in self.variables.items()}, self.path)]
        for name in ("model", "trajectories", "recall"):
            if self._group(name) is not None:
                parts.append(self._group(name))
        layers = self.layers
        if layers:
            parts.append(Group("/trajectories/layers", {}, {f"layer_{k}": v for k, v in layers.items()}, self.path))
        ds = xr.merge([p.to_xarray() for p in parts], combine_attrs="drop")
        ds.attrs.update({k: v for k, v in self.attrs.items()})
        if self.model_kind:
            ds.attrs["model_kind"] = self.model_kind
        return ds

    # -- lifetime --------------------------------------------------------------------------------
    def load(self):
        """Read every dataset into memory and close the file (returns self)."""
        super().load()
        self.close()
        return self

    def close(self):
        if self._h5 is not None:
            self._h5.close()
            self._h5 = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 (interpreter shutdown)
            pass

    def __repr__(self):
        dims = ", ".join(f"{k} {n}" for k, n in self.dims.items())
        groups = ", ".join(self.groups)
        return (f"<mnemo_h5.MnemoFile {self.path}: {self.kind}, schema {self.schema_version}, "
                f"model {self.model_kind}, dims [{dims}], groups [{groups}]>")


def _open_h5(path):
    try:
        return h5py.File(path, "r", locking=False)
    except TypeError:  # h5py without the locking argument
        return h5py.File(path, "r")


def open(path, allow_incomplete=False):  # noqa: A001 (the module's verb)
    """Open and check a mnemo file; returns a MnemoFile (lazy: values are read when asked for).

    Raises MissingFileError, DamagedFileError (not HDF5, truncated, wrong shapes), NotMnemoFileError,
    SchemaVersionError, or IncompleteFileError (unless allow_incomplete)."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise MissingFileError(path, "no such file")
    if os.path.isdir(path):
        raise DamagedFileError(path, "is a directory, not an HDF5 file")
    if not h5py.is_hdf5(path):
        raise DamagedFileError(path, "not an HDF5 file (no HDF5 signature: empty, text, or cut off at the start)")
    _check_in_child(path, allow_incomplete)
    f, root = _walk(path, allow_incomplete)
    return MnemoFile(path, f, root)


def _walk(path, allow_incomplete):
    """Open the file and check its metadata: header, tree, shapes (no data is read)."""
    try:
        f = _open_h5(path)
    except OSError as e:
        raise DamagedFileError(path, f"cannot open as HDF5 (damaged or truncated): {e}") from e
    try:
        _check_header(f, path, allow_incomplete)
        root = _build(f, path, {})
        _check_shapes(f, path)
    except MnemoFileError:
        f.close()
        raise
    except (OSError, KeyError, RuntimeError, ValueError, TypeError) as e:
        f.close()
        raise DamagedFileError(path, f"damaged file: {type(e).__name__}: {e}") from e
    return f, root


def _check_in_child(path, allow_incomplete):
    """Walk the file's metadata in a forked child first. libhdf5 can crash (SIGSEGV) on some damaged
    files — tests/fuzz/corpus/run_file/regression_segv_in_H5DSis_scale.h5 crashes it while closing
    after a failed attribute read — and a crash must become an exception, not kill the caller's
    interpreter or notebook kernel. The child reports a refusal through a pipe; the parent then
    raises it without touching the file. Set MNEMO_H5_NO_FORK=1 to skip (or where there is no fork)."""
    if not hasattr(os, "fork") or os.environ.get("MNEMO_H5_NO_FORK"):
        return
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns, never runs the parent's cleanup handlers
        code = 0
        try:
            os.close(read_end)
            _walk(path, allow_incomplete)
        except MnemoFileError as e:
            os.write(write_end, f"{type(e).__name__}\n{e.problem}".encode("utf-8", "replace"))
            code = 3
        except BaseException as e:  # noqa: BLE001 (reported to the parent)
            os.write(write_end, f"DamagedFileError\n{type(e).__name__}: {e}".encode("utf-8", "replace"))
            code = 3
        finally:
            os._exit(code)
    os.close(write_end)
    chunks = []
    with os.fdopen(read_end, "rb") as pipe:
        for chunk in iter(lambda: pipe.read(65536), b""):
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        raise DamagedFileError(path, f"damaged file: libhdf5 crashed (signal {os.WTERMSIG(status)}) reading its "
                                     "metadata")
    message = b"".join(chunks).decode("utf-8", "replace")
    if message:
        name, _, problem = message.partition("\n")
        raise _ERRORS.get(name, DamagedFileError)(path, problem)


_ERRORS = {cls.__name__: cls for cls in (DamagedFileError, IncompleteFileError, MissingFileError,
                                         NotMnemoFileError, SchemaVersionError)}


def load(path, allow_incomplete=False):
    """open() and read every dataset into memory, then close the file."""
    return open(path, allow_incomplete=allow_incomplete).load()


def _check_header(f, path, allow_incomplete):
    try:
        attrs = set(f.attrs.keys())
    except (OSError, RuntimeError, KeyError, ValueError) as e:
        raise DamagedFileError(path, f"cannot read the root attributes (damaged?): {e}") from e
    for name in ROOT_ATTRIBUTES:
        if name not in attrs:
            raise NotMnemoFileError(path, f"not a mnemo file: root attribute '{name}' is missing")
    try:
        version = _python_value(f.attrs["schema_version"])
        complete = _python_value(f.attrs["complete"])
    except (OSError, RuntimeError, TypeError) as e:
        raise DamagedFileError(path, f"cannot read the root attributes (damaged?): {e}") from e
    parts = str(version).split(".")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise NotMnemoFileError(path, f"root attribute 'schema_version' is {version!r}, not \"MAJOR.MINOR\"")
    if int(parts[0]) != SCHEMA_MAJOR:
        raise SchemaVersionError(path, f"schema_version {version} is not readable by this reader "
                                       f"(reads {SCHEMA_MAJOR}.x)")
    if complete != 1 and not allow_incomplete:
        raise IncompleteFileError(path, f"incomplete file (root attribute 'complete' is {complete!r}, not 1): "
                                        "the run that wrote it did not finish, or is still running")


def _check_shapes(f, path):
    """The contract's datasets exist with consistent shapes (B trajectories, T times, N neurons)."""
    complete = _python_value(f.attrs["complete"]) == 1

    def dataset(name, required=True):
        obj = f.get(name)
        if obj is None:
            if required:
                raise DamagedFileError(path, f"missing dataset '/{name}'")
            return None
        if not isinstance(obj, h5py.Dataset):
            raise DamagedFileError(path, f"'/{name}' is not a dataset")
        return obj

    def expect(name, shape, kind="f", required=True):
        ds = dataset(name, required)
        if ds is None:
            return None
        if tuple(ds.shape) != tuple(shape):
            raise DamagedFileError(path, f"dataset '/{name}' has shape {tuple(ds.shape)}, expected {tuple(shape)}")
        if ds.dtype.kind not in (("i", "u") if kind == "i" else ("f",)):
            raise DamagedFileError(path, f"dataset '/{name}' has type {ds.dtype}, expected "
                                         f"{'integers' if kind == 'i' else 'floating point'}")
        return ds

    has_run, has_sweep = "trajectories" in f, "sweep" in f
    if complete and not has_run and not has_sweep:
        raise DamagedFileError(path, "holds neither /trajectories (a run) nor /sweep (a sweep)")
    if has_run:
        st = dataset("trajectories/state")
        if st.ndim != 3:
            raise DamagedFileError(path, f"dataset '/trajectories/state' must be trajectory x time x neuron, "
                                         f"has shape {st.shape}")
        B, T, N = st.shape
        expect("trajectories/time", (T,))
        expect("trajectories/energy", (B, T))
        if complete:
            for name in ("initial", "final"):
                expect(f"trajectories/{name}", (B, N))
            expect("trajectories/t_stop", (B,))
            expect("recall/target", (B,), "i")
            expect("recall/nearest", (B,), "i")
            expect("recall/overlap", (B,))
            mem = dataset("model/memories")
            if mem.ndim != 2 or mem.shape[1] != N:
                raise DamagedFileError(path, f"dataset '/model/memories' has shape {mem.shape}, expected K x {N}")
        layers = f.get("trajectories/layers")
        if isinstance(layers, h5py.Group):
            for name, ds in layers.items():
                if not isinstance(ds, h5py.Dataset) or ds.ndim != 3 or ds.shape[:2] != (B, T):
                    raise DamagedFileError(path, f"'/trajectories/layers/{name}' must be {B} x {T} x units")
    if has_sweep:
        values = dataset("sweep/values")
        if values.ndim != 1:
            raise DamagedFileError(path, f"dataset '/sweep/values' must be one-dimensional, has shape {values.shape}")

"""Exceptions of the reader: every one names the file and the problem ("FILE: problem")."""


class MnemoFileError(Exception):
    """A file that cannot be read as a mnemo file. `path` is the file, `problem` what is wrong."""

    def __init__(self, path, problem):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")

    def __str__(self):
        return f"{self.path}: {self.problem}"


class MissingFileError(MnemoFileError, FileNotFoundError):
    """No file at that path."""


class DamagedFileError(MnemoFileError):
    """Not HDF5, truncated, unreadable data, or datasets of the wrong shape or type."""


class NotMnemoFileError(MnemoFileError):
    """An HDF5 file that mnemo did not write (root attributes of the contract missing)."""


class SchemaVersionError(MnemoFileError):
    """Written with a schema major version this reader does not know."""


class IncompleteFileError(MnemoFileError):
    """Root attribute `complete` is not 1: the run that wrote it did not finish (or is still running)."""

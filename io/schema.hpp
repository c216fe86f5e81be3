#pragma once
// Version of the HDF5 layout written by mnemo (docs/hdf5-schema.md). MAJOR changes when a path
// of the contract is renamed or removed; MINOR when something is added.
namespace mnemo::io {
inline constexpr const char* schema_version = "1.0";
inline constexpr int schema_major = 1;
}  // namespace mnemo::io

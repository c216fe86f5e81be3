#pragma once
// The memory a run would need, checked before it is allocated (issue 9): inputs whose sizes would
// exhaust the machine are refused with an estimate of what they need, never attempted (an
// attempt ends in std::bad_alloc at best and in the kernel's OOM killer at worst).
#include <string>

namespace mnemo::io {

// Total physical memory of this machine in bytes (sysconf); 0 if unknown.
double physical_memory_bytes();
// "12.3 GB", "512 MB".
std::string format_bytes(double bytes);
// Throws InputError "<where>: <what> need(s) about X (<detail>); this machine has Y" when
// `bytes` exceeds the physical memory (or, when that is unknown, 1 TB).
void require_memory(double bytes, const std::string& where, const std::string& what);

}  // namespace mnemo::io

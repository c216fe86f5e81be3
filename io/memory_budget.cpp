#include "mnemo/io/memory_budget.hpp"

#include <unistd.h>

#include <cstdio>

#include "mnemo/io/input_error.hpp"

namespace mnemo::io {

double physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? double(pages) * double(page) : 0.0;
}

std::string format_bytes(double bytes) {
  char buf[64];
  if (bytes >= 1e15) std::snprintf(buf, sizeof buf, "%.3g PB", bytes / 1e15);
  else if (bytes >= 1e12) std::snprintf(buf, sizeof buf, "%.3g TB", bytes / 1e12);
  else if (bytes >= 1e9) std::snprintf(buf, sizeof buf, "%.3g GB", bytes / 1e9);
  else std::snprintf(buf, sizeof buf, "%.3g MB", bytes / 1e6);
  return buf;
}

void require_memory(double bytes, const std::string& where, const std::string& what) {
  const double have = physical_memory_bytes();
  const double limit = have > 0.0 ? have : 1e12;
  if (!(bytes <= limit))
    throw InputError(where + ": " + what + " need about " + format_bytes(bytes) + " of memory; this machine has " +
                     (have > 0.0 ? format_bytes(have) : std::string("an unknown amount (limit 1 TB)")) +
                     "; refusing");
}

}  // namespace mnemo::io

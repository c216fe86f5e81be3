// `mnemo info FILE.h5`: what a file holds, in a few lines; refuses incomplete or damaged files.
#include <iostream>

#include "commands.hpp"
#include "mnemo/io/run_file.hpp"

namespace mnemo::cli {

int info(const std::string& file) {
  const io::FileInfo fi = io::inspect_file(file);
  std::cout << file << ": mnemo " << fi.mnemo_version << ", schema " << fi.schema_version << ", created " << fi.created
            << ", seed " << fi.seed << ", model " << (fi.kind.empty() ? "?" : fi.kind) << ", complete\n";
  for (const auto& a : fi.attributes) std::cout << "  " << a << "\n";
  for (const auto& l : fi.lines) std::cout << "  " << l << "\n";
  return 0;
}

}  // namespace mnemo::cli

#pragma once
// The `tessera` command line (SPEC §1). Exit codes: 0 success; 1 the thing asked for does not
// exist or the action was refused; 2 bad usage or configuration.
namespace tessera::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;
inline constexpr int kExitUsage = 2;

int main(int argc, char** argv);

}  // namespace tessera::cli

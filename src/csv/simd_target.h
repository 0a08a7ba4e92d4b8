// FANOUT_TARGET_BEGIN("avx2,...") ... FANOUT_TARGET_END compiles the functions in
// between for an instruction set, with GCC or clang (which spell it differently),
// leaving the rest of the program on the baseline. Include after system headers.
#pragma once

#define FANOUT_PRAGMA(x) _Pragma(#x)
#if defined(__clang__)
#define FANOUT_TARGET_BEGIN(isa) FANOUT_PRAGMA(clang attribute push(__attribute__((target(isa))), apply_to = function))
#define FANOUT_TARGET_END FANOUT_PRAGMA(clang attribute pop)
#else
#define FANOUT_TARGET_BEGIN(isa) FANOUT_PRAGMA(GCC push_options) FANOUT_PRAGMA(GCC target(isa))
#define FANOUT_TARGET_END FANOUT_PRAGMA(GCC pop_options)
#endif

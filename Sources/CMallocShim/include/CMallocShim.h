#ifndef CMALLOC_SHIM_H
#define CMALLOC_SHIM_H

/// Limits glibc malloc to `arenas` arenas (mallopt M_ARENA_MAX); returns 1 on success.
/// Elsewhere than glibc, does nothing and returns 0.
int carteiro_malloc_limit_arenas(int arenas);

/// Hands free pages inside the heap back to the system (malloc_trim(0)); returns 1 if any were.
/// Elsewhere than glibc, does nothing and returns 0.
int carteiro_malloc_release_free_memory(void);

#endif

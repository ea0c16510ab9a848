#ifndef CMALLOC_SHIM_H
#define CMALLOC_SHIM_H

#include <stddef.h>

/// Limits glibc malloc to `arenas` arenas (mallopt M_ARENA_MAX); returns 1 on success.
/// Elsewhere than glibc, does nothing and returns 0.
int carteiro_malloc_limit_arenas(int arenas);

/// Hands free pages inside the heap back to the system (malloc_trim(0)); returns 1 if any were.
/// Elsewhere than glibc, does nothing and returns 0.
int carteiro_malloc_release_free_memory(void);

/// What malloc holds, from mallinfo2: bytes handed out (in arenas and mmapped chunks) and bytes
/// free inside the arenas. `known` is 0 where that cannot be read (not glibc).
typedef struct {
    size_t allocated;
    size_t free;
    int known;
} carteiro_malloc_usage;

carteiro_malloc_usage carteiro_malloc_usage_now(void);

#endif

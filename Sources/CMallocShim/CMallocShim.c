#include "CMallocShim.h"

// Any libc header defines __GLIBC__ on glibc.
#include <stdlib.h>

#if defined(__GLIBC__)
#include <malloc.h>

int carteiro_malloc_limit_arenas(int arenas) { return mallopt(M_ARENA_MAX, arenas); }

int carteiro_malloc_release_free_memory(void) { return malloc_trim(0); }
#else
int carteiro_malloc_limit_arenas(int arenas) { (void)arenas; return 0; }

int carteiro_malloc_release_free_memory(void) { return 0; }
#endif

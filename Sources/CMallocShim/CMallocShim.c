#include "CMallocShim.h"

// Any libc header defines __GLIBC__ on glibc.
#include <stdlib.h>

#if defined(__GLIBC__)
#include <malloc.h>

int carteiro_malloc_limit_arenas(int arenas) { return mallopt(M_ARENA_MAX, arenas); }

int carteiro_malloc_release_free_memory(void) { return malloc_trim(0); }

// mallinfo2 (glibc 2.33) walks every arena under its lock: a few microseconds, fine for a scrape.
carteiro_malloc_usage carteiro_malloc_usage_now(void) {
    struct mallinfo2 info = mallinfo2();
    carteiro_malloc_usage usage = {info.uordblks + info.hblkhd, info.fordblks, 1};
    return usage;
}
#else
int carteiro_malloc_limit_arenas(int arenas) { (void)arenas; return 0; }

int carteiro_malloc_release_free_memory(void) { return 0; }

carteiro_malloc_usage carteiro_malloc_usage_now(void) {
    carteiro_malloc_usage usage = {0, 0, 0};
    return usage;
}
#endif

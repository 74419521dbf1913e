#ifndef TRIPLINE_ALLOCATION_COUNTER_H
#define TRIPLINE_ALLOCATION_COUNTER_H

#include <stddef.h>

/// Heap allocations (`malloc`, `calloc`, `realloc`, `posix_memalign`, `aligned_alloc`, `memalign`)
/// the calling thread has made since it started (on Linux; 0 elsewhere). Only the test bundle links
/// this counter: on Linux it defines those functions, counts, and hands each call to mimalloc, the
/// allocator the process already uses (the `tripline` target links it), so memory is allocated and
/// freed exactly as without it.
size_t tripline_thread_allocations(void);

#endif

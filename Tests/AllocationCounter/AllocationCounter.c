#include "AllocationCounter.h"

#if defined(__linux__)
#include <mimalloc.h>

// Thread-local, so tests running in parallel on other threads do not count here. Initial-exec TLS
// of the executable: reading it never allocates, so the allocator may touch it from its first call.
static __thread size_t allocations;

size_t tripline_thread_allocations(void) { return allocations; }

void *malloc(size_t size) {
    allocations++;
    return mi_malloc(size);
}

void *calloc(size_t count, size_t size) {
    allocations++;
    return mi_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    allocations++;
    return mi_realloc(pointer, size);
}

int posix_memalign(void **pointer, size_t alignment, size_t size) {
    allocations++;
    return mi_posix_memalign(pointer, alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    allocations++;
    return mi_aligned_alloc(alignment, size);
}

void *memalign(size_t alignment, size_t size) {
    allocations++;
    return mi_memalign(alignment, size);
}

#else
// Elsewhere the process's allocator is the system's, which this counter does not wrap.
size_t tripline_thread_allocations(void) { return 0; }
#endif

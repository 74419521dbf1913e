#ifndef TRIPLINE_BYTE_SCAN_H
#define TRIPLINE_BYTE_SCAN_H

// The JSON reader's inner loop over string bytes, sixteen at a time with SSE2 (part of every x86-64
// CPU). `static inline` and always inlined, so it becomes part of the reader's loops. Other
// architectures use the reader's eight-byte word loop (EventReader.swift, `#if arch(x86_64)`).

#include <stddef.h>
#include <stdint.h>

#if defined(__SSE2__)
#include <emmintrin.h>

/// The offset of the first byte at or after `start` and before `count` that ends a run of plain
/// JSON string bytes: a double quote, a backslash, a control character below 0x20, or (when
/// `stop_at_dot` is nonzero) a dot; `count` when there is none. Reads nothing at or past `count`.
__attribute__((always_inline)) static inline size_t tripline_string_run_end(const uint8_t *base, size_t start, size_t count, int stop_at_dot) {
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i dot = _mm_set1_epi8('.');
    const __m128i below_space = _mm_set1_epi8(0x1F);
    size_t index = start;
    while (index + 16 <= count) {
        const __m128i bytes = _mm_loadu_si128((const __m128i *)(const void *)(base + index));
        __m128i hits = _mm_or_si128(_mm_cmpeq_epi8(bytes, quote), _mm_cmpeq_epi8(bytes, backslash));
        // An unsigned byte is at most 0x1F exactly when min(byte, 0x1F) equals it.
        hits = _mm_or_si128(hits, _mm_cmpeq_epi8(_mm_min_epu8(bytes, below_space), bytes));
        if (stop_at_dot) hits = _mm_or_si128(hits, _mm_cmpeq_epi8(bytes, dot));
        const unsigned mask = (unsigned)_mm_movemask_epi8(hits);
        if (mask != 0) return index + (size_t)__builtin_ctz(mask);
        index += 16;
    }
    // Fewer than 16 bytes are left only at the end of a document.
    for (; index < count; index++) {
        const uint8_t byte = base[index];
        if (byte == '"' || byte == '\\' || byte < 0x20 || (stop_at_dot && byte == '.')) return index;
    }
    return count;
}

#endif

#endif

#ifndef TRIPLINE_CZSTD_SHIM_H
#define TRIPLINE_CZSTD_SHIM_H

// Zstandard's C API: dictionary compression of the events sequence rules hold.
#include <zstd.h>

#endif

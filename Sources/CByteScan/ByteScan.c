// The byte scan is header-only (static inline, inlined into Swift); a C target needs one source file.
#include "ByteScan.h"

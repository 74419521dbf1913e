#ifndef TRIPLINE_CRDKAFKA_SHIM_H
#define TRIPLINE_CRDKAFKA_SHIM_H

// librdkafka's C API, plus its in-process mock cluster (fault-injection tests).
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#endif

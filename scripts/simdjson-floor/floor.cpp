// simdjson on a workload's first documents, for scripts/simdjson-floor.sh: the time a validating
// SIMD parser takes per document, alone and with given fields looked up, set beside Tripline's
// reader (`tripline bench measure-reader`) on the same documents.
//
// Usage: floor WORKLOAD.ndjson DOCUMENTS ROUNDS [JSON-POINTER...]
// Prints one JSON line: nanoseconds per document (best and median round) for the DOM parse alone
// and for the parse followed by an `at_pointer` look-up of each pointer.
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Rounds {
    std::vector<double> nanoseconds;
    double best() const { return *std::min_element(nanoseconds.begin(), nanoseconds.end()); }
    double median() {
        std::sort(nanoseconds.begin(), nanoseconds.end());
        return nanoseconds[nanoseconds.size() / 2];
    }
};

}  // namespace

int main(int argc, char **argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s WORKLOAD.ndjson DOCUMENTS ROUNDS [JSON-POINTER...]\n", argv[0]);
        return 2;
    }
    const size_t wanted = std::strtoul(argv[2], nullptr, 10);
    const int rounds = std::atoi(argv[3]);
    const std::vector<std::string> pointers(argv + 4, argv + argc);

    std::ifstream input(argv[1]);
    std::vector<simdjson::padded_string> documents;
    size_t bytes = 0;
    for (std::string line; documents.size() < wanted && std::getline(input, line);) {
        if (line.empty()) continue;
        bytes += line.size();
        documents.emplace_back(line);
    }
    if (documents.empty()) {
        std::fprintf(stderr, "floor: no documents in %s\n", argv[1]);
        return 1;
    }

    simdjson::dom::parser parser;
    Rounds parseOnly, parseAndLookUp;
    size_t found = 0;
    for (int round = 0; round < rounds; round++) {
        auto start = Clock::now();
        for (auto &document : documents) {
            simdjson::dom::element root;
            if (parser.parse(document).get(root)) {
                std::fprintf(stderr, "floor: a document does not parse\n");
                return 1;
            }
        }
        auto middle = Clock::now();
        for (auto &document : documents) {
            simdjson::dom::element root;
            if (parser.parse(document).get(root)) return 1;
            for (const auto &pointer : pointers) found += root.at_pointer(pointer).error() ? 0 : 1;
        }
        auto end = Clock::now();
        parseOnly.nanoseconds.push_back(std::chrono::duration<double, std::nano>(middle - start).count() / documents.size());
        parseAndLookUp.nanoseconds.push_back(std::chrono::duration<double, std::nano>(end - middle).count() / documents.size());
    }
    std::printf("{\"implementation\":\"%s\",\"documents\":%zu,\"averageBytes\":%.1f,\"pointers\":%zu,"
                "\"fieldsFoundPerDocument\":%.2f,\"parseBest\":%.1f,\"parseMedian\":%.1f,"
                "\"parseAndLookUpBest\":%.1f,\"parseAndLookUpMedian\":%.1f}\n",
                simdjson::get_active_implementation()->name().c_str(), documents.size(),
                double(bytes) / documents.size(), pointers.size(), double(found) / rounds / documents.size(),
                parseOnly.best(), parseOnly.median(), parseAndLookUp.best(), parseAndLookUp.median());
    return 0;
}

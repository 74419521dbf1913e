// simdjson on a workload's first documents, for scripts/simdjson-floor.sh: the time a validating
// SIMD parser takes per document, alone and with given fields looked up, set beside Tripline's
// reader (`tripline bench measure-reader`) on the same documents.
//
// Usage: floor WORKLOAD.ndjson DOCUMENTS ROUNDS [JSON-POINTER...]
// Prints one JSON line: CPU nanoseconds per document (best and median round) for
//  - the DOM parse alone, and the parse followed by an `at_pointer` look-up of each pointer: every
//    document validated whole, as Tripline's reader does;
//  - On-Demand `iterate_many` (the figure DESIGN.md quotes), stepping over the documents, and
//    taking the pointers' fields in one pass over each document's keys. On-Demand validates UTF-8
//    and the brackets' nesting of all the bytes, but the grammar only of what it visits: a
//    malformed value it steps over is not reported, which DESIGN.md rules out for Tripline
//    ("never misread").
#include <simdjson.h>

#include <algorithm>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace {

/// CPU time of the process, so that a thread On-Demand starts beside the caller is counted too.
double cpuNanoseconds() {
    timespec now;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return double(now.tv_sec) * 1e9 + double(now.tv_nsec);
}

struct Rounds {
    std::vector<double> nanoseconds;
    double best() const { return *std::min_element(nanoseconds.begin(), nanoseconds.end()); }
    double median() {
        std::sort(nanoseconds.begin(), nanoseconds.end());
        return nanoseconds[nanoseconds.size() / 2];
    }
};

/// The wanted fields as a tree of keys, so that On-Demand can take them in one pass over a document.
struct KeyTree {
    bool wanted = false;
    std::vector<std::pair<std::string, std::unique_ptr<KeyTree>>> children;  // a few each: scanned

    KeyTree *child(std::string_view key) const {
        for (const auto &[name, node] : children) {
            if (name == key) return node.get();
        }
        return nullptr;
    }

    void insert(const std::string &pointer) {
        KeyTree *node = this;
        for (size_t start = 1; start <= pointer.size();) {
            size_t end = std::min(pointer.find('/', start), pointer.size());
            const std::string key = pointer.substr(start, end - start);
            if (!node->child(key)) node->children.emplace_back(key, std::make_unique<KeyTree>());
            node = node->child(key);
            start = end + 1;
        }
        node->wanted = true;
    }

    /// Counts the wanted fields found in `object`, stepping over every other value unread.
    simdjson::error_code take(simdjson::ondemand::object object, size_t &found) const {
        for (auto field : object) {
            std::string_view key;
            if (auto error = field.unescaped_key().get(key)) return error;
            const KeyTree *node = child(key);
            if (!node) continue;
            if (node->wanted) {
                std::string_view token = field.value().raw_json_token();
                found += token.empty() ? 0 : 1;
            } else if (simdjson::ondemand::object inner; !field.value().get_object().get(inner)) {
                if (auto error = node->take(inner, found)) return error;
            }
        }
        return simdjson::SUCCESS;
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
    KeyTree wantedKeys;
    for (const auto &pointer : pointers) wantedKeys.insert(pointer);

    std::ifstream input(argv[1]);
    std::vector<simdjson::padded_string> documents;
    std::string stream;
    size_t bytes = 0;
    for (std::string line; documents.size() < wanted && std::getline(input, line);) {
        if (line.empty()) continue;
        bytes += line.size();
        documents.emplace_back(line);
        stream += line;
        stream += '\n';
    }
    const simdjson::padded_string paddedStream(stream);
    if (documents.empty()) {
        std::fprintf(stderr, "floor: no documents in %s\n", argv[1]);
        return 1;
    }

    simdjson::dom::parser parser;
    simdjson::ondemand::parser onDemandParser;
    Rounds parseOnly, parseAndLookUp, onDemandOnly, onDemandAndLookUp;
    size_t found = 0, foundOnDemand = 0, steppedOver = 0;
    for (int round = 0; round < rounds; round++) {
        auto start = cpuNanoseconds();
        for (auto &document : documents) {
            simdjson::dom::element root;
            if (parser.parse(document).get(root)) {
                std::fprintf(stderr, "floor: a document does not parse\n");
                return 1;
            }
        }
        auto middle = cpuNanoseconds();
        for (auto &document : documents) {
            simdjson::dom::element root;
            if (parser.parse(document).get(root)) return 1;
            for (const auto &pointer : pointers) found += root.at_pointer(pointer).error() ? 0 : 1;
        }
        auto end = cpuNanoseconds();
        simdjson::ondemand::document_stream all;
        if (onDemandParser.iterate_many(paddedStream, 1 << 20).get(all)) return 1;
        for (auto document : all) steppedOver += document.error() ? 0 : 1;
        auto onDemandMiddle = cpuNanoseconds();
        if (onDemandParser.iterate_many(paddedStream, 1 << 20).get(all)) return 1;
        for (auto document : all) {
            simdjson::ondemand::object root;
            if (document.get_object().get(root) || wantedKeys.take(root, foundOnDemand)) return 1;
        }
        auto onDemandEnd = cpuNanoseconds();
        parseOnly.nanoseconds.push_back((middle - start) / documents.size());
        parseAndLookUp.nanoseconds.push_back((end - middle) / documents.size());
        onDemandOnly.nanoseconds.push_back((onDemandMiddle - end) / documents.size());
        onDemandAndLookUp.nanoseconds.push_back((onDemandEnd - onDemandMiddle) / documents.size());
    }
    if (steppedOver != documents.size() * rounds || foundOnDemand != found) {
        std::fprintf(stderr, "floor: On-Demand saw %zu documents and %zu fields, the DOM %zu and %zu\n",
                     steppedOver, foundOnDemand, documents.size() * rounds, found);
        return 1;
    }
    std::printf("{\"implementation\":\"%s\",\"documents\":%zu,\"averageBytes\":%.1f,\"pointers\":%zu,"
                "\"fieldsFoundPerDocument\":%.2f,\"parseBest\":%.1f,\"parseMedian\":%.1f,"
                "\"parseAndLookUpBest\":%.1f,\"parseAndLookUpMedian\":%.1f,"
                "\"onDemandBest\":%.1f,\"onDemandMedian\":%.1f,"
                "\"onDemandAndLookUpBest\":%.1f,\"onDemandAndLookUpMedian\":%.1f}\n",
                simdjson::get_active_implementation()->name().c_str(), documents.size(),
                double(bytes) / documents.size(), pointers.size(), double(found) / rounds / documents.size(),
                parseOnly.best(), parseOnly.median(), parseAndLookUp.best(), parseAndLookUp.median(),
                onDemandOnly.best(), onDemandOnly.median(), onDemandAndLookUp.best(), onDemandAndLookUp.median());
    return 0;
}

import ArgumentParser
import Detection

/// `tripline rules`: work with rule files.
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Check rule files.",
        subcommands: [Check.self]
    )

    /// `tripline rules check DIR`: loads and compiles every rule, printing one line per file.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load and compile every rule file under a directory; exit non-zero if any fails.",
            discussion: """
            Prints `ok` or `FAILED` with file:line:column and the reason for every *.toml file, then \
            `N rules: N compiled, N failed`. Rules that are not EQL (query, threshold, ES|QL, ML) are \
            reported as failed with the reason, never skipped silently.
            """
        )

        @Argument(help: "A rule file or a directory searched recursively for *.toml.")
        var path: String = "Rules"

        @Flag(name: .shortAndLong, help: "Print only failures and the summary.")
        var quiet = false

        func run() throws {
            let ruleSet: RuleSet
            do {
                ruleSet = try RuleSet.load(from: path)
            } catch {
                print("error: \(error)")
                throw ExitCode.failure
            }
            for outcome in ruleSet.outcomes {
                if let error = outcome.error {
                    print("FAILED \(error)")
                } else if !quiet {
                    print("ok     \(outcome.path)  (\(outcome.name ?? ""))")
                }
            }
            let failed = ruleSet.failures.count
            print("\(ruleSet.outcomes.count) rules: \(ruleSet.rules.count) compiled, \(failed) failed")
            if failed > 0 { throw ExitCode.failure }
        }
    }
}

import Foundation

/// A directory of one test's own under the system's temporary directory, removed with everything in
/// it when the last reference goes away, so a test run leaves no files behind.
///
/// A suite holds one as a stored property (`let scratch = ScratchDirectory()`): Swift Testing makes
/// a suite instance per test, so each test gets a fresh directory, gone when the test ends.
public final class ScratchDirectory: Sendable {
    /// The directory, created by `init`.
    public let url: URL

    /// Creates `tripline-<label>-<uuid>` under the temporary directory.
    public init(_ label: String = "test") {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("tripline-\(label)-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The path of `name` inside the directory (the file is not created).
    public func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}

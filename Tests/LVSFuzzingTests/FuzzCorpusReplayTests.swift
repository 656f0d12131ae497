import Foundation
import LVSFuzzing
import Testing

/// Every committed input of Fuzz/Corpus through its harness, in the normal suite: the seeds and
/// every crash the fuzzer ever found (regression-*) must run to completion (docs/fuzzing.md).
@Suite("fuzz corpus replay")
struct FuzzCorpusReplayTests {
    /// Fuzz/Corpus, found from this file's place in the repository.
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/Corpus")

    static func inputs(of harness: FuzzHarness) throws -> [URL] {
        let directory = corpus.appendingPathComponent(harness.rawValue)
        return try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    @Test("every harness has a corpus with at least one hand-made seed", arguments: FuzzHarness.allCases)
    func corpusExists(_ harness: FuzzHarness) throws {
        let names = try Self.inputs(of: harness).map(\.lastPathComponent)
        #expect(names.contains { $0.hasPrefix("seed-") })
        #expect(names.allSatisfy { $0.hasPrefix("seed-") || $0.hasPrefix("regression-") })
    }

    @Test("every corpus file runs through its harness to completion", arguments: FuzzHarness.allCases)
    func replay(_ harness: FuzzHarness) throws {
        for input in try Self.inputs(of: harness) {
            harness.run([UInt8](try Data(contentsOf: input)))
        }
    }

    @Test("every corpus directory names a harness")
    func noStrayDirectories() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path).filter { !$0.hasPrefix(".") }
        #expect(Set(names) == Set(FuzzHarness.allCases.map(\.rawValue)))
    }
}

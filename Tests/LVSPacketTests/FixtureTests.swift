import Foundation
import LVSPacket
import Testing

@Suite struct FixtureTests {
    static func load() throws -> [PacketFixture] {
        let directory = try #require(Bundle.module.resourceURL).appendingPathComponent("Fixtures")
        let urls = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .sorted { $0.path < $1.path }
        var fixtures: [PacketFixture] = []
        for url in urls {
            fixtures += try JSONDecoder().decode([PacketFixture].self, from: Data(contentsOf: url))
        }
        return fixtures
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["LVS_WRITE_PACKET_FIXTURES"] != nil))
    func regenerateFixtures() throws {
        try FixtureGenerator.write(to: ProcessInfo.processInfo.environment["LVS_WRITE_PACKET_FIXTURES"] ?? ".")
    }

    @Test func fixturesMatchTheirGenerator() throws {
        // The checked-in data is what the generator describes (a stale file fails here).
        let loaded = try Self.load()
        let generated = FixtureGenerator.all.keys.sorted().flatMap { FixtureGenerator.all[$0] ?? [] }
        #expect(loaded.count == generated.count)
        for (stored, described) in zip(loaded, generated) where stored != described {
            Issue.record("stale fixture: \(stored.description) (regenerate, see FixtureGenerator)")
        }
    }

    @Test func everyFixtureGivesItsExpectedFrameAndVerdict() throws {
        let fixtures = try Self.load()
        #expect(fixtures.count >= 30)
        var verdicts = [String: Int]()
        for fixture in fixtures {
            let result = FixtureRunner.run(fixture)
            #expect(result.verdict == fixture.verdict, "\(fixture.description)")
            #expect(result.output == fixture.expected, "\(fixture.description)")
            if (fixture.verdict == "forward" || fixture.verdict == "reply") && fixture.operation != "arp" {
                #expect(checksumsValid(bytes(hex: fixture.expected) ?? []), "\(fixture.description)")
            }
            verdicts[fixture.verdict.hasPrefix("drop") ? "drop" : fixture.verdict, default: 0] += 1
        }
        #expect((verdicts["forward"] ?? 0) >= 10)
        #expect((verdicts["reply"] ?? 0) >= 5)
        #expect((verdicts["drop"] ?? 0) >= 10)
    }
}

import LVSControl
import LVSCore
import Logging
import NIOPosix
import Testing

@testable import LVSDaemon

/// The defences as daemon settings: the meminfo reading, the command line over keepalived.conf,
/// and the counters in getEngineStats.
@Suite("Defences in the daemon")
struct DefenceDaemonTests {
    @Test("MemFree + Buffers, in pages; nil when a field is missing")
    func memoryInfo() {
        let text =
            "MemTotal:       24683772 kB\nMemFree:         8000 kB\nMemAvailable:   90000 kB\nBuffers:          192 kB\n"
        #expect(ProcMemoryInfo.availablePages(in: text, pageKiB: 4) == 2048)
        #expect(ProcMemoryInfo.availablePages(in: "MemFree: 8000 kB\n", pageKiB: 4) == nil)
        #expect(ProcMemoryInfo.availablePages(in: "", pageKiB: 4) == nil)
        // This host has a /proc/meminfo (Linux).
        #expect((ProcMemoryInfo().availablePages() ?? 0) > 0)
    }

    @Test("the command line wins over global_defs, which wins over the defaults")
    func precedence() throws {
        var file = DefenceSettingsOverrides()
        file.dropPacket = .always
        file.dropRate = 20
        file.maxConnectionEntries = 100
        var configuration = DaemonConfiguration(controlSocketPath: "/nonexistent")
        configuration.defenceOverrides.dropRate = 5
        configuration.defenceOverrides.secureTCP = .automaticOff
        let director = try DirectorDaemon.makeDirector(configuration, fileDefences: file, now: .seconds(1))
        let d = director.settings.defences
        #expect(d.dropPacket == .always)
        #expect(d.dropRate == 5)
        #expect(d.maxConnectionEntries == 100)
        #expect(d.secureTCP == .automaticOff)
        #expect(d.memoryThresholdPages == 1024)
        #expect(director.defenceStatus.dropRate == 5)
        #expect(director.memoryReader != nil)
    }

    @Test("getEngineStats carries the modes and drops, even in a dry run")
    func engineStatistics() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let director = Director(seed: 1)
        var settings = DirectorSettings()
        settings.defences.dropPacket = .always
        settings.defences.dropRate = 7
        try director.apply(.setDirectorSettings(settings), now: .seconds(1))
        let host = DirectorHost(
            director: director, eventLoop: group.next(),
            serverInfo: ControlServerInfo(daemonVersion: "t", dryRun: true), clock: { .seconds(5) },
            logger: Logger(label: "test"))
        guard case .engineStats(let stats) = try await host.handle(.getEngineStats).get() else {
            Issue.record("expected engine statistics")
            try await group.shutdownGracefully()
            return
        }
        #expect(stats.counters["director_drop_packet_mode"] == 3)
        #expect(stats.counters["director_drop_rate"] == 7)
        #expect(stats.counters["director_drop_entry_mode"] == 0)
        #expect(stats.counters["director_dropped_drop_packet"] == 0)
        try await group.shutdownGracefully()
    }
}

import IPVSAdmin
import LVSCore
import Testing

/// Every listing format against its golden file (reference §2). The reference-example goldens
/// (list-numeric, stats, rate, thresholds-service, persistent-conn-service, tun-info-service,
/// connections, connections-persistent, save-numeric) are the reference's own example text.
@Suite struct IPVSAdminFormatterGoldenTests {
    typealias F = FormatterFixtures
    let numeric = IPVSAdminFormatter(resolver: NumericResolver())
    let named = IPVSAdminFormatter(resolver: FakeResolver())

    static func options(_ configure: (inout ListOptions) -> Void = { _ in }) -> ListOptions {
        var options = ListOptions()
        configure(&options)
        return options
    }

    static let n = options { $0.numeric = true }

    @Test func defaultNumeric() throws {
        try GoldenFile.expectMatches(numeric.listAll(F.referenceTable, options: Self.n), "list-numeric.txt")
    }

    @Test func defaultWithNames() throws {
        try GoldenFile.expectMatches(named.listAll(F.referenceTable, options: Self.options()), "list-names.txt")
    }

    @Test func numericOptionIgnoresResolver() throws {
        try GoldenFile.expectMatches(named.listAll(F.referenceTable, options: Self.n), "list-numeric.txt")
    }

    @Test func noSortKeepsSnapshotOrder() throws {
        let options = Self.options {
            $0.numeric = true; $0.noSort = true
        }
        try GoldenFile.expectMatches(numeric.listAll(F.referenceTable, options: options), "list-nosort.txt")
    }

    @Test func singleServiceHasNoVersionHeader() throws {
        try GoldenFile.expectMatches(numeric.listService(F.dns53, options: Self.n), "list-single-service.txt")
        var options = Self.n
        options.service = F.dns53.config.id
        try GoldenFile.expectMatches(
            try #require(numeric.list(F.referenceTable, options: options)), "list-single-service.txt")
    }

    @Test func emptyTable() throws {
        try GoldenFile.expectMatches(numeric.listAll(TableSnapshot(), options: Self.n), "empty.txt")
    }

    @Test func stats() throws {
        let options = Self.options {
            $0.numeric = true; $0.stats = true
        }
        try GoldenFile.expectMatches(numeric.listAll(F.statsTable, options: options), "stats.txt")
    }

    @Test func statsExact() throws {
        let options = Self.options {
            $0.numeric = true; $0.stats = true; $0.exact = true
        }
        try GoldenFile.expectMatches(numeric.listAll(F.statsTable, options: options), "stats-exact.txt")
    }

    @Test func rate() throws {
        let options = Self.options {
            $0.numeric = true; $0.rate = true
        }
        try GoldenFile.expectMatches(numeric.listAll(F.rateTable, options: options), "rate.txt")
    }

    @Test(arguments: [
        (false, false, "stats-large.txt"), (false, true, "stats-large-exact.txt"), (true, false, "rate-large.txt"),
        (true, true, "rate-large-exact.txt"),
    ])
    func largeNumberBoundaries(rate: Bool, exact: Bool, golden: String) throws {
        let options = Self.options {
            $0.numeric = true; $0.stats = !rate; $0.rate = rate; $0.exact = exact
        }
        try GoldenFile.expectMatches(numeric.listAll(F.largeTable, options: options), golden)
    }

    @Test func thresholds() throws {
        let options = Self.options {
            $0.numeric = true; $0.thresholds = true
        }
        try GoldenFile.expectMatches(
            numeric.listService(F.thresholdService, options: options), "thresholds-service.txt")
        try GoldenFile.expectMatches(numeric.listAll(F.referenceTable, options: options), "thresholds-all.txt")
    }

    @Test func persistentConnections() throws {
        let options = Self.options {
            $0.numeric = true; $0.persistentConnections = true
        }
        try GoldenFile.expectMatches(
            numeric.listService(F.persistentService, options: options), "persistent-conn-service.txt")
        try GoldenFile.expectMatches(numeric.listAll(F.referenceTable, options: options), "persistent-conn-all.txt")
    }

    @Test func tunnelInfo() throws {
        let options = Self.options {
            $0.numeric = true; $0.tunnelInfo = true
        }
        try GoldenFile.expectMatches(numeric.listService(F.tunnelService, options: options), "tun-info-service.txt")
        try GoldenFile.expectMatches(numeric.listAll(F.referenceTable, options: options), "list-tun-info-all.txt")
    }

    @Test func longNamesAreTruncatedLikeIpvsadm() throws {
        try GoldenFile.expectMatches(named.listAll(F.longTable, options: Self.options()), "long-names.txt")
        let stats = Self.options { $0.stats = true }
        try GoldenFile.expectMatches(named.listAll(F.longTable, options: stats), "long-names-stats.txt")
    }

    @Test func ipv6SctpAndFirewallMarkServices() throws {
        try GoldenFile.expectMatches(numeric.listAll(F.longTable, options: Self.n), "ipv6-sctp-fwmark.txt")
        let stats = Self.options {
            $0.numeric = true; $0.stats = true
        }
        try GoldenFile.expectMatches(numeric.listAll(F.longTable, options: stats), "ipv6-sctp-fwmark-stats.txt")
    }

    @Test func connections() throws {
        let c = Self.options {
            $0.numeric = true; $0.connections = true
        }
        try GoldenFile.expectMatches(numeric.listConnections(F.connections, options: c), "connections.txt")
        try GoldenFile.expectMatches(numeric.listConnections(F.miscConnections, options: c), "connections-misc.txt")
        let names = Self.options { $0.connections = true }
        try GoldenFile.expectMatches(named.listConnections(F.connections, options: names), "connections-names.txt")
    }

    @Test func connectionsWithPersistenceEngineData() throws {
        let c = Self.options {
            $0.numeric = true; $0.connections = true; $0.persistentConnections = true
        }
        try GoldenFile.expectMatches(numeric.listConnections(F.sipTemplates, options: c), "connections-persistent.txt")
        try GoldenFile.expectMatches(
            numeric.listConnections(F.miscConnections, options: c), "connections-misc-persistent.txt")
    }

    @Test func timeoutsAndDaemons() throws {
        try GoldenFile.expectMatches(numeric.timeouts(.kernelDefaults), "timeout.txt")
        let custom = TimeoutSettings(tcpEstablished: 3600, tcpFinWait: 30, udp: 2_678_400)
        try GoldenFile.expectMatches(numeric.timeouts(custom), "timeout-custom.txt")
        try GoldenFile.expectMatches(numeric.daemons(F.daemons), "daemon.txt")
        #expect(numeric.daemons([]) == "")
    }

    @Test func save() throws {
        try GoldenFile.expectMatches(numeric.save(F.saveTable, numeric: true), "save-numeric.txt")
        try GoldenFile.expectMatches(named.save(F.saveTable, numeric: true), "save-numeric.txt")
        try GoldenFile.expectMatches(named.save(F.saveTable, numeric: false), "save-names.txt")
        try GoldenFile.expectMatches(numeric.save(F.longTable, numeric: true), "save-misc.txt")
        try GoldenFile.expectMatches(numeric.save(F.thresholdSaveTable, numeric: true), "save-thresholds.txt")
    }

    @Test func json() throws {
        try GoldenFile.expectMatches(
            try #require(numeric.jsonServices(F.referenceTable, options: Self.options())), "json-services.json")
        // Names are never used in JSON, whatever the resolver and -n say.
        try GoldenFile.expectMatches(
            try #require(named.jsonServices(F.referenceTable, options: Self.options())), "json-services.json")
        var stats = F.statsTable
        stats.connectionTableSize = 65536
        try GoldenFile.expectMatches(
            try #require(numeric.jsonServices(stats, options: Self.options())), "json-services-stats.json")
        try GoldenFile.expectMatches(
            try #require(numeric.jsonServices(TableSnapshot(), options: Self.options())), "json-services-empty.json")
        try GoldenFile.expectMatches(
            numeric.jsonConnections(F.connections + F.sipTemplates), "json-connections.json")
        try GoldenFile.expectMatches(numeric.jsonTimeouts(.kernelDefaults), "json-timeouts.json")
        try GoldenFile.expectMatches(numeric.jsonDaemons(F.daemons), "json-daemons.json")
        try GoldenFile.expectMatches(numeric.jsonDaemons([]), "json-daemons-none.json")
    }
}

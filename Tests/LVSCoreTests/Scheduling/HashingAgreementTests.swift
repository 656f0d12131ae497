import Testing

@testable import LVSCore

private typealias F = SchedulingFixture

/// Directors behind ECMP agree without talking only if `mh` and `sh` build the same table from
/// the same configuration on every director (docs/design/0029-bgp-announcements.md, "Agreement").
/// Checked here: the table is a pure function of the real-server list (keys, weights, order)
/// and the flags — no seed, no per-process hashing — and, as in the kernel (reference §3.13,
/// §3.14), the list's order is part of the input.
@Suite struct HashingAgreementTests {
    /// Ten real servers 10.0.0.1…10 with weights 1…3, in `order`.
    private func servers(_ order: [UInt32]) -> [RealServer] {
        order.map { F.server($0, weight: Int32($0 % 3) + 1) }
    }

    /// The table as the owners' keys (what a director would forward to), not list indices.
    private func maglevOwners(_ list: [RealServer], flags: SchedulerFlags = []) -> [RealServerKey?] {
        let mh = MaglevHashingScheduler(flags: flags)
        mh.destinationsChanged(list)
        return mh.slots.map { $0 < 0 ? nil : list[Int($0)].key }
    }

    private func sourceOwners(_ list: [RealServer], flags: SchedulerFlags = []) -> [RealServerKey?] {
        let sh = SourceHashingScheduler(flags: flags)
        sh.destinationsChanged(list)
        return sh.buckets.map { $0 < 0 ? nil : list[Int($0)].key }
    }

    /// FNV-1a over the owners' addresses: a fingerprint to compare with a constant, so that a
    /// table that depended on anything per-process (Swift's seeded `Hasher`, a random seed)
    /// would fail here in some run.
    private func fingerprint(_ owners: [RealServerKey?]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for owner in owners {
            let value = owner.map { UInt64($0.address.ipv4Value) &* 65_536 &+ UInt64($0.port) } ?? 0
            for shift in stride(from: 0, to: 64, by: 8) {
                hash = (hash ^ ((value >> UInt64(shift)) & 0xFF)) &* 0x0100_0000_01b3
            }
        }
        return hash
    }

    private let configured: [UInt32] = Array(1...10)

    @Test func twoDirectorsWithTheSameListBuildTheSameTables() {
        // Fresh objects per "director": nothing is shared but the configuration.
        for flags: SchedulerFlags in [[], .port, .fallback] {
            #expect(maglevOwners(servers(configured), flags: flags) == maglevOwners(servers(configured), flags: flags))
            #expect(sourceOwners(servers(configured), flags: flags) == sourceOwners(servers(configured), flags: flags))
        }
    }

    @Test func theTablesAreTheSameInEveryProcess() {
        // Constants computed once; a per-process input to the build would change them.
        #expect(fingerprint(maglevOwners(servers(configured))) == Self.maglevFingerprint)
        #expect(fingerprint(sourceOwners(servers(configured))) == Self.sourceFingerprint)
    }

    static let maglevFingerprint: UInt64 = 5_726_295_228_637_953_690
    static let sourceFingerprint: UInt64 = 3_798_443_539_732_107_719

    @Test func directorsWithDifferentSeedsPickTheSameRealServer() throws {
        func director(seed: UInt64) throws -> Director {
            let director = Director(seed: seed)
            let vip = IPAddress(ipv4: 0x0A0A_0A0A)
            let service = VirtualServiceID(protocol: .tcp, address: vip, port: 80)
            var commands: [AdminCommand] = [
                .addService(VirtualServiceConfig(id: service, scheduler: "mh", schedulerFlags: .port))
            ]
            for server in servers(configured) {
                commands.append(.addRealServer(service, server.config))
            }
            try director.apply(batch: commands, now: .zero)
            return director
        }
        let one = try director(seed: 1)
        let two = try director(seed: 0xDEAD_BEEF)
        let service = VirtualServiceID(protocol: .tcp, address: IPAddress(ipv4: 0x0A0A_0A0A), port: 80)
        var differing = 0
        for client in UInt32(1)...2000 {
            let query = ExplainQuery(
                service: service, clientAddress: IPAddress(ipv4: 0xC0A8_0000 | client),
                clientPort: UInt16(truncatingIfNeeded: client &* 7))
            let a = one.explain(query, now: .zero).chosen
            let b = two.explain(query, now: .zero).chosen
            if a == nil || a != b { differing += 1 }
        }
        #expect(differing == 0)
    }

    @Test func theListOrderIsPartOfTheInputAsInTheKernel() {
        // Same set, different order: the kernel's fill loops give different tables, so every
        // director must hold its real servers in the same order.
        let reordered: [UInt32] = [2, 3, 4, 5, 6, 7, 8, 9, 10, 1]
        #expect(maglevOwners(servers(configured)) != maglevOwners(servers(reordered)))
        #expect(sourceOwners(servers(configured)) != sourceOwners(servers(reordered)))
    }

    @Test func inhibitingARealServerKeepsTheMaglevTableOfTheOthers() {
        // inhibit_on_failure sets weight 0 in place: mh keeps the last non-zero weight
        // (reference §3.14), so a director whose checker saw a failure keeps the same table.
        let before = maglevOwners(servers(configured))
        let inhibited = servers(configured)
        inhibited[0].config.weight = 0
        #expect(inhibited[0].lastNonZeroWeight == 2)
        #expect(maglevOwners(inhibited) == before)
    }
}

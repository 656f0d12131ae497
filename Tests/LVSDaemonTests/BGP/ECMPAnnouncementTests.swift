import Foundation
import Testing

/// Two directors announce one VIP to a router by BGP (through BIRD, which each lvsd runs as its
/// child), the router spreads flows over both with ECMP (docs/design/0029-bgp-announcements.md).
@Suite(.serialized) struct ECMPAnnouncementTests {
    @Test(.timeLimit(.minutes(4))) func announcementsFollowDirectorsAndRealServers() async throws {
        guard ECMPLab.available() else { return }
        try await ECMPLab.run { lab in
            let hops = ["10.201.1.2", "10.201.2.2"]
            try lab.startRouter()
            var realServers = [
                try lab.startRealServer(ECMPLab.realServers[0], name: "rs1"),
                try lab.startRealServer(ECMPLab.realServers[1], name: "rs2"),
            ]
            let first = try await lab.startDirector(0)
            _ = try await lab.startDirector(1)

            // Both directors announce: the router holds two next hops for the VIP.
            let learned = await lab.waitForNextHops(hops, within: 30)
            try #require(learned != nil, "the router did not learn the VIP from both directors")
            #expect(lab.announcements(0).contains("\"announced\" : true"))

            // Many connections spread over both directors (layer-4 hash on the router).
            let spread = try await lab.connect(count: 200)
            #expect(spread.failures == 0)
            #expect(spread.perDirector.count == 2, "\(spread.perDirector)")
            #expect(spread.perDirector.values.allSatisfy { $0 >= 20 }, "\(spread.perDirector)")

            // A real server fails while another remains: nothing is withdrawn. Wait until both
            // directors' checkers saw it (the health listing), then look at the route.
            kill(realServers[1].processIdentifier, SIGKILL)
            let seen = await lab.poll(within: 15) {
                (0..<2).allSatisfy { index in
                    let health =
                        (try? Subprocess.runSynchronously(
                            "lvsadm", ["--control-socket", lab.file("d\(index + 1).sock"), "--health", "--json"]))?
                        .standardOutput ?? ""
                    return health.contains("\"state\" : \"down\"")
                }
            }
            #expect(seen, "the checkers did not see the real server fail")
            #expect(try await lab.nextHops() == hops)
            let afterFailure = try await lab.connect(count: 50)
            #expect(afterFailure.failures == 0, "\(afterFailure)")

            // SIGKILL one lvsd: its BIRD dies with it, the session closes, the router withdraws
            // that next hop well within the 3 s hold time; new connections go to the other.
            kill(first.processIdentifier, SIGKILL)
            let withdrawn = await lab.waitForNextHops(["10.201.2.2"], within: 10)
            try #require(withdrawn != nil, "the killed director's route was not withdrawn")
            print("ECMP: route of the SIGKILLed director withdrawn after \(withdrawn!)")
            #expect(withdrawn! < .seconds(4))
            let afterKill = try await lab.connect(count: 50)
            #expect(afterKill.failures == 0, "\(afterKill)")
            #expect(afterKill.perDirector.keys.sorted() == [ECMPLab.directorInside[1]], "\(afterKill)")

            // The director comes back; then every real server fails: the VIP is withdrawn
            // everywhere (quorum lost), and announced again when one returns.
            _ = try await lab.startDirector(0)
            #expect(await lab.waitForNextHops(hops, within: 30) != nil)
            kill(realServers[0].processIdentifier, SIGKILL)
            let gone = await lab.waitForNextHops([], within: 15)
            #expect(gone != nil, "losing every real server did not withdraw the VIP")
            #expect(lab.announcements(1).contains("no quorum"))
            realServers = [try lab.startRealServer(ECMPLab.realServers[0], name: "rs1")]
            #expect(await lab.waitForNextHops(hops, within: 20) != nil)
        }
    }
}

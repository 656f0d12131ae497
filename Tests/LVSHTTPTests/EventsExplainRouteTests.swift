import Foundation
import LVSControl
import LVSCore
import Testing

@testable import LVSHTTP

/// `GET /api/v1/events`, `GET /api/v1/explain` and the built-in `/metrics` against a dry-run
/// director host (docs/http-api.md, "Events", "Explain"; docs/metrics.md).
@Suite("REST API: events, explain and /metrics")
struct EventsExplainRouteTests {
    static let vip = VirtualServiceID(protocol: .tcp, address: IPAddress("207.175.44.110")!, port: 80)

    /// wlc with 192.168.10.1 (weight 3) and 192.168.10.2 (weight 0), one transaction each.
    static func seed(_ daemon: HTTPTestDaemon) async throws {
        var service = VirtualServiceConfig(id: vip)
        service.scheduler = "wlc"
        var first = RealServerConfig(address: IPAddress("192.168.10.1")!, port: 80, forwarding: .masquerading)
        first.weight = 3
        var second = RealServerConfig(address: IPAddress("192.168.10.2")!, port: 80, forwarding: .masquerading)
        second.weight = 0
        for command in [AdminCommand.addService(service), .addRealServer(vip, first), .addRealServer(vip, second)] {
            #expect(try await daemon.host.handle(.apply(command)).get() == .ok)
        }
    }

    @Test("events: every transaction, oldest first; since and limit page; bad values are 400")
    func events() async throws {
        try await HTTPTestDaemon.with { daemon in
            try await Self.seed(daemon)
            let client = TestHTTPClient(port: daemon.server.port)
            let all = try client.request("GET", "/api/v1/events")
            #expect(all.status == 200)
            #expect(all.headers["content-type"] == "application/json")
            let events = try JSONDecoder().decode([DaemonEvent].self, from: Data(all.body.utf8))
            #expect(events.map(\.seq) == [1, 2, 3])
            #expect(events.map(\.kind) == [.transaction, .transaction, .transaction])
            #expect(events.first?.reason == "applied add service TCP 207.175.44.110:80")
            let page = try client.request("GET", "/api/v1/events?since=1&limit=1")
            #expect(try JSONDecoder().decode([DaemonEvent].self, from: Data(page.body.utf8)).map(\.seq) == [2])
            let none = try client.request("GET", "/api/v1/events?since=3")
            #expect(try JSONDecoder().decode([DaemonEvent].self, from: Data(none.body.utf8)).isEmpty)
            for bad in ["since=-1", "since=x", "limit=0", "limit=1001"] {
                let response = try client.request("GET", "/api/v1/events?\(bad)")
                #expect(response.status == 400, "\(bad)")
            }
        }
    }

    @Test("explain: the scheduler's choice and each verdict, as lvsadm --explain --json has them")
    func explain() async throws {
        try await HTTPTestDaemon.with { daemon in
            try await Self.seed(daemon)
            let client = TestHTTPClient(port: daemon.server.port)
            let query = "protocol=tcp&address=207.175.44.110&port=80&client=192.0.2.7&client_port=40000"
            let response = try client.request("GET", "/api/v1/explain?\(query)")
            #expect(response.status == 200, "\(response.body)")
            let explanation = try JSONDecoder().decode(Explanation.self, from: Data(response.body.utf8))
            let direct = try await daemon.host.handle(
                .explain(ExplainQuery(service: Self.vip, clientAddress: IPAddress("192.0.2.7")!, clientPort: 40000))
            ).get()
            #expect(direct == .explanation(explanation))
            #expect(explanation.decision == .scheduler)
            #expect(explanation.chosen?.description == "192.168.10.1:80")
            #expect(explanation.realServers.map(\.verdict) == [.weightZero, .chosen])
            // No such service is an answer, not an error.
            let none = try client.request("GET", "/api/v1/explain?fwmark=7&client=192.0.2.7")
            #expect(none.status == 200)
            #expect(try JSONDecoder().decode(Explanation.self, from: Data(none.body.utf8)).decision == .noService)
        }
    }

    @Test("explain: the query names the service one way and the client; anything else is 400")
    func explainQuery() throws {
        let byAddress = try RESTAPI.explainQuery([
            "protocol": "udp", "address": "[2001:db8::1]", "port": "53", "client": "2001:db8::7", "client_port": "5353",
        ])
        #expect(byAddress.service == VirtualServiceID(protocol: .udp, address: IPAddress("2001:db8::1")!, port: 53))
        #expect(byAddress.clientAddress == IPAddress("2001:db8::7"))
        #expect(byAddress.clientPort == 5353)
        let byMark = try RESTAPI.explainQuery(["fwmark6": "2", "client": "2001:db8::7"])
        #expect(byMark.service == VirtualServiceID(firewallMark: 2, family: .inet6))
        #expect(byMark.clientPort == 0)
        let bad: [[String: String]] = [
            ["client": "192.0.2.7"],
            ["protocol": "tcp", "address": "10.0.0.1", "client": "192.0.2.7"],
            ["protocol": "tcp", "address": "10.0.0.1", "port": "80", "fwmark": "1", "client": "192.0.2.7"],
            ["fwmark": "1", "fwmark6": "1", "client": "192.0.2.7"],
            ["fwmark": "0", "client": "192.0.2.7"],
            ["protocol": "tcp", "address": "10.0.0.1", "port": "80"],
            ["protocol": "tcp", "address": "10.0.0.1", "port": "80", "client": "2001:db8::7"],
            ["protocol": "tcp", "address": "10.0.0.1", "port": "80", "client": "192.0.2.7", "client_port": "65536"],
            ["protocol": "icmp", "address": "10.0.0.1", "port": "80", "client": "192.0.2.7"],
        ]
        for query in bad {
            #expect(throws: RESTError.self, "\(query)") { try RESTAPI.explainQuery(query) }
        }
    }

    @Test("/metrics is built in: the exposition text with its content type and the table's values")
    func metrics() async throws {
        try await HTTPTestDaemon.with { daemon in
            try await Self.seed(daemon)
            let response = try TestHTTPClient(port: daemon.server.port).request("GET", "/metrics")
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
            let labels =
                #"local_address="207.175.44.110",local_mark="",local_port="80",proto="TCP",remote_address="192.168.10.1",remote_port="80""#
            #expect(response.body.contains("\nnode_ipvs_backend_weight{\(labels)} 3\n"), "\(response.body)")
            #expect(response.body.contains("\nnode_ipvs_connections_total 0\n"))
        }
    }
}

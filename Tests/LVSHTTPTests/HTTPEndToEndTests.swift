import Foundation
import IPVSAdmin
import LVSControl
import LVSCore
import LVSDaemon
import Testing

@testable import LVSHTTP

/// Every write of the API through HTTP against a dry-run director host, each checked through the
/// control protocol and `lvsadm -L -n`'s listing of it.
@Suite("REST API end to end")
struct HTTPEndToEndTests {
    static let vip = VirtualServiceID(protocol: .tcp, address: IPAddress("10.0.0.1")!, port: 80)

    /// The columns of the first line of `lvsadm -L -n` that contains `text`.
    func columns(_ daemon: HTTPTestDaemon, _ text: String) async throws -> [String] {
        let line = try await listing(daemon).split(separator: "\n").first { $0.contains(text) }
        return line.map { $0.split(separator: " ").map(String.init) } ?? []
    }

    /// `lvsadm -L -n` as the formatter prints it from the table.
    func listing(_ daemon: HTTPTestDaemon) async throws -> String {
        var options = ListOptions()
        options.numeric = true
        return IPVSAdminFormatter(resolver: NumericResolver()).listAll(try await daemon.table(), options: options)
    }

    @Test("services and real servers: add, read, edit, weight, drain, restore, zero, delete")
    func servicesAndRealServers() async throws {
        try await HTTPTestDaemon.with { daemon in
            let client = TestHTTPClient(port: daemon.server.port)
            let service = "/api/v1/services/tcp/10.0.0.1/80"

            var response = try client.request(
                "POST", "/api/v1/services",
                body: #"{"protocol": "tcp", "address": "10.0.0.1", "port": 80, "scheduler": "rr"}"#)
            #expect(response.status == 201)
            #expect(response.json["scheduler"] as? String == "rr")
            #expect(
                try await daemon.table().services.map(\.config) == [VirtualServiceConfig(id: Self.vip, scheduler: "rr")]
            )
            #expect(try await columns(daemon, "10.0.0.1:80") == ["TCP", "10.0.0.1:80", "rr"])

            response = try client.request(
                "POST", "/api/v1/services", body: #"{"protocol": "tcp", "address": "10.0.0.1", "port": 80}"#)
            #expect(response.status == 409)
            #expect(response.body.contains(#""message": "Service already exists""#))

            response = try client.request("PUT", service, body: #"{"scheduler": "wlc", "persistent": true}"#)
            #expect(response.status == 200)
            #expect(try await columns(daemon, "10.0.0.1:80") == ["TCP", "10.0.0.1:80", "wlc", "persistent", "360"])

            response = try client.request(
                "POST", service + "/real-servers",
                body: #"{"address": "192.168.10.1", "port": 8080, "forwarding": "masquerading", "weight": 5}"#)
            #expect(response.status == 201)
            #expect(response.json["weight"] as? Int == 5)
            #expect(try await columns(daemon, "192.168.10.1") == ["->", "192.168.10.1:8080", "Masq", "5", "0", "0"])

            let realServer = service + "/real-servers/192.168.10.1/8080"
            response = try client.request("PUT", realServer + "/weight", body: #"{"weight": 7}"#)
            #expect(response.status == 200)
            #expect(try await columns(daemon, "192.168.10.1").dropFirst(2).prefix(2) == ["Masq", "7"])

            response = try client.request("POST", realServer + "/drain")
            #expect(response.status == 200)
            #expect(response.json["weight"] as? Int == 0)
            #expect(response.json["drained_idle"] as? Bool == true)
            #expect(try await columns(daemon, "192.168.10.1").dropFirst(2).prefix(2) == ["Masq", "0"])
            response = try client.request("POST", realServer + "/restore")
            #expect(response.json["weight"] as? Int == 7)
            #expect(try await columns(daemon, "192.168.10.1").dropFirst(2).prefix(2) == ["Masq", "7"])
            response = try client.request("POST", realServer + "/restore")
            #expect(response.status == 400)

            response = try client.request(
                "PUT", realServer, body: #"{"forwarding": "direct_routing", "weight": 2, "upper_threshold": 100}"#)
            #expect(response.status == 200)
            let edited = try await daemon.table().services.first?.realServers.first?.config
            #expect(edited?.forwarding == .directRouting && edited?.weight == 2 && edited?.upperThreshold == 100)

            response = try client.request("GET", service + "/real-servers")
            #expect((response.json["real_servers"] as? [Any])?.count == 1)
            response = try client.request("POST", service + "/zero")
            #expect(response.status == 204)
            response = try client.request("POST", "/api/v1/zero")
            #expect(response.status == 204)

            response = try client.request("DELETE", realServer)
            #expect(response.status == 204)
            #expect(try await daemon.table().services.first?.realServers.isEmpty == true)
            response = try client.request("DELETE", realServer)
            #expect(response.status == 404)
            #expect(response.json["error"] as? [String: String] == ["kind": "admin", "message": "No such destination"])

            response = try client.request("DELETE", service)
            #expect(response.status == 204)
            #expect(try await daemon.table().services.isEmpty)
            response = try client.request("GET", service)
            #expect(response.status == 404)
        }
    }

    @Test("fwmark and IPv6 services, timeouts, reads of every kind, paging")
    func otherResources() async throws {
        try await HTTPTestDaemon.with { daemon in
            let client = TestHTTPClient(port: daemon.server.port)
            #expect(
                try client.request("POST", "/api/v1/services", body: #"{"fwmark": 5, "scheduler": "sh"}"#).status == 201
            )
            #expect(try client.request("GET", "/api/v1/services/fwmark/5").json["fwmark"] as? Int == 5)
            #expect(try await columns(daemon, "FWM") == ["FWM", "5", "sh"])
            #expect(
                try client.request(
                    "POST", "/api/v1/services", body: #"{"protocol": "udp", "address": "2001:db8::1", "port": 53}"#
                )
                .status == 201)
            for path in ["/api/v1/services/udp/[2001:db8::1]/53", "/api/v1/services/udp/2001%3Adb8%3A%3A1/53"] {
                #expect(try client.request("GET", path).json["address"] as? String == "2001:db8::1", "\(path)")
            }
            #expect(try await columns(daemon, "UDP") == ["UDP", "[2001:db8::1]:53", "wlc"])

            var response = try client.request("PUT", "/api/v1/timeouts", body: #"{"tcp": 1000, "udp": 30}"#)
            #expect(response.status == 200)
            #expect(response.json["timeouts"] as? [String: Int] == ["tcp": 1000, "tcp_fin": 120, "udp": 30])
            #expect(
                try await daemon.host.handle(.getTimeouts).get()
                    == .timeouts(TimeoutSettings(tcpEstablished: 1000, udp: 30)))
            #expect(try client.request("PUT", "/api/v1/timeouts", body: #"{"tcp": -1}"#).status == 400)

            response = try client.request("GET", "/api/v1/services")
            #expect((response.json["services"] as? [Any])?.count == 2)
            response = try client.request("GET", "/api/v1/connections?offset=0&limit=10")
            #expect(response.json["total"] as? Int == 0)
            #expect(response.json["limit"] as? Int == 10)
            #expect(try client.request("GET", "/api/v1/connections?limit=0").status == 400)
            for path in [
                "/api/v1/health", "/api/v1/engine", "/api/v1/vrrp", "/api/v1/sync", "/api/v1/daemons", "/api/v1/info",
            ] {
                let read = try client.request("GET", path)
                #expect(read.status == 200, "\(path)")
                #expect(read.headers["content-type"] == "application/json", "\(path)")
            }
            #expect(try client.request("GET", "/api/v1/info").json["dryRun"] as? Bool == true)
            // No configuration file: the reload is refused with the daemon's reason.
            response = try client.request("POST", "/api/v1/reload")
            #expect(response.status == 409)
            #expect((response.json["error"] as? [String: String])?["kind"] == "configuration")
            let document = try client.request("GET", "/api/v1/openapi.json")
            #expect(document.body == OpenAPIDocument.text)
        }
    }

    @Test("bad requests: 400, 404, 405, 413, 415 with JSON errors, never 5xx")
    func errors() async throws {
        try await HTTPTestDaemon.with { daemon in
            let client = TestHTTPClient(port: daemon.server.port)
            var response = try client.request("POST", "/api/v1/services", body: "{not json")
            #expect(response.status == 400)
            #expect((response.json["error"] as? [String: String])?["kind"] == "bad_request")
            response = try client.request(
                "POST", "/api/v1/services",
                body: #"{"protocol": "tcp", "address": "10.0.0.1", "port": 80, "scheduler": "nope"}"#)
            #expect(response.status == 400)
            #expect(
                (response.json["error"] as? [String: String])?["message"] == "Scheduler or persistence engine not found"
            )
            #expect(try client.request("GET", "/api/v1/nothing").status == 404)
            response = try client.request("DELETE", "/api/v1/services")
            #expect(response.status == 405)
            #expect(response.headers["allow"] == "GET, POST")
            response = try client.request(
                "POST", "/api/v1/services", body: "x=1", contentType: "application/x-www-form-urlencoded")
            #expect(response.status == 415)
            response = try client.request("POST", "/api/v1/services", body: String(repeating: " ", count: 100_000))
            #expect(response.status == 413)
            response = try client.request(
                "GET", "/api/v1/services", headers: ["X-Big": String(repeating: "a", count: 20_000)])
            #expect(response.status == 431)
            #expect(try client.request("GET", "/api/v1/services/tcp/10.0.0.1/99999").status == 400)
            #expect(
                try client.request("GET", "/api/v1/services/tcp/10.0.0.1/80/real-servers/10.0.0.2/80").status == 404)
            #expect(
                try client.request("POST", "/api/v1/services/fwmark/1/real-servers", body: #"{"address": "10.0.0.2"}"#)
                    .status == 404)
        }
    }

    @Test("off loopback: writes need the bearer token, reads too with auth-reads; 401 is JSON")
    func authentication() async throws {
        // 127.0.0.1 treated as reachable from elsewhere: the policy a non-loopback bind gets.
        let token = Array("t0ken-for-tests".utf8)
        try await HTTPTestDaemon.with(access: HTTPAccessPolicy(token: token, requiresToken: true, authReads: false)) {
            daemon in
            let anonymous = TestHTTPClient(port: daemon.server.port)
            let body = #"{"protocol": "tcp", "address": "10.0.0.1", "port": 80}"#
            let response = try anonymous.request("POST", "/api/v1/services", body: body)
            #expect(response.status == 401)
            #expect(response.headers["www-authenticate"] == "Bearer")
            #expect((response.json["error"] as? [String: String])?["kind"] == "unauthorized")
            #expect(try await daemon.table().services.isEmpty)
            #expect(
                try TestHTTPClient(port: daemon.server.port, token: "wrong").request(
                    "POST", "/api/v1/services", body: body
                ).status == 401)
            #expect(try anonymous.request("GET", "/api/v1/services").status == 200)
            let authorized = TestHTTPClient(port: daemon.server.port, token: "t0ken-for-tests")
            #expect(try authorized.request("POST", "/api/v1/services", body: body).status == 201)
            #expect(try await daemon.table().services.count == 1)

        }
        try await HTTPTestDaemon.with(access: HTTPAccessPolicy(token: token, requiresToken: true, authReads: true)) {
            guarded async throws in
            #expect(try TestHTTPClient(port: guarded.server.port).request("GET", "/api/v1/services").status == 401)
            #expect(
                try TestHTTPClient(port: guarded.server.port, token: "t0ken-for-tests").request(
                    "GET", "/api/v1/services"
                ).status == 200)
        }
    }
}

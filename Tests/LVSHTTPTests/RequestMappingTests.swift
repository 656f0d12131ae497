import LVSControl
import LVSCore
import NIOHTTP1
import Testing

@testable import LVSHTTP

@Suite("REST request mapping")
struct RequestMappingTests {
    func service(_ json: String, id: VirtualServiceID? = nil) throws(RESTError) -> VirtualServiceConfig {
        try RESTBodies.service(Array(json.utf8), id: id)
    }

    @Test("a service body with the listing's members maps onto -A's configuration")
    func serviceBody() throws {
        let config = try service(
            #"{"protocol": "tcp", "address": "10.0.0.1", "port": 80, "scheduler": "sh", "scheduler_flags": ["sh-port"], "persistent": true, "netmask": "255.255.255.0", "stats": {}}"#
        )
        var expected = VirtualServiceConfig(
            id: VirtualServiceID(protocol: .tcp, address: IPAddress("10.0.0.1")!, port: 80), scheduler: "sh",
            schedulerFlags: .port, persistenceTimeout: 360, netmask: .ipv4(mask: 0xFFFF_FF00))
        #expect(config == expected)
        let mark = try service(#"{"fwmark": 5, "family": "ipv6", "persistence_timeout": 60, "netmask": "64"}"#)
        expected = VirtualServiceConfig(
            id: VirtualServiceID(firewallMark: 5, family: .inet6), persistenceTimeout: 60,
            netmask: .ipv6(prefixLength: 64))
        #expect(mark == expected)
        // A PUT takes the identity from the URL.
        let url = VirtualServiceID(protocol: .udp, address: IPAddress("2001:db8::1")!, port: 53)
        #expect(try service(#"{"scheduler": "rr"}"#, id: url) == VirtualServiceConfig(id: url, scheduler: "rr"))
    }

    @Test("bad service bodies are 400 with a message naming the member")
    func badServiceBodies() {
        let cases: [(String, String)] = [
            ("", "needs a JSON object"), ("[1]", "must be a JSON object"), ("{", "not valid JSON"),
            (#"{"protocol": "tcp", "address": "10.0.0.1"}"#, "needs \"protocol\", \"address\" and \"port\""),
            (#"{"protocol": "icmp", "address": "10.0.0.1", "port": 1}"#, "not a protocol"),
            (#"{"protocol": "tcp", "address": "10.0.0.999", "port": 1}"#, "not an IPv4 or IPv6 address"),
            (#"{"protocol": "tcp", "address": "10.0.0.1", "port": 70000}"#, "\"port\" must be an integer"),
            (#"{"protocol": "tcp", "address": "10.0.0.1", "port": 1.5}"#, "\"port\" must be an integer"),
            (#"{"protocol": "tcp", "address": "10.0.0.1", "port": 1, "colour": 1}"#, "unknown member \"colour\""),
            (#"{"protocol": "tcp", "address": "10.0.0.1", "port": 1, "persistent": "yes"}"#, "true or false"),
            (#"{"fwmark": 0}"#, "\"fwmark\" must be an integer from 1"),
            (#"{"fwmark": 1, "port": 80}"#, "firewall-mark service has no"),
            (
                #"{"protocol": "tcp", "address": "10.0.0.1", "port": 1, "scheduler_flags": ["sh-port"]}"#,
                "not a scheduler flag"
            ),
            (#"{"protocol": "tcp", "address": "10.0.0.1", "port": 1, "netmask": "64"}"#, "dotted mask"),
        ]
        for (body, message) in cases {
            do {
                _ = try service(body)
                Issue.record("accepted \(body)")
            } catch {
                #expect(error.status == .badRequest, "\(body)")
                #expect(error.message.contains(message), "\(body): \(error.message)")
            }
        }
    }

    @Test("a real server body maps onto -a's configuration; defaults as ipvsadm's")
    func realServerBody() throws {
        let config = try RESTBodies.realServer(
            Array(
                #"{"address": "192.168.10.1", "port": 8080, "forwarding": "tunnelling", "weight": 3, "tunnel": {"type": "gue", "port": 6080, "checksum": "remote_checksum"}, "active_connections": 7}"#
                    .utf8), key: nil)
        #expect(
            config
                == RealServerConfig(
                    address: IPAddress("192.168.10.1")!, port: 8080, forwarding: .tunnelling, weight: 3,
                    tunnelType: .gue,
                    tunnelPort: 6080, tunnelChecksum: .remoteChecksum))
        let defaults = try RESTBodies.realServer(Array(#"{"address": "[2001:db8::2]"}"#.utf8), key: nil)
        #expect(defaults == RealServerConfig(address: IPAddress("2001:db8::2")!, port: 0))
        let key = RealServerKey(address: IPAddress("10.1.1.1")!, port: 80)
        #expect(throws: RESTError.self) {
            try RESTBodies.realServer(Array(#"{"address": "10.1.1.2"}"#.utf8), key: key)
        }
        #expect(throws: RESTError.self) {
            try RESTBodies.realServer(Array(#"{"address": "10.1.1.1", "weight": 65536}"#.utf8), key: nil)
        }
        #expect(throws: RESTError.self) {
            try RESTBodies.realServer(Array(#"{"address": "10.1.1.1", "tunnel": {"type": "ipip"}}"#.utf8), key: nil)
        }
    }

    @Test("URL identities: protocol/address/port, fwmark and fwmark6, IPv6 bare or in brackets")
    func identities() throws {
        #expect(
            try RESTResourceID.service(["protocol": "udp", "address": "[2001:db8::1]", "port": "53"])
                == VirtualServiceID(protocol: .udp, address: IPAddress("2001:db8::1")!, port: 53))
        #expect(
            try RESTResourceID.service(["kind": "fwmark6", "mark": "7"])
                == VirtualServiceID(firewallMark: 7, family: .inet6))
        #expect(throws: RESTError.self) { try RESTResourceID.service(["kind": "fwmark", "mark": "0"]) }
        #expect(throws: RESTError.self) {
            try RESTResourceID.service(["protocol": "tcp", "address": "x", "port": "1"])
        }
        #expect(RESTResourceID.path(of: VirtualServiceID(firewallMark: 5, family: .inet)) == "fwmark/5")
    }

    @Test("refusals keep ipvsadm's text and get the status of what went wrong")
    func statuses() {
        let vip = VirtualServiceID(protocol: .tcp, address: IPAddress(ipv4: 1), port: 1)
        let rs = RealServerConfig(address: IPAddress(ipv4: 2), port: 1)
        let cases: [(AdminError, AdminCommand, HTTPResponseStatus, String)] = [
            (.alreadyExists, .addService(VirtualServiceConfig(id: vip)), .conflict, "Service already exists"),
            (.noSuchService, .deleteService(vip), .notFound, "No such service"),
            (.noSuchService, .addRealServer(vip, rs), .notFound, "Service not defined"),
            (.notFound, .deleteRealServer(vip, rs.key), .notFound, "No such destination"),
            (
                .notFound, .addService(VirtualServiceConfig(id: vip)), .badRequest,
                "Scheduler or persistence engine not found"
            ),
            (.outOfRange, .addRealServer(vip, rs), .badRequest, "Numerical result out of range"),
            (.alreadyExists, .addRealServer(vip, rs), .conflict, "Destination already exists"),
        ]
        for (error, command, status, message) in cases {
            let refusal = RESTError.from(.admin(error, command: command))
            #expect(refusal.status == status, "\(error)")
            #expect(refusal.message == message)
            #expect(refusal.kind == "admin")
        }
        #expect(RESTError.from(ControlFailure(kind: .configuration, message: "no file")).status == .conflict)
    }
}

import Foundation
import IPVSAdmin
import LVSCore
import Testing

@testable import LVSConfig

/// Each configuration in `Configurations/` parsed from disk (through `SystemFileSystem`),
/// turned into commands, applied to a director and saved: the text must equal the hand-written
/// `.save` file byte for byte.
@Suite struct RealisticConfigurationTests {
    static let names = ["web-nat", "dr-persistent", "tunnel", "fwmark-group", "dns-udp", "proxy", "ssl-misc-sorry"]

    private func load(_ name: String) throws -> (KeepalivedParseResult, expected: String, directory: String) {
        let directory = try Support.configurationsDirectory()
        let result = KeepalivedConfigurationParser(fileSystem: SystemFileSystem()).parse(
            path: "\(directory)/\(name).conf")
        let expected = try String(contentsOfFile: "\(directory)/\(name).save", encoding: .utf8)
        return (result, expected, directory)
    }

    @Test(arguments: names) func saveMatchesTheHandWrittenText(name: String) throws {
        let (result, expected, directory) = try load(name)
        let warnings = result.diagnostics.map { $0.description.replacingOccurrences(of: directory + "/", with: "") }
        // dr-persistent.conf's VRRP instance is read without a word, like the rest.
        #expect(warnings == [])
        let save = try Support.save(try result.configuration.adminCommands())
        #expect(save == expected)
    }

    @Test func webFarmTimeoutsAndGlobalDefinitions() throws {
        let (result, _, _) = try load("web-nat")
        let g = result.configuration.globalDefinitions
        #expect(g.routerID == "LVS_WEB_1")
        #expect(g.notificationEmail == ["ops@example.com", "oncall@example.com"])
        #expect(g.notificationEmailFrom == "lvs@example.com")
        #expect(g.smtpServer == SMTPServer(host: "192.0.2.25", port: 25))
        #expect(g.smtpHeloName == "director1.example.com")
        #expect(g.smtpConnectTimeout == .seconds(30))
        #expect(g.lvsFlush)
        #expect(g.scriptUser == ScriptCommand(command: "", user: "keepalived_script", group: "keepalived"))
        #expect(g.enableScriptSecurity)
        let commands = try result.configuration.adminCommands()
        #expect(commands.first == .setTimeouts(TimeoutSettings(tcpEstablished: 7200, tcpFinWait: 60, udp: 120)))
        #expect(
            try Support.director(commands).timeouts == TimeoutSettings(tcpEstablished: 7200, tcpFinWait: 60, udp: 120))
    }

    @Test func webFarmRealServerAndHTTPCheckValues() throws {
        let (result, _, directory) = try load("web-nat")
        let vs = try #require(result.configuration.virtualServers.first)
        #expect(vs.checkerParameters.delayLoop == .seconds(6))
        #expect(vs.virtualhost == "www.example.com")
        let rs = try #require(vs.realServers.first)
        #expect(rs.upperThreshold == 1000 && rs.lowerThreshold == 800 && rs.inhibitOnFailure == true)
        #expect(rs.notifyUp == ScriptCommand(command: "/usr/local/bin/lvs-notify up 10.0.1.11"))
        #expect(
            rs.notifyDown
                == ScriptCommand(command: "/usr/local/bin/lvs-notify down 10.0.1.11", user: "keepalived_script"))
        #expect(rs.smtpAlert == true)
        let checker = try #require(rs.checkers.first)
        #expect(checker.kind == .http)
        #expect(checker.location == ConfigurationLocation(file: "\(directory)/web-nat.conf", line: 35, column: 9))
        #expect(checker.parameters.connectTimeout == .seconds(3))
        #expect(checker.parameters.retry == 3)
        #expect(checker.parameters.delayBeforeRetry == .seconds(2))
        guard case .http(let http) = checker.detail else {
            Issue.record("not HTTP")
            return
        }
        #expect(http.httpProtocol == "1.1" && http.fastRecovery && !http.enableSNI)
        #expect(http.urls.map(\.path) == ["/health", "/ready"])
        #expect(http.urls.first?.statusCodes == [200...200, 300...399])
        #expect(http.urls.last?.regex == "^OK")
        #expect(vs.realServers[1].virtualhost == "www2.example.com")
        #expect(result.configuration.virtualServers.count == 3)
        #expect(result.configuration.virtualServers[1].location.file == "\(directory)/conf.d/10-api.conf")
    }

    @Test func directRoutingTCPCheckAndSyncDaemon() throws {
        let (result, _, _) = try load("dr-persistent")
        let sync = try #require(result.configuration.globalDefinitions.lvsSyncDaemon)
        #expect(sync.interface == "eth1" && sync.vrrpInstance == "VI_1" && sync.syncID == 7)
        #expect(sync.maxLength == 1400 && sync.port == 8848 && sync.ttl == 2 && sync.group == IPAddress("239.0.0.81"))
        #expect(result.configuration.globalDefinitions.lvsFlushOnStop == .virtualServers)
        #expect(result.configuration.unsupportedBlocks.isEmpty)
        #expect(result.configuration.vrrpInstances.map(\.name) == ["VI_1"])
        let vs = try #require(result.configuration.virtualServers.first)
        #expect(vs.checkerParameters.retry == 2 && vs.checkerParameters.warmup == .seconds(5))
        let tcp = try #require(vs.realServers.first?.checkers.first)
        #expect(tcp.kind == .tcp && tcp.connectIP == IPAddress("10.0.2.21") && tcp.connectPort == 443)
        #expect(tcp.bindTo == IPAddress("10.0.2.1") && tcp.bindPort == 50443 && tcp.bindInterface == "eth1")
        #expect(tcp.firewallMark == 99 && tcp.logAllFailures)
        #expect(tcp.parameters.connectTimeout == .milliseconds(2500))
        #expect(tcp.parameters.retry == 3 && tcp.parameters.delayBeforeRetry == .seconds(1))
        #expect(tcp.parameters.delayLoop == .seconds(5) && tcp.parameters.warmup == .seconds(2))
    }

    @Test func checkerDetailsOfTheOtherKinds() throws {
        let (dns, _, _) = try load("dns-udp")
        let rs = try #require(dns.configuration.virtualServers.first?.realServers)
        guard case .dns(let query) = rs[0].checkers.first?.detail, case .udp(let udp) = rs[1].checkers.first?.detail
        else {
            Issue.record("wrong checker kinds")
            return
        }
        #expect(query.type == "A" && query.name == "www.example.com")
        #expect(rs[0].checkers.first?.parameters.retry == 3)
        #expect(udp.payload == [0, 1, 2, 3, 4] && udp.requireReply && udp.replyPattern == "00XX")
        #expect(udp.minReplyLength == 2 && udp.maxReplyLength == 512)

        let (proxy, _, _) = try load("proxy")
        guard case .smtp(let smtp) = proxy.configuration.virtualServers.last?.realServers.first?.checkers.first?.detail
        else {
            Issue.record("no SMTP_CHECK")
            return
        }
        #expect(smtp.heloName == "director.example.com")

        let (sorry, _, _) = try load("ssl-misc-sorry")
        let vs = try #require(sorry.configuration.virtualServers.first)
        #expect(vs.checkerParameters.alpha == true && vs.omega && vs.quorum == 4 && vs.hysteresis == 1)
        #expect(vs.quorumUp == ScriptCommand(command: "/usr/local/bin/quorum.sh up"))
        #expect(
            vs.quorumDown == ScriptCommand(command: "/usr/local/bin/quorum.sh down", user: "nobody", group: "nogroup"))
        #expect(
            vs.sorryServer
                == SorryServer(
                    address: IPAddress(ipv4: 0x0A00_0763), port: 8443,
                    forwarding: ForwardingSpecification(method: .masquerading)))
        #expect(vs.sorryServerInhibit && vs.haSuspend && vs.inhibitOnFailure && vs.weight == 2 && vs.smtpAlert == false)
        guard case .http(let ssl) = vs.realServers[0].checkers.first?.detail,
            case .misc(let misc) = vs.realServers[1].checkers.first?.detail
        else {
            Issue.record("wrong checker kinds")
            return
        }
        #expect(vs.realServers[0].checkers.first?.kind == .ssl)
        #expect(ssl.enableSNI && ssl.virtualhost == "secure.example.com")
        #expect(
            ssl.urls[0].digest == "9b3a0c85a887a256d6939da88aabd8cd" && ssl.urls[0].virtualhost == "secure.example.com")
        #expect(ssl.urls[1].regexNoMatch)
        #expect(
            misc.path
                == ScriptCommand(command: "/usr/local/bin/check-weight 10.0.7.2", user: "nobody", group: "nogroup"))
        #expect(misc.timeout == .seconds(8) && misc.dynamic)
        #expect(vs.realServers[1].checkers.first?.parameters.warmup == .seconds(3))
        #expect(sorry.configuration.globalDefinitions.lvsNotifyFifo == "/run/keepalived/lvs.fifo")
        #expect(
            sorry.configuration.globalDefinitions.lvsNotifyFifoScript
                == ScriptCommand(command: "/usr/local/bin/lvs-fifo-reader", user: "root"))

        let (group, _, _) = try load("fwmark-group")
        let checkers = try #require(group.configuration.virtualServers.first?.realServers.last?.checkers)
        guard case .file(let file) = checkers.first?.detail, case .bfd(let bfd) = checkers.last?.detail else {
            Issue.record("wrong checker kinds")
            return
        }
        #expect(file.trackFile == "rs2_state" && file.weight == -10 && file.reverse && file.dynamic)
        #expect(bfd == "bfd_rs2")
    }

    /// Every keyword the parser supports appears in at least one realistic configuration.
    @Test func theConfigurationsUseEverySupportedKeyword() throws {
        let directory = try Support.configurationsDirectory()
        var used = Set<String>()
        func collect(_ nodes: [ConfigurationNode]) {
            for node in nodes {
                used.insert(node.name)
                collect(node.block ?? [])
            }
        }
        var log = DiagnosticLog()
        for name in Self.names {
            let reader = ConfigurationReader(fileSystem: SystemFileSystem(), maximumIncludeDepth: 8)
            collect(reader.read(path: "\(directory)/\(name).conf", diagnostics: &log))
            // `include` lines are replaced by what they include; count the statement itself.
            let text = try String(contentsOfFile: "\(directory)/\(name).conf", encoding: .utf8)
            if text.contains("\ninclude ") { used.insert("include") }
        }
        let missing = KeywordCatalogue.supported.filter { !used.contains($0) }
        #expect(missing == [])
    }
}

/// The keywords docs/configuration.md documents as supported.
enum KeywordCatalogue {
    static let supported: [String] = [
        "include", "global_defs", "router_id", "lvs_sync_daemon", "lvs_timeouts", "lvs_flush", "lvs_flush_on_stop",
        "notification_email", "notification_email_from", "smtp_server", "smtp_helo_name", "smtp_connect_timeout",
        "lvs_notify_fifo", "lvs_notify_fifo_script", "script_user", "enable_script_security",
        "virtual_server_group", "fwmark", "virtual_server", "real_server",
        "lb_algo", "lvs_sched", "lb_kind", "lvs_method", "persistence_timeout", "persistence_granularity",
        "persistence_engine", "protocol", "ops", "hashed", "flag-1", "flag-2", "flag-3", "sh-port", "sh-fallback",
        "mh-port", "mh-fallback", "ip_family", "virtualhost", "alpha", "omega", "quorum", "hysteresis", "quorum_up",
        "quorum_down", "sorry_server", "sorry_server_inhibit", "sorry_server_lvs_method", "ha_suspend",
        "inhibit_on_failure", "weight", "proxy_protocol", "transparent_source", "smtp_alert",
        "delay_loop", "connect_timeout", "retry", "nb_get_retry", "delay_before_retry", "warmup",
        "uthreshold", "lthreshold", "notify_up", "notify_down",
        "TCP_CHECK", "HTTP_GET", "SSL_GET", "UDP_CHECK", "DNS_CHECK", "SMTP_CHECK", "MISC_CHECK", "PING_CHECK",
        "FILE_CHECK", "BFD_CHECK",
        "connect_ip", "connect_port", "bindto", "bind_port", "bind_if", "log_all_failures",
        "url", "path", "digest", "status_code", "regex", "regex_no_match", "http_protocol", "enable_sni",
        "fast_recovery",
        "payload", "require_reply", "min_reply_length", "max_reply_length", "type", "name", "helo_name",
        "misc_path", "misc_timeout", "misc_dynamic", "user", "track_file", "dynamic",
    ]
}

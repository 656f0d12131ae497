/// keepalived.conf text for the lab's daemons (lvsd reads the same vocabulary): instances,
/// sync groups and tracking scripts, each with only the keywords a scenario needs.
struct VRRPLabConfiguration {
    struct Instance {
        var name = "VI_1"
        var version = 3
        var interface = "eth0"
        var virtualRouterID = 51
        var priority: Int
        /// As written in the file (seconds, decimals allowed for VRRPv3).
        var advertInterval = "1"
        /// With prefix, e.g. `10.99.0.100/24`.
        var addresses = ["10.99.0.100/24"]
        var unicastSource: String?
        var unicastPeers: [String] = []
        /// VRRPv2 PASS authentication.
        var password: String?
        var nopreempt = false
        var ipv6 = false
        var trackScripts: [String] = []
    }

    struct Script {
        var name: String
        var command: String
        var interval = "1"
        var weight: Int
    }

    var instances: [Instance]
    var groups: [(name: String, members: [String])] = []
    var scripts: [Script] = []

    var text: String {
        var lines = ["global_defs {", "    script_user root", "}"]
        for script in scripts {
            lines += [
                "vrrp_script \(script.name) {", "    script \"\(script.command)\"", "    interval \(script.interval)",
                "    weight \(script.weight)", "    fall 1", "    rise 1", "}",
            ]
        }
        for group in groups {
            lines += ["vrrp_sync_group \(group.name) {", "    group {"] + group.members.map { "        \($0)" }
            lines += ["    }", "}"]
        }
        for instance in instances {
            lines += [
                "vrrp_instance \(instance.name) {", "    state BACKUP", "    interface \(instance.interface)",
                "    virtual_router_id \(instance.virtualRouterID)", "    priority \(instance.priority)",
                "    advert_int \(instance.advertInterval)", "    version \(instance.version)",
            ]
            if instance.ipv6 { lines.append("    native_ipv6") }
            if instance.nopreempt { lines.append("    nopreempt") }
            if let password = instance.password {
                lines += ["    authentication {", "        auth_type PASS", "        auth_pass \(password)", "    }"]
            }
            if let source = instance.unicastSource { lines.append("    unicast_src_ip \(source)") }
            if !instance.unicastPeers.isEmpty {
                lines += ["    unicast_peer {"] + instance.unicastPeers.map { "        \($0)" } + ["    }"]
            }
            if !instance.trackScripts.isEmpty {
                lines += ["    track_script {"] + instance.trackScripts.map { "        \($0)" } + ["    }"]
            }
            lines += ["    virtual_ipaddress {"] + instance.addresses.map { "        \($0)" } + ["    }", "}"]
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

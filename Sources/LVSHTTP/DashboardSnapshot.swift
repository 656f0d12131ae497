import IPVSAdmin
import LVSControl
import LVSCore

/// One `snapshot` event of the dashboard's stream (docs/http-api.md, "Live stream"): the
/// services as `-L --json` lists them (with rates), each real server with its health state and
/// the REST path the page drains it through, and the VRRP instances' states. A read that failed
/// leaves its part empty rather than the page stale.
struct DashboardSnapshot {
    let table: ControlReplyBody
    let health: ControlReplyBody
    let vrrp: ControlReplyBody
    private let formatter = IPVSAdminFormatter(resolver: NumericResolver())

    init(table: ControlReplyBody, health: ControlReplyBody, vrrp: ControlReplyBody) {
        self.table = table
        self.health = health
        self.vrrp = vrrp
    }

    func json() -> String { value().rendered() }

    func value() -> JSONValue {
        var members: [(String, JSONValue)] = []
        if case .table(let snapshot) = table {
            members.append(("services", .array(formatter.ordered(snapshot.services).map(service))))
        } else {
            members.append(("services", .array([])))
            members.append(("error", .string(Self.failure(table))))
        }
        var checking = false
        if case .health(let report) = health { checking = report.checking }
        members.append(("health_checking", .bool(checking)))
        members.append(("vrrp", vrrpValue()))
        return .object(members)
    }

    /// `-L --json`'s service, plus `api_path`, and per real server `health` and `api_path`.
    private func service(_ snapshot: VirtualServiceSnapshot) -> JSONValue {
        guard case .object(var members) = formatter.jsonValue(service: snapshot) else { return .null }
        let path = "/api/v1/services/" + RESTResourceID.path(of: snapshot.config.id)
        let states = healthStates(of: snapshot.config.id)
        let servers = formatter.orderedRealServers(of: snapshot).map { server -> JSONValue in
            guard case .object(var fields) = formatter.jsonValue(realServer: server) else { return .null }
            let key = server.config.key
            fields.append(("health", .optionalString(states[key]?.rawValue)))
            fields.append(
                ("api_path", .string("\(path)/real-servers/\(key.address.description)/\(key.port)")))
            return .object(fields)
        }
        members = members.map { $0.0 == "real_servers" ? ("real_servers", .array(servers)) : $0 }
        members.append(("name", .string(snapshot.config.id.description)))
        members.append(("api_path", .string(path)))
        return .object(members)
    }

    /// The checkers' view of `id`'s real servers (absent: no checker looks at them).
    private func healthStates(of id: VirtualServiceID) -> [RealServerKey: HealthReportState] {
        guard case .health(let report) = health else { return [:] }
        var states: [RealServerKey: HealthReportState] = [:]
        for server in report.virtualServers where server.services.contains(id) {
            for realServer in server.realServers { states[realServer.server] = realServer.state }
        }
        return states
    }

    private func vrrpValue() -> JSONValue {
        guard case .vrrp(let report) = vrrp else {
            return .object([("running", .bool(false)), ("instances", .array([]))])
        }
        let instances = report.instances.map { instance -> JSONValue in
            .object([
                ("name", .string(instance.name)), ("state", .string(instance.state)),
                ("interface", .string(instance.interface)),
                ("virtual_router_id", .signed(Int64(instance.virtualRouterID))),
                ("priority", .signed(Int64(instance.priority))),
                ("effective_priority", .signed(Int64(instance.effectivePriority))),
                ("master_address", .optionalString(instance.masterAddress)),
            ])
        }
        return .object([("running", .bool(report.running)), ("instances", .array(instances))])
    }

    static func failure(_ reply: ControlReplyBody) -> String {
        if case .failure(let failure) = reply { return "\(failure)" }
        return "lvsd answered \(reply.typeName)"
    }
}

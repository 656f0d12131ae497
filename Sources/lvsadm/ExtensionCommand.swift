/// The commands of ours that ipvsadm does not have, recognised before the ipvsadm parser sees
/// the arguments (docs/lvsadm.md, "Differences from ipvsadm").
import LVSCore

enum ExtensionCommand: Equatable {
    /// `lvsadm --engine-stats`: the engine's counters.
    case engineStatistics
    /// `lvsadm --content [-L] [-n] [--json]`: content-switched services, rules, groups and hits.
    case content(json: Bool)
    /// `lvsadm --reload`: lvsd reads its `--config` file again (as on SIGHUP).
    case reload
    /// `lvsadm --health [-L|-l] [-n] [--json]`: each real server's health.
    case health(numeric: Bool, json: Bool)
    /// `lvsadm --vrrp [-L|-l] [--json]`: each VRRP instance and sync group lvsd runs.
    case vrrp(json: Bool)
    /// `lvsadm --sync [-L|-l] [-n] [--json]`: the connection synchronisation daemons lvsd runs.
    case sync(json: Bool)
    /// `lvsadm --announcements [-L|-l] [-n] [--json]`: the VIPs announced through BGP.
    case announcements(json: Bool)
    /// `lvsadm --events [--since SEQ] [--limit N] [--json]`: lvsd's event log.
    case events(since: Int?, limit: Int?, json: Bool)
    /// `lvsadm --explain -t|-u VIP:PORT | -f MARK --client ADDR[:PORT] [--json]`.
    case explain(ExplainQuery, json: Bool)

    /// The extension command `arguments` ask for; nil when they are ipvsadm's; a usage error
    /// when an extension option comes with something it does not take.
    static func recognise(_ arguments: [String]) -> Result<ExtensionCommand, UsageError>? {
        if arguments == ["--engine-stats"] { return .success(.engineStatistics) }
        if arguments.contains("--reload") {
            guard arguments == ["--reload"] else {
                return .failure(UsageError(message: "lvsadm: --reload takes no other option"))
            }
            return .success(.reload)
        }
        if arguments.contains("--vrrp") { return recogniseVRRP(arguments) }
        if arguments.contains("--events") { return recogniseEvents(arguments) }
        if arguments.contains("--explain") {
            return ExplainArguments.parse(arguments).map { .explain($0.0, json: $0.json) }
        }
        if arguments.contains("--content") { return recogniseContent(arguments) }
        if arguments.contains("--sync") { return recogniseSync(arguments) }
        if arguments.contains("--announcements") { return recogniseAnnouncements(arguments) }
        guard arguments.contains("--health") else { return nil }
        var numeric = false
        var json = false
        for argument in arguments {
            switch argument {
            case "--health", "-L", "-l", "--list": break
            case "-n", "--numeric": numeric = true
            case "--json": json = true
            default:
                return .failure(
                    UsageError(message: "lvsadm: --health takes only -L, -n and --json (not '\(argument)')"))
            }
        }
        return .success(.health(numeric: numeric, json: json))
    }

    /// `--content` takes the listing options and `--json` (its addresses are always numeric).
    private static func recogniseContent(_ arguments: [String]) -> Result<ExtensionCommand, UsageError> {
        var json = false
        for argument in arguments {
            switch argument {
            case "--content", "-L", "-l", "--list", "-n", "--numeric": break
            case "--json": json = true
            default:
                return .failure(
                    UsageError(message: "lvsadm: --content takes only -L, -n and --json (not '\(argument)')"))
            }
        }
        return .success(.content(json: json))
    }

    /// `--vrrp` takes only the listing option and `--json`: its addresses are always numeric.
    private static func recogniseVRRP(_ arguments: [String]) -> Result<ExtensionCommand, UsageError> {
        var json = false
        for argument in arguments {
            switch argument {
            case "--vrrp", "-L", "-l", "--list": break
            case "--json": json = true
            default:
                return .failure(UsageError(message: "lvsadm: --vrrp takes only -L and --json (not '\(argument)')"))
            }
        }
        return .success(.vrrp(json: json))
    }

    /// `--announcements` takes the listing options and `--json` (addresses are always numeric).
    private static func recogniseAnnouncements(_ arguments: [String]) -> Result<ExtensionCommand, UsageError> {
        var json = false
        for argument in arguments {
            switch argument {
            case "--announcements", "-L", "-l", "--list", "-n", "--numeric": break
            case "--json": json = true
            default:
                return .failure(
                    UsageError(message: "lvsadm: --announcements takes only -L, -n and --json (not '\(argument)')"))
            }
        }
        return .success(.announcements(json: json))
    }

    /// `--sync` takes the listing options and `--json`. Its addresses are always numeric; `-n` is
    /// accepted, out of the habit of `-L -n`, and changes nothing.
    private static func recogniseSync(_ arguments: [String]) -> Result<ExtensionCommand, UsageError> {
        var json = false
        for argument in arguments {
            switch argument {
            case "--sync", "-L", "-l", "--list", "-n", "--numeric": break
            case "--json": json = true
            default:
                return .failure(
                    UsageError(message: "lvsadm: --sync takes only -L, -n and --json (not '\(argument)')"))
            }
        }
        return .success(.sync(json: json))
    }

    /// `--events` takes `--since SEQ`, `--limit N` and `--json`.
    private static func recogniseEvents(_ arguments: [String]) -> Result<ExtensionCommand, UsageError> {
        var json = false
        var since: Int?
        var limit: Int?
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--events": break
            case "--json": json = true
            case "--since", "--limit":
                guard index + 1 < arguments.count, let value = Int(arguments[index + 1]), value >= 0 else {
                    return .failure(UsageError(message: "lvsadm: \(argument) needs a number (0 or more)"))
                }
                if argument == "--since" { since = value } else { limit = value }
                index += 1
            default:
                return .failure(
                    UsageError(message: "lvsadm: --events takes only --since, --limit and --json (not '\(argument)')"))
            }
            index += 1
        }
        return .success(.events(since: since, limit: limit, json: json))
    }

    /// A malformed extension command (exit status 2, as ipvsadm's `fail()` usage errors).
    struct UsageError: Error, Equatable {
        var message: String
    }
}

/// Which table layout `-L` prints. ipvsadm picks one by a fixed precedence when several
/// options are given: stats, rate, thresholds, persistent-conn, tun-info, then the default
/// (reference §2.2–§2.3; `print_title` and `print_service_entry` test the flags in this order).
enum ListingFormat: Sendable, Hashable {
    case stats
    case rate
    case thresholds
    case persistentConnections
    case tunnelInfo
    case standard

    init(_ options: ListOptions) {
        if options.stats {
            self = .stats
        } else if options.rate {
            self = .rate
        } else if options.thresholds {
            self = .thresholds
        } else if options.persistentConnections {
            self = .persistentConnections
        } else if options.tunnelInfo {
            self = .tunnelInfo
        } else {
            self = .standard
        }
    }

    /// The two title lines printed before the services (even when there are none).
    var title: String {
        typealias C = PrintfColumns
        let prot = C.left("Prot LocalAddress:Port", 33)
        let remote = "  -> RemoteAddress:Port\n"
        switch self {
        case .stats:
            let heads = ["Conns", "InPkts", "OutPkts", "InBytes", "OutBytes"].map { " " + C.right($0, 8) }
            return prot + heads.joined() + "\n" + remote
        case .rate:
            let heads = ["CPS", "InPPS", "OutPPS", "InBPS", "OutBPS"].map { " " + C.right($0, 8) }
            return prot + heads.joined() + "\n" + remote
        case .thresholds:
            let heads = ["Uthreshold", "Lthreshold", "ActiveConn", "InActConn"].map { " " + C.left($0, 10) }
            return prot + heads.joined() + "\n" + remote
        case .persistentConnections:
            return prot + " " + C.left("Weight", 9) + " " + C.left("PersistConn", 11) + " "
                + C.left("ActiveConn", 10) + " " + C.left("InActConn", 10) + "\n" + remote
        case .tunnelInfo:
            return "Prot LocalAddress:Port Scheduler Flags\n"
                + "  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n"
        case .standard:
            return "Prot LocalAddress:Port Scheduler Flags\n"
                + "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
        }
    }
}

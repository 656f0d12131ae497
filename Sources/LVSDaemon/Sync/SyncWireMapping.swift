import LVSCore

/// The one place where the director's view of an entry and the kernel's wire differ: a
/// firewall-mark template carries its mark as the virtual address. LVSCore keeps it in the
/// address's last 32 bits; the kernel writes an IPv6 template's mark into the first word
/// (`union nf_inet_addr` with `.ip` set), so IPv6 mark templates are converted both ways.
/// IPv4 needs nothing: the address is the mark.
enum SyncWireMapping {
    static func isIPv6MarkTemplate(_ connection: SyncedConnection) -> Bool {
        connection.isTemplate && connection.protocolNumber == .ip && connection.virtualAddress.family == .inet6
    }

    /// The record as the kernel would write it.
    static func toWire(_ connection: SyncedConnection) -> SyncedConnection {
        guard isIPv6MarkTemplate(connection) else { return connection }
        var wire = connection
        let mark = UInt64(UInt32(truncatingIfNeeded: connection.virtualAddress.low))
        wire.virtualAddress = IPAddress(ipv6High: mark << 32, low: 0)
        return wire
    }

    /// The record as the director keeps it.
    static func fromWire(_ connection: SyncedConnection) -> SyncedConnection {
        guard isIPv6MarkTemplate(connection) else { return connection }
        var local = connection
        let mark = UInt64(UInt32(truncatingIfNeeded: connection.virtualAddress.high >> 32))
        local.virtualAddress = IPAddress(ipv6High: 0, low: mark)
        return local
    }
}

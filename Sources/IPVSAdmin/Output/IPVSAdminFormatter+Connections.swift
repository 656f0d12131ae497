import LVSCore

// `-L -c [-n] [--persistent-conn]` (reference §2.4).
extension IPVSAdminFormatter {
    /// The connection table in the order given (ipvsadm prints the kernel's hash order and never
    /// sorts it). With `options.persistentConnections`, the title gains `pe name` and `pe_data`
    /// columns and entries that carry persistence-engine data show it.
    public func listConnections(_ entries: [ConnectionSnapshot], options: ListOptions) -> String {
        typealias C = PrintfColumns
        var out = "IPVS connection entries\n"
        if options.persistentConnections {
            out +=
                "pro expire " + C.left("state", 11) + " " + C.left("source", 18) + " " + C.left("virtual", 18) + " "
                + C.left("destination", 18) + " " + C.left("pe name", 16) + " pe_data\n"
        } else {
            out +=
                "pro expire " + C.left("state", 11) + " " + C.left("source", 18) + " " + C.left("virtual", 18)
                + " destination\n"
        }
        for entry in entries {
            out += connectionLine(entry, options: options)
        }
        return out
    }

    private func connectionLine(_ entry: ConnectionSnapshot, options: ListOptions) -> String {
        typealias C = PrintfColumns
        let proto = entry.protocolNumber
        let source = endpoint(
            entry.clientAddress, port: entry.clientPort, protocolNumber: proto, numeric: options.numeric)
        let virtual = endpoint(
            entry.virtualAddress, port: entry.virtualPort, protocolNumber: proto, numeric: options.numeric)
        let destination = endpoint(
            entry.destinationAddress, port: entry.destinationPort, protocolNumber: proto, numeric: options.numeric)
        let head =
            C.left(proto.displayName, 3) + " " + C.left(C.minutesSeconds(entry.expiresInSeconds), 6) + " "
            + C.left(entry.stateName, 11) + " " + C.left(source, 18) + " " + C.left(virtual, 18) + " "
        // ipvsadm pads the destination to 16 here while the title pads it to 18: the columns of
        // this variant do not line up in ipvsadm either.
        if options.persistentConnections, let name = entry.persistenceEngineName,
            let data = entry.persistenceEngineData
        {
            return head + C.left(destination, 16) + " " + C.left(name, 18) + " " + data + "\n"
        }
        return head + destination + "\n"
    }
}

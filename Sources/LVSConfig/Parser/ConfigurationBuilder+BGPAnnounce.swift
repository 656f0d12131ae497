// `bgp_announce { … }` (ours; docs/configuration.md §12, docs/design/0029-bgp-announcements.md).
extension ConfigurationBuilder {
    mutating func parseBGPAnnounce(_ node: ConfigurationNode) {
        if !node.arguments.isEmpty {
            log.warning(
                node.arguments[0].location, "bgp_announce takes no name; \"\(node.arguments[0].text)\" is ignored")
        }
        guard let block = requireBlock(node) else { return }
        if let previous = configuration.bgpAnnounce {
            log.error(node.location, "bgp_announce is given twice (first at \(previous.location)); keep one block")
            return
        }
        var definition = BGPAnnounceDefinition(includeFile: "", location: node.location)
        var valid = true
        for statement in block {
            if !parseBGPAnnounceStatement(statement, into: &definition) { valid = false }
        }
        if definition.includeFile.isEmpty {
            log.error(
                node.location,
                "bgp_announce needs include_file, the file lvsd writes and BIRD includes, e.g. include_file /run/lvsd/bird-vips.conf"
            )
            return
        }
        if valid { configuration.bgpAnnounce = definition }
    }

    /// One statement; false when it was an error (the block is then not used).
    private mutating func parseBGPAnnounceStatement(
        _ node: ConfigurationNode, into definition: inout BGPAnnounceDefinition
    ) -> Bool {
        switch node.name {
        case "include_file", "bird_socket":
            guard let t = value(node, example: "/run/lvsd/bird-vips.conf") else { return false }
            guard t.text.hasPrefix("/") else {
                log.error(t.location, "\(node.name) \"\(t.text)\" must be an absolute path")
                return false
            }
            if node.name == "include_file" { definition.includeFile = t.text } else { definition.birdSocket = t.text }
        case "protocol_name":
            guard let t = value(node, example: "lvsd_vips") else { return false }
            guard Self.isBirdSymbol(t.text) else {
                log.error(
                    t.location,
                    "protocol_name \"\(t.text)\" is not a BIRD symbol; use a letter then letters, digits or _ (at most 60)"
                )
                return false
            }
            definition.protocolName = t.text
        case "require":
            guard let t = value(node, example: "all") else { return false }
            guard let requirement = BGPAnnounceDefinition.Requirement(rawValue: t.text.lowercased()) else {
                log.error(t.location, "require \"\(t.text)\" is not all or any")
                return false
            }
            definition.requirement = requirement
        case "bird_command":
            guard let line = text(node, example: "\"/usr/sbin/bird -f -c /etc/lvsd/bird.conf -s /run/lvsd/bird.ctl\"")
            else { return false }
            definition.birdCommand = line
        default:
            unknown(node, in: "bgp_announce")
        }
        return true
    }

    /// BIRD's symbol syntax: a letter or `_`, then letters, digits and `_` (the written protocols
    /// add one character, so 60 keeps them within BIRD's 64).
    static func isBirdSymbol(_ text: String) -> Bool {
        guard let first = text.first, first.isASCII, first.isLetter || first == "_", text.count <= 60 else {
            return false
        }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }
}

import LVSCore

// `vrrp_script NAME { … }` and `vrrp_sync_group NAME { … }` (keepalived.conf(5); reference §8.6).
extension ConfigurationBuilder {
    mutating func parseVRRPScript(_ node: ConfigurationNode) {
        guard let nameToken = blockName(node, example: "vrrp_script chk_haproxy {") else { return }
        guard let block = requireBlock(node) else { return }
        if let previous = configuration.vrrpScript(named: nameToken.text) {
            log.error(
                nameToken.location,
                "vrrp_script \"\(nameToken.text)\" is defined twice (first at \(previous.location)); rename one")
            return
        }
        var script = VRRPScriptDefinition(name: nameToken.text, location: node.location)
        for statement in block { parseScriptStatement(statement, into: &script) }
        if script.command?.command.isEmpty ?? true {
            log.error(
                node.location, "vrrp_script \(script.name) needs a script, e.g. script \"/usr/bin/pgrep haproxy\"")
            return
        }
        configuration.vrrpScripts.append(script)
    }

    private mutating func parseScriptStatement(_ node: ConfigurationNode, into script: inout VRRPScriptDefinition) {
        switch node.name {
        case "script":
            // keepalived takes the rest of the line: one quoted string or several words.
            guard let line = text(node, example: "\"/usr/bin/pgrep haproxy\"") else { return }
            script.command = ScriptCommand(command: line, user: script.command?.user, group: script.command?.group)
        case "user":
            guard let args = arguments(node, 1, 2, usage: "a user and optional group, e.g. user nobody") else { return }
            var command = script.command ?? ScriptCommand(command: "")
            command.user = args[0].text
            command.group = args.count > 1 ? args[1].text : nil
            script.command = command
        case "interval", "timeout":
            // keepalived reads milliseconds here and turns 0 into 1 s.
            guard let t = value(node, example: "2"), var d = boundedTimer(t, .zero...(.seconds(4294)), what: node.name)
            else { return }
            if d < .milliseconds(1) {
                log.warning(t.location, "\(node.name) must be above 0; 1 second is used")
                d = .seconds(1)
            }
            if node.name == "interval" { script.interval = d } else { script.timeout = d }
        case "weight":
            guard let args = arguments(node, 1, 2, usage: "a weight, e.g. weight -20 [reverse]") else { return }
            guard let w = signedWeight(args[0], limit: 253) else { return }
            script.weight = w
            if args.count == 2 {
                guard args[1].text == "reverse" else {
                    log.error(args[1].location, "unknown weight option \"\(args[1].text)\"; use reverse")
                    return
                }
                script.reverse = true
            }
        case "rise", "fall":
            guard let t = value(node, example: "2"), let n = uint32(t, 1...UInt32(Int32.max), what: node.name) else {
                return
            }
            if node.name == "rise" { script.rise = n } else { script.fall = n }
        case "init_fail":
            if flag(node) { script.initFail = true }
        default:
            unknown(node, in: "vrrp_script")
        }
    }

    // MARK: vrrp_sync_group

    mutating func parseVRRPSyncGroup(_ node: ConfigurationNode) {
        guard let nameToken = blockName(node, example: "vrrp_sync_group VG_1 {") else { return }
        guard let block = requireBlock(node) else { return }
        if let previous = configuration.vrrpSyncGroups.first(where: { $0.name == nameToken.text }) {
            log.error(
                nameToken.location,
                "vrrp_sync_group \"\(nameToken.text)\" is defined twice (first at \(previous.location)); rename one")
            return
        }
        var group = VRRPSyncGroupDefinition(name: nameToken.text, location: node.location)
        var sawGroup = false
        for statement in block {
            if statement.name == "group" {
                sawGroup = true
                syncGroupMembers(statement, into: &group)
            } else {
                parseSyncGroupStatement(statement, into: &group)
            }
        }
        // keepalived drops a group without members ("has no members - removing").
        guard !group.members.isEmpty else {
            log.warning(
                node.location,
                sawGroup
                    ? "vrrp_sync_group \(group.name) has an empty group block; it is ignored"
                    : "vrrp_sync_group \(group.name) has no group { … } block naming its instances; it is ignored")
            return
        }
        configuration.vrrpSyncGroups.append(group)
    }

    private mutating func syncGroupMembers(_ node: ConfigurationNode, into group: inout VRRPSyncGroupDefinition) {
        guard let block = requireBlock(node) else { return }
        guard group.members.isEmpty else {
            log.error(
                node.location, "vrrp_sync_group \(group.name) has a second group block; list every instance in one")
            return
        }
        // keepalived reads the block as a list of words, several per line allowed.
        for entry in block {
            for token in [entry.keyword] + entry.arguments {
                if group.members.contains(token.text) {
                    log.warning(token.location, "\(token.text) is listed twice in vrrp_sync_group \(group.name)")
                    continue
                }
                group.members.append(token.text)
                vrrpNotes.syncGroupMemberTokens.append((group.name, token))
            }
        }
    }

    private mutating func parseSyncGroupStatement(_ node: ConfigurationNode, into group: inout VRRPSyncGroupDefinition)
    {
        if notifyKeyword(node, into: &group.notify) { return }
        switch node.name {
        case "track_interface":
            guard let block = requireBlock(node) else { return }
            group.trackedInterfaces += trackedInterfaces(block, owner: "vrrp_sync_group \(group.name)")
        case "track_script":
            guard let block = requireBlock(node) else { return }
            group.trackedScripts += trackedScripts(block, owner: "vrrp_sync_group \(group.name)")
        case "sync_group_tracking_weight":
            if flag(node) { group.trackingWeight = true }
        case "smtp_alert":
            if let on = yesNo(node) { group.smtpAlert = on }
        case "track_file", "track_process", "track_bfd", "notify_priority_changes":
            log.warning(node.location, "vrrp_sync_group \(node.name) is not supported by lvsd; ignored")
        case "global_tracking":
            log.warning(
                node.location,
                "global_tracking is deprecated in keepalived; write sync_group_tracking_weight (used as such)")
            group.trackingWeight = true
        default:
            unknown(node, in: "vrrp_sync_group")
        }
    }
}

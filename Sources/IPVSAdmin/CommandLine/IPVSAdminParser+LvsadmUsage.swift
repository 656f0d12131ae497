import LVSCore

extension IPVSAdminParser {
    /// `lvsadm -h`: ipvsadm's help text (reference §1.11, layout kept) followed by a separate
    /// section for what lvsadm adds (docs/lvsadm.md, "Differences from ipvsadm"), so the
    /// ipvsadm part reads as ipvsadm users know it and our options are still discoverable.
    public static var lvsadmUsageText: String {
        usageText(programName: "lvsadm") + "\n" + lvsadmExtensionText
    }

    /// The lvsadm-only part of `lvsadm -h`: the commands and options ipvsadm does not have, and
    /// every scheduler lvsd implements (ipvsadm's own list above stops at `mh`).
    public static var lvsadmExtensionText: String {
        var text = "lvsadm only (not in ipvsadm; see docs/lvsadm.md and lvsadm(8)):\n"
        text += lvsadmRows(
            [
                ("--control-socket PATH", "talk to the lvsd listening on PATH; else $LVSD_SOCKET,"),
                ("", "else /run/lvsd.sock (root) or $XDG_RUNTIME_DIR/lvsd.sock"),
                ("--reload", "make lvsd read its --config file again (as SIGHUP)"),
                ("--health [-L] [-n] [--json]", "show the health checkers' view of the real servers"),
                ("--engine-stats", "show the forwarding engine's counters"),
                ("--vrrp [-L] [--json]", "show the VRRP instances and sync groups lvsd runs"),
                ("--sync [-L] [-n] [--json]", "show the connection synchronisation daemons' counters"),
                ("--events [--since SEQ] [--limit N]", "show lvsd's event log (changes, health, VRRP, reloads)"),
                ("--explain -t|-u|-f SERVICE", "with --client ADDR[:PORT]: which real server a client"),
                ("", "would get now, and why"),
                ("--content [-L] [-n] [--json]", "show content-switched services: rules, groups, hits"),
                ("--json", "with -L, --health, --vrrp, --sync, --events, --explain or --content:"),
                ("", "print JSON"),
                ("--proxy", "with -a/-e: forward as a full proxy (TCP/UDP relay)"),
                ("--proxy-protocol v1|v2", "with --proxy: send a PROXY header to the real server"),
                ("--transparent", "with --proxy: connect from the client's address"),
            ], column: 38)
        let schedulers = SchedulerRegistry.names.filter { $0 != "none" }
        text += "\nSchedulers (-s): " + schedulers.joined(separator: " ") + "\n"
        return text
    }

    /// Two-column lines laid out as ipvsadm's own option rows.
    private static func lvsadmRows(_ items: [(String, String)], column: Int) -> String {
        var out = ""
        for (option, description) in items {
            var line = "  " + option
            line += line.count < column ? String(repeating: " ", count: column - line.count) : " "
            out += line + description + "\n"
        }
        return out
    }
}

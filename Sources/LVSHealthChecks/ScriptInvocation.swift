#if canImport(Glibc)
    import Glibc
#endif

/// How lvsd starts a script line of keepalived.conf (MISC_CHECK's `misc_path`, notify scripts,
/// `vrrp_script`): through `/bin/sh -c`, and — when the line has a `user [group]`, or
/// `global_defs script_user` names one, and lvsd runs as root — as that user through
/// util-linux's `setpriv`, as keepalived drops privileges for its scripts. Without a group the
/// user's own groups apply (`--init-groups`); with one, only that group.
public enum ScriptInvocation {
    public static let setpriv = "/usr/bin/setpriv"

    /// The program and its arguments. `effectiveUID` is the daemon's (`geteuid()`): a
    /// daemon that is not root cannot change user, and runs the script as itself.
    public static func command(_ line: String, user: String?, group: String?, effectiveUID: uid_t) -> (
        executable: String, arguments: [String]
    ) {
        guard let user, effectiveUID == 0 else { return ("/bin/sh", ["-c", line]) }
        var options = ["--reuid=\(user)"]
        options += group.map { ["--regid=\($0)", "--clear-groups"] } ?? ["--init-groups", "--regid=\(user)"]
        return (setpriv, options + ["--", "/bin/sh", "-c", line])
    }

    /// The user and group a script runs as: its own `user [group]`, else `script_user`'s.
    public static func identity(
        user: String?, group: String?, scriptUser: String?, scriptGroup: String?
    ) -> (user: String?, group: String?) {
        user != nil ? (user, group) : (scriptUser, scriptUser != nil ? scriptGroup : nil)
    }
}

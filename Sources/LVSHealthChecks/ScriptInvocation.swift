#if canImport(Glibc)
    import Glibc
#endif

/// How lvsd starts a script line of keepalived.conf (MISC_CHECK's `misc_path`, notify scripts,
/// `vrrp_script`): through `/bin/sh -c`, and — when the line has a `user [group]`, or
/// `global_defs script_user` names one, and lvsd runs as root — as that user through
/// util-linux's `setpriv`, as keepalived drops privileges for its scripts. Without a group the
/// user's primary group and supplementary groups apply (`--init-groups`); with one, only that
/// group.
public enum ScriptInvocation {
    public static let setpriv = "/usr/bin/setpriv"

    /// The program and its arguments. `effectiveUID` is the daemon's (`geteuid()`): a
    /// daemon that is not root cannot change user, and runs the script as itself.
    /// `primaryGroup` finds a user's primary group id (the passwd entry's): `setpriv --regid`
    /// needs a group, and a user need not have a group of its own name (Debian's `nobody` has
    /// `nogroup`).
    public static func command(
        _ line: String, user: String?, group: String?, effectiveUID: uid_t,
        primaryGroup: (String) -> gid_t? = { getpwnam($0)?.pointee.pw_gid }
    ) -> (executable: String, arguments: [String]) {
        guard let user, effectiveUID == 0 else { return ("/bin/sh", ["-c", line]) }
        var options = ["--reuid=\(user)"]
        if let group {
            options += ["--regid=\(group)", "--clear-groups"]
        } else {
            options += ["--init-groups", "--regid=\(primaryGroup(user).map { String($0) } ?? user)"]
        }
        return (setpriv, options + ["--", "/bin/sh", "-c", line])
    }

    /// The user and group a script runs as: its own `user [group]`, else `script_user`'s.
    public static func identity(
        user: String?, group: String?, scriptUser: String?, scriptGroup: String?
    ) -> (user: String?, group: String?) {
        user != nil ? (user, group) : (scriptUser, scriptUser != nil ? scriptGroup : nil)
    }
}

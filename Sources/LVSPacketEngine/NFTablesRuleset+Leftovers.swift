import Glibc

extension NFTablesRuleset {
    /// The families (`netdev`, `inet`) in which a table named `table` exists now: before the
    /// engine starts, one left by an earlier lvsd that was killed (SIGKILL, a crash), which
    /// the start replaces in its first transaction (docs/design/0032). `nft list table`
    /// answers 0 when the table exists; its output goes to /dev/null.
    public static func existingFamilies(of table: String, nft: String = "nft") -> [String] {
        ["netdev", "inet"].filter { family in
            quietStatus([nft, "list", "table", family, table]) == 0
        }
    }

    /// posix_spawnp with stdin, stdout and stderr on /dev/null, then waitpid: the exit status,
    /// 127 when the program cannot be started.
    static func quietStatus(_ arguments: [String]) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] {
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        var pid: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        defer { for pointer in argv { free(pointer) } }
        guard posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ) == 0 else { return 127 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }
}

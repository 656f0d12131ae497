import CLinuxNet

/// Process-wide limits the reactor sizes itself by, read once per call (not cached: `ulimit`
/// may change between daemon restarts but never under a running reactor, so callers read it at
/// start-up).
public enum SystemLimits {
    /// The soft RLIMIT_NOFILE: one more than the highest fd this process can hold, so the
    /// largest size an fd-indexed table can ever need. 1024 if the limit cannot be read.
    public static var fileDescriptors: Int {
        let limit = clinuxnet_nofile_limit()
        // RLIM_INFINITY reads as a huge value; an fd table must stay addressable by UInt32.
        guard limit > 0 else { return 1024 }
        return Int(min(limit, Int64(Int32.max)))
    }

    /// Online CPUs (`_SC_NPROCESSORS_ONLN`): the default reactor count. At least 1.
    public static var onlineProcessors: Int { max(1, Int(clinuxnet_online_cpus())) }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Standard output and standard error as unbuffered byte writers, so that the order of what
/// `lvsadm` prints on the two streams is the order it printed it.
struct OutputStreams {
    func standard(_ text: String) { Self.write(text, to: STDOUT_FILENO) }
    func error(_ text: String) { Self.write(text, to: STDERR_FILENO) }

    private static func write(_ text: String, to descriptor: Int32) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                return  // a closed pipe (`lvsadm -L | head`): nothing more to say
            }
            offset += written
        }
    }
}
